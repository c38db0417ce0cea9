// One run of the Flink SQL app on this machine: the jar Managed Flink runs, on a MiniCluster in a JVM
// behind the emulators' watchdog (it dies with `npm start`, even on SIGKILL), reading the local booking
// stream and writing demand-insights on the Kinesis emulator. Knows the job's state through Flink's REST
// API and takes savepoints through it (with or without stopping the job), which is how the local
// Kinesis Analytics endpoint (local/kinesis-analytics) makes snapshots and updates. Builds the default
// jar first when it is missing or stale.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { buildFlinkArtifact, FLINK_JAR, FlinkBuildError } from "../../analytics/flink/artifact";
import { javaArgs, javaExecutable } from "../../analytics/flink/local-job";
import {
  isAlive,
  type RunningService,
  ServiceStartError,
  startChildService,
} from "../emulators/child-service";
import { freePort, LOOPBACK } from "../emulators/ports";

export interface LocalFlinkOptions {
  /** The job's settings (JobSettings.java): streams, region, endpoint, lateness, initial position, … */
  readonly settings: Readonly<Record<string, string>>;
  /** The jar to run; the repository's build (built first when stale) unless given. */
  readonly jar?: string;
  /** Resume from this savepoint; `allowNonRestoredState` lets state without an operator be dropped. */
  readonly savepoint?: string;
  readonly allowNonRestoredState?: boolean;
  /** The JVM's output goes here (the job's log). */
  readonly logFile: string;
  readonly log?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface LocalFlink extends RunningService {
  /** The MiniCluster's REST API (Flink's own job overview). */
  readonly restUrl: string;
  readonly jar: string;
  /** RUNNING, FAILED, … as Flink reports the job; "unreachable" when the JVM does not answer. */
  jobState(): Promise<string>;
  /** False once the JVM has exited (a failed job ends it: locally Flink does not restart). */
  alive(): boolean;
  /** Takes a savepoint into `dir` and returns its location; `stop` also ends the job (and the JVM). */
  savepoint(dir: string, stop: boolean): Promise<string>;
}

export class SavepointError extends Error {
  readonly code = "SAVEPOINT_FAILED";
}

interface JobsOverview {
  readonly jobs: readonly { readonly jid: string; readonly name: string; readonly state: string }[];
}

async function overview(restUrl: string): Promise<JobsOverview["jobs"][number] | undefined | null> {
  try {
    const res = await fetch(`${restUrl}/jobs/overview`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return null;
    return ((await res.json()) as JobsOverview).jobs[0];
  } catch {
    return null;
  }
}

async function jobState(restUrl: string): Promise<string> {
  const job = await overview(restUrl);
  return job === null ? "unreachable" : (job?.state ?? "SUBMITTING");
}

/** The job counts as started once every task runs: a RUNNING job can still be deploying its tasks. */
async function tasksRunning(restUrl: string): Promise<boolean> {
  const job = await overview(restUrl);
  if (job === null || job === undefined || job.state !== "RUNNING") return false;
  const res = await fetch(`${restUrl}/jobs/${job.jid}`, { signal: AbortSignal.timeout(2_000) });
  const detail = (await res.json()) as { vertices?: { status: string }[] };
  return (detail.vertices ?? []).length > 0 && (detail.vertices ?? []).every((v) => v.status === "RUNNING");
}

export function logTail(file: string): string {
  try {
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => !/^\s+at /.test(l));
    return `last lines of ${file}:\n${lines.slice(-25).join("\n")}`;
  } catch {
    return `(no log at ${file})`;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function restJson(url: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    signal: AbortSignal.timeout(10_000),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new SavepointError(`Flink answered ${res.status} to ${url}: ${JSON.stringify(json)}`);
  return json;
}

export async function takeSavepoint(
  restUrl: string,
  dir: string,
  stop: boolean,
  /** How long a stopped job's files may take to appear once the JVM no longer answers. */
  filesWaitMs = 5_000,
): Promise<string> {
  const job = await overview(restUrl);
  if (job === null || job === undefined || job.state !== "RUNNING")
    throw new SavepointError(`no running job to take a savepoint of (job ${job?.state ?? "unreachable"})`);
  const trigger = await restJson(
    `${restUrl}/jobs/${job.jid}/${stop ? "stop" : "savepoints"}`,
    stop ? { targetDirectory: dir, drain: false } : { "target-directory": dir, "cancel-job": false },
  );
  const requestId = String(trigger["request-id"]);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    let status: Record<string, unknown>;
    try {
      status = await restJson(`${restUrl}/jobs/${job.jid}/savepoints/${requestId}`);
    } catch (e) {
      // A stopped job ends the MiniCluster (its REST API, then its JVM), sometimes before the status poll
      // sees COMPLETED on a loaded machine: the savepoint's own directory then says whether it completed.
      if (!stop) throw e;
      const written = await completedSavepointIn(dir, filesWaitMs);
      if (written !== undefined) return written;
      if (e instanceof SavepointError) throw e;
      throw new SavepointError(`Flink stopped answering before the savepoint completed (${String(e)})`);
    }
    if ((status["status"] as { id?: string } | undefined)?.id === "COMPLETED") {
      const operation = (status["operation"] ?? {}) as { location?: string; "failure-cause"?: unknown };
      if (operation.location !== undefined) return operation.location;
      throw new SavepointError(`the savepoint failed: ${JSON.stringify(operation["failure-cause"])}`);
    }
    await sleep(200);
  }
  throw new SavepointError("the savepoint did not complete within 120 s");
}

/**
 * The savepoint Flink finished in `dir` (its `_metadata` is written last), as Flink names its location;
 * waits up to `waitMs` for it. `dir` holds one savepoint: the endpoint gives each snapshot its own.
 */
async function completedSavepointIn(dir: string, waitMs: number): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const done = readdirSync(dir, { withFileTypes: true }).find(
      (e) =>
        e.isDirectory() && e.name.startsWith("savepoint-") && existsSync(path.join(dir, e.name, "_metadata")),
    );
    if (done !== undefined) return `file:${path.resolve(dir, done.name)}`;
    if (Date.now() >= deadline) return undefined;
    await sleep(200);
  }
}

export const NO_FLINK_HINT = "`npm start -- --no-flink` runs everything else without Java";

export async function startLocalFlink(options: LocalFlinkOptions): Promise<LocalFlink> {
  const log = options.log ?? (() => {});
  const jar = options.jar ?? FLINK_JAR;
  if (options.jar === undefined) {
    try {
      await buildFlinkArtifact({ onProgress: log });
    } catch (e) {
      if (e instanceof FlinkBuildError) throw new FlinkBuildError(`${e.message}\n(${NO_FLINK_HINT})`);
      throw e;
    }
  }
  const java = javaExecutable();
  const probe = spawnSync(java, ["-version"], { stdio: "ignore", timeout: 30_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new ServiceStartError(
      `Java is needed for the Flink SQL app and \`${java}\` does not run (${probe.error?.message ?? `exit ${probe.status}`}); install Java 17 or fix JAVA_HOME (${NO_FLINK_HINT})`,
    );
  }
  mkdirSync(path.dirname(path.resolve(options.logFile)), { recursive: true });
  const restPort = await freePort();
  const restUrl = `http://${LOOPBACK}:${restPort}`;
  const args = javaArgs(
    {
      ...options.settings,
      restPort: String(restPort),
      ...(options.savepoint !== undefined
        ? {
            savepointPath: options.savepoint,
            allowNonRestoredState: String(options.allowNonRestoredState === true),
          }
        : {}),
    },
    768,
    // The connector's shaded AWS SDKs speak CBOR by default, which kinesalite cannot read: v1 (the source)
    // under its relocated property name, v2 (the sink) under its own.
    ["-Dorg.apache.flink.kinesis.shaded.com.amazonaws.sdk.disableCbor=true", "-Daws.cborEnabled=false"],
    jar,
  );
  let service: RunningService;
  try {
    service = await startChildService({
      name: "flink",
      endpoint: restUrl,
      command: java,
      args,
      env: {
        FLIGHTPULSE_WATCHDOG_LOG: path.resolve(options.logFile),
        AWS_CBOR_DISABLE: "true",
        AWS_CBOR_ENABLED: "false",
      },
      ready: () => tasksRunning(restUrl),
      startTimeoutMs: options.startTimeoutMs ?? 90_000,
    });
  } catch (e) {
    // The JVM writes to its log file, so the start error alone would not say why.
    if (e instanceof ServiceStartError)
      throw new ServiceStartError(`${e.message}\n${logTail(options.logFile)}`);
    throw e;
  }
  return {
    ...service,
    restUrl,
    jar,
    jobState: () => jobState(restUrl),
    alive: () => isAlive(service.pid),
    savepoint: (dir, stop) => takeSavepoint(restUrl, dir, stop),
  };
}
