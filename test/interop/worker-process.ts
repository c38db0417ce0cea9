// A consumer worker under test as its own OS process (the Java KCL app or flightpulse's recorder), so a
// test can stop it as ECS would (SIGTERM, graceful) or crash it (SIGKILL), and the record log every worker
// writes: one tab-separated line per record processed and per lifecycle call.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { isAlive, startChildService } from "../../local/emulators/child-service";

/** What every recording worker under test is told, whichever implementation it is. */
export interface RecordingWorkerOptions {
  readonly stream: string;
  readonly kinesis: string;
  readonly dynamodb: string;
  readonly worker: string;
  /** The record log (see LogLine). */
  readonly out: string;
  readonly failoverMillis: number;
  readonly maxRecords?: number;
  /** One B line per batch instead of one R line per record (the benchmark). */
  readonly batchesOnly?: boolean;
  /** The process's own output (warnings, errors). */
  readonly log: string;
}

export interface WorkerProcess {
  readonly worker: string;
  readonly pid: number;
  /** SIGTERM (the runtime's graceful shutdown: processors checkpoint, leases released or left), then the exit. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL: a crash, nothing flushed. */
  kill(): Promise<void>;
}

export class WorkerProcessError extends Error {
  readonly code = "WORKER_PROCESS_FAILED";
}

async function exited(pid: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new WorkerProcessError(`${what} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startWorkerProcess(spec: {
  readonly worker: string;
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** The process's own output (warnings, errors). */
  readonly log: string;
}): Promise<WorkerProcess> {
  const service = await startChildService({
    name: spec.name,
    endpoint: "-",
    command: spec.command,
    args: spec.args,
    env: { FLIGHTPULSE_WATCHDOG_LOG: spec.log },
    ready: async () => true,
  });
  const pid = service.pid;
  return {
    worker: spec.worker,
    pid,
    async stop(timeoutMs = 60_000) {
      if (!isAlive(pid)) return;
      process.kill(pid, "SIGTERM");
      await exited(pid, timeoutMs, spec.name);
    },
    async kill() {
      if (!isAlive(pid)) return;
      process.kill(pid, "SIGKILL");
      await exited(pid, 10_000, spec.name);
    },
  };
}

const RECORDER = path.join(__dirname, "flightpulse-recorder.ts");

/** flightpulse's runtime with a recording processor (test/interop/flightpulse-recorder.ts). */
export function startFlightpulseWorker(
  o: RecordingWorkerOptions & { readonly table: string },
): Promise<WorkerProcess> {
  const { log, ...options } = o;
  return startWorkerProcess({
    worker: o.worker,
    name: `flightpulse-${o.worker}`,
    command: process.execPath,
    args: ["--import", "tsx", RECORDER, JSON.stringify(options)],
    log,
  });
}

export type LineKind = "R" | "B" | "I" | "C" | "E" | "L" | "S" | "F" | "X";

/**
 * One line of a record log. R: a record processed (position = its sequence number); I: initialize
 * (position = the lease's checkpoint it starts from); C: a checkpoint written (position); E: SHARD_END
 * checkpointed; L: lease lost; S: shutdown requested, checkpointed; F: a checkpoint refused (fenced);
 * X: the process finished its graceful shutdown; B: a batch processed (position = its size; benchmark logs).
 */
export interface LogLine {
  readonly kind: LineKind;
  readonly shard: string;
  readonly position: string;
  readonly subSequenceNumber: number;
  readonly worker: string;
  /** Wall-clock ms when the line was written. */
  readonly at: number;
}

/** Reads the record logs of any number of workers (a missing file is an empty log), in time order. */
export function readRecordLogs(files: readonly string[]): LogLine[] {
  const lines: LogLine[] = [];
  for (const file of files) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    for (const raw of text.split("\n")) {
      if (raw === "") continue;
      const f = raw.split("\t");
      const kind = f[0] as LineKind;
      const at = Number(f.at(-1));
      if (kind === "X")
        lines.push({ kind, shard: "", position: "", subSequenceNumber: 0, worker: f[1] ?? "", at });
      else if (kind === "R" || kind === "C")
        lines.push({
          kind,
          shard: f[1] ?? "",
          position: f[2] ?? "",
          subSequenceNumber: Number(f[3]),
          worker: f[4] ?? "",
          at,
        });
      else if (kind === "I" || kind === "B")
        lines.push({
          kind,
          shard: f[1] ?? "",
          position: f[2] ?? "",
          subSequenceNumber: 0,
          worker: f[3] ?? "",
          at,
        });
      else
        lines.push({ kind, shard: f[1] ?? "", position: "", subSequenceNumber: 0, worker: f[2] ?? "", at });
    }
  }
  // A stable sort: one file's lines keep their order when their times are equal.
  return lines.sort((a, b) => a.at - b.at);
}
