// What a CLI command needs from its process, injected so commands are testable: arguments, output
// streams, the local stack's endpoints, and an abort signal that Ctrl-C / SIGTERM trip.
import * as fs from "node:fs";
import * as path from "node:path";
import { type ParseArgsConfig, parseArgs } from "node:util";

export interface CommandIo {
  readonly argv: readonly string[];
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** True when stderr is a terminal (progress bars redraw in place). */
  readonly tty: boolean;
  readonly cwd: string;
  readonly signal: AbortSignal;
  /** The process environment (settings passed on to child processes); none when unset. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A usage error: the CLI prints it with the command's help and exits 2. */
export class UsageError extends Error {
  readonly code = "USAGE";
}

export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(
  argv: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Parses `30s`, `5m`, `2h` or a number of seconds. */
export function parseDuration(flag: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
  if (m === null) throw new UsageError(`${flag} "${raw}" must be a duration such as 90s, 5m or 2h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000;
  return Number(m[1]) * unit;
}

export function parseNumber(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${flag} "${raw}" must be a number from ${min} to ${max}`);
  }
  return n;
}

export interface LocalEndpoints {
  readonly kinesis?: string;
  readonly bookingStream?: string;
}

/** Endpoints of a running `flightpulse start`, from .flightpulse/local.json, if there is one. */
export function readLocalEndpoints(cwd: string): LocalEndpoints {
  const file = path.join(cwd, ".flightpulse", "local.json");
  if (!fs.existsSync(file)) return {};
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as {
    endpoints?: { kinesis?: string };
    resources?: { bookingStream?: string };
  };
  return {
    ...(json.endpoints?.kinesis !== undefined ? { kinesis: json.endpoints.kinesis } : {}),
    ...(json.resources?.bookingStream !== undefined ? { bookingStream: json.resources.bookingStream } : {}),
  };
}
