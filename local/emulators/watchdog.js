// Runs one emulator as a child and ties its life to the parent's: when the parent's end of our stdin pipe
// closes (the parent exited, even by SIGKILL) or we get SIGTERM/SIGINT, the child is stopped. Prints the
// child's pid as the first line of stdout so the parent can record it.
"use strict";
const { spawn } = require("node:child_process");

const [command, ...args] = process.argv.slice(2);
// FLIGHTPULSE_WATCHDOG_LOG sends the child's output to a file (a worker's JSON logs, say).
const logFile = process.env.FLIGHTPULSE_WATCHDOG_LOG;
const out = logFile ? require("node:fs").openSync(logFile, "a") : "inherit";
// FLIGHTPULSE_WATCHDOG_UID/GID: the user to run the child as (PostgreSQL will not run as root).
const uid = process.env.FLIGHTPULSE_WATCHDOG_UID;
const gid = process.env.FLIGHTPULSE_WATCHDOG_GID;
const child = spawn(command, args, {
  stdio: ["ignore", out, out],
  env: process.env,
  ...(uid ? { uid: Number(uid), gid: Number(gid) } : {}),
});
process.stdout.write(`${JSON.stringify({ pid: child.pid })}\n`);

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
  setTimeout(() => child.kill("SIGKILL"), 3000).unref();
}
process.stdin.on("end", () => stop("SIGTERM"));
process.stdin.on("close", () => stop("SIGTERM"));
process.stdin.resume();
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGTERM"));
// FLIGHTPULSE_WATCHDOG_REMOVE: a folder the child's data lives in, removed once it has exited, so that a
// parent killed outright leaves no throwaway database behind.
const removeAfter = process.env.FLIGHTPULSE_WATCHDOG_REMOVE;
child.on("exit", (code, signal) => {
  if (removeAfter) require("node:fs").rmSync(removeAfter, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
