// The `flightpulse` command: a small dispatcher. Each command gets its arguments, output streams and an
// abort signal that the first SIGINT/SIGTERM trips (graceful stop); a second one forces exit.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { FLINK_HELP, flink } from "../analytics/flink/flink-command";
import { runWorker } from "../consumers/main";
import { type CommandIo, UsageError } from "../ingest/commands/command-io";
import { REPLAY_HELP, replay } from "../ingest/commands/replay";
import { SIMULATE_HELP, simulate } from "../ingest/commands/simulate";
import { START_HELP, start } from "../local/commands/start";

interface Command {
  readonly summary: string;
  readonly help: string;
  readonly run: (io: CommandIo) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  start: { summary: "run the whole pipeline locally (what `npm start` runs)", help: START_HELP, run: start },
  simulate: {
    summary: "generate booking traffic into Kinesis or a file",
    help: SIMULATE_HELP,
    run: simulate,
  },
  flink: {
    summary: "the Managed Flink app: status, deploy, snapshot(s), rollback, stop, start (AWS or local)",
    help: FLINK_HELP,
    run: flink,
  },
  replay: { summary: "load a JSON-lines file of events into the stream", help: REPLAY_HELP, run: replay },
  worker: {
    summary: "run a consumer worker (configured by FLIGHTPULSE_* environment variables; see the README)",
    help: "Usage: flightpulse worker\n\nRuns one consumer worker until SIGTERM. Settings come from the environment (README: Configuration).",
    run: async () => {
      await runWorker(process.env);
      // Keeps running; SIGTERM ends the process after the graceful hand-off.
      await new Promise<never>(() => {});
      return 0;
    },
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "Usage: flightpulse <command> [options]",
    "",
    "Real-time route-demand analytics for airline booking traffic.",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "`flightpulse <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<void> {
  const [name, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) =>
    process.stderr.write(line.startsWith("\r") || line === "\n" ? line : `${line}\n`);
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    out(usage());
    return;
  }
  if (name === "--version") {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
      version: string;
    };
    out(pkg.version);
    return;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    err(`flightpulse: unknown command "${name}"\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      err(`\nflightpulse: ${signal} received, stopping (again to force)…`);
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    process.exitCode = await command.run({
      argv: rest,
      out,
      err,
      tty: process.stderr.isTTY === true,
      cwd: process.cwd(),
      signal: controller.signal,
      env: process.env,
    });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`flightpulse ${name}: ${e.message}\n\n${command.help}`);
      process.exitCode = 2;
    } else {
      err(`flightpulse ${name}: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
