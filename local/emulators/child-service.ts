// Starts an emulator as a child process behind the watchdog, waits until it answers, and stops it
// cleanly. A child that exits during start-up fails the start with the tail of its output, so a broken
// emulator says why instead of timing out.
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";

export interface RunningService {
  readonly name: string;
  readonly endpoint: string;
  /** The emulator's own process (the watchdog's child). */
  readonly pid: number;
  /** The watchdog wrapping it. */
  readonly watchdogPid: number;
  stop(): Promise<void>;
}

export interface ChildServiceSpec {
  readonly name: string;
  readonly endpoint: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Run it as this user, e.g. PostgreSQL's, which will not run as root. */
  readonly user?: { readonly uid: number; readonly gid: number };
  /** Resolves true once the service answers. */
  readonly ready: () => Promise<boolean>;
  readonly startTimeoutMs?: number;
}

export class ServiceStartError extends Error {
  readonly code = "SERVICE_START_FAILED";
}

const WATCHDOG = path.join(__dirname, "watchdog.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startChildService(spec: ChildServiceSpec): Promise<RunningService> {
  const child: ChildProcess = spawn(process.execPath, [WATCHDOG, spec.command, ...spec.args], {
    cwd: spec.cwd,
    env: {
      ...process.env,
      ...spec.env,
      // The watchdog itself stays this process's user: it lives in the checkout, which that user may not reach.
      ...(spec.user !== undefined
        ? { FLIGHTPULSE_WATCHDOG_UID: String(spec.user.uid), FLIGHTPULSE_WATCHDOG_GID: String(spec.user.gid) }
        : {}),
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stderr?.on("data", keep);
  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    }),
  );
  const pid = await new Promise<number>((resolve, reject) => {
    let first = "";
    const onData = (chunk: Buffer) => {
      first += chunk.toString();
      const nl = first.indexOf("\n");
      if (nl < 0) return;
      child.stdout?.off("data", onData);
      child.stdout?.on("data", keep);
      keep(Buffer.from(first.slice(nl + 1)));
      resolve((JSON.parse(first.slice(0, nl)) as { pid: number }).pid);
    };
    child.stdout?.on("data", onData);
    child.once("error", reject);
    child.once("exit", () =>
      reject(new ServiceStartError(`${spec.name} could not be started: ${output.trim()}`)),
    );
  });

  const stop = async () => {
    if (exited === undefined) {
      child.kill("SIGTERM");
      const forced = setTimeout(() => {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
        child.kill("SIGKILL");
      }, 5000);
      await exitPromise;
      clearTimeout(forced);
    }
  };

  const deadline = Date.now() + (spec.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited !== undefined) {
      throw new ServiceStartError(`${spec.name} ${exited} during start-up:\n${output.trim()}`);
    }
    if (await spec.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new ServiceStartError(
        `${spec.name} did not answer at ${spec.endpoint} within ${spec.startTimeoutMs ?? 30_000} ms:\n${output.trim()}`,
      );
    }
    await sleep(100);
  }
  return { name: spec.name, endpoint: spec.endpoint, pid, watchdogPid: child.pid ?? -1, stop };
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
