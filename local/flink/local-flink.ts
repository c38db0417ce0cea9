// The Flink SQL app in the local stack: the same jar Managed Flink runs, on a MiniCluster in a JVM behind
// the emulators' watchdog (it dies with `npm start`, even on SIGKILL), reading the local booking stream
// and writing demand-insights on the Kinesis emulator. Builds the jar first when it is missing or stale.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { buildFlinkArtifact, FlinkBuildError } from "../../analytics/flink/artifact";
import { javaArgs, javaExecutable } from "../../analytics/flink/local-job";
import { type RunningService, ServiceStartError, startChildService } from "../emulators/child-service";
import { freePort, LOOPBACK } from "../emulators/ports";

export interface LocalFlinkOptions {
  readonly kinesisEndpoint: string;
  readonly region: string;
  readonly bookingStream: string;
  readonly insightsStream: string;
  /** The workers' allowed lateness, so both call the same events late. */
  readonly allowedLatenessSeconds: number;
  /** The JVM's output goes here (the job's log). */
  readonly logFile: string;
  readonly log?: (line: string) => void;
}

export interface LocalFlink extends RunningService {
  /** The MiniCluster's REST API (Flink's own job overview). */
  readonly restUrl: string;
  /** RUNNING, FAILED, … as Flink reports the job; "unreachable" when the JVM does not answer. */
  jobState(): Promise<string>;
}

interface JobsOverview {
  readonly jobs: readonly { readonly name: string; readonly state: string }[];
}

async function jobState(restUrl: string): Promise<string> {
  try {
    const res = await fetch(`${restUrl}/jobs/overview`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return "unreachable";
    const { jobs } = (await res.json()) as JobsOverview;
    return jobs[0]?.state ?? "SUBMITTING";
  } catch {
    return "unreachable";
  }
}

function logTail(file: string): string {
  try {
    const lines = readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => !/^\s+at /.test(l));
    return `last lines of ${file}:\n${lines.slice(-25).join("\n")}`;
  } catch {
    return `(no log at ${file})`;
  }
}

const NO_FLINK_HINT = "`npm start -- --no-flink` runs everything else without Java";

export async function startLocalFlink(options: LocalFlinkOptions): Promise<LocalFlink> {
  const log = options.log ?? (() => {});
  try {
    await buildFlinkArtifact({ onProgress: log });
  } catch (e) {
    if (e instanceof FlinkBuildError) throw new FlinkBuildError(`${e.message}\n(${NO_FLINK_HINT})`);
    throw e;
  }
  const java = javaExecutable();
  const probe = spawnSync(java, ["-version"], { stdio: "ignore", timeout: 30_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new ServiceStartError(
      `Java is needed for the Flink SQL app and \`${java}\` does not run (${probe.error?.message ?? `exit ${probe.status}`}); install Java 17 or fix JAVA_HOME (${NO_FLINK_HINT})`,
    );
  }
  const restPort = await freePort();
  const restUrl = `http://${LOOPBACK}:${restPort}`;
  const args = javaArgs(
    {
      region: options.region,
      sourceStream: options.bookingStream,
      sinkStream: options.insightsStream,
      endpoint: options.kinesisEndpoint,
      initialPosition: "TRIM_HORIZON",
      allowedLatenessSeconds: String(options.allowedLatenessSeconds),
      restPort: String(restPort),
    },
    768,
    // The connector's shaded AWS SDKs speak CBOR by default, which kinesalite cannot read: v1 (the source)
    // under its relocated property name, v2 (the sink) under its own.
    ["-Dorg.apache.flink.kinesis.shaded.com.amazonaws.sdk.disableCbor=true", "-Daws.cborEnabled=false"],
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
      ready: async () => (await jobState(restUrl)) === "RUNNING",
      startTimeoutMs: 90_000,
    });
  } catch (e) {
    // The JVM writes to its log file, so the start error alone would not say why.
    if (e instanceof ServiceStartError)
      throw new ServiceStartError(`${e.message}\n${logTail(options.logFile)}\n(${NO_FLINK_HINT})`);
    throw e;
  }
  return { ...service, restUrl, jobState: () => jobState(restUrl) };
}
