// The real Java KCL for the interop tests and the consumer benchmark: builds test/interop/kcl-app once
// per KCL version (Maven, skipped when current) and starts it as a worker process on the local emulators.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { digestFiles, filesUnder, runMaven } from "../../analytics/flink/maven";
import { type RecordingWorkerOptions, startWorkerProcess, type WorkerProcess } from "./worker-process";

const APP_DIR = path.join(__dirname, "kcl-app");
const REPO = path.join(__dirname, "..", "..");

/** The KCL versions we test against: the newest 2.x (the lease format we claim) and the newest 3.x. */
export const KCL_VERSIONS = {
  "2.7.2": { profile: "kcl2", modes: ["2x"] },
  "3.5.1": { profile: "kcl3", modes: ["2x", "3x"] },
} as const;
export type KclVersion = keyof typeof KCL_VERSIONS;
/** 2x: the KCL 2.x lease taker (KCL 3 in its mode for fleets with 2.x workers); 3x: KCL 3's own assignment. */
export type KclMode = "2x" | "3x";

export class KclAppError extends Error {
  readonly code = "KCL_APP_FAILED";
}

const target = (v: KclVersion) => path.join(APP_DIR, "target", KCL_VERSIONS[v].profile);
const inputs = () => [path.join(APP_DIR, "pom.xml"), ...filesUnder(path.join(APP_DIR, "src"))];

/** Builds the app for each version unless current; returns how long Maven took (0 when nothing ran). */
export async function buildKclApps(
  versions: readonly KclVersion[] = Object.keys(KCL_VERSIONS) as KclVersion[],
  progress: (line: string) => void = () => {},
): Promise<number> {
  const started = Date.now();
  const digest = digestFiles(REPO, inputs());
  let built = false;
  for (const v of versions) {
    const stamp = path.join(target(v), "inputs.sha256");
    if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === digest) continue;
    progress(`building the KCL ${v} interop app (Maven; the first build downloads the KCL, ~60 MB)`);
    await runMaven({
      cwd: APP_DIR,
      args: ["-B", "--no-transfer-progress", "package", `-P${KCL_VERSIONS[v].profile}`],
      progress,
      what: "the KCL interop app",
      error: (m) => new KclAppError(m),
    });
    writeFileSync(stamp, `${digest}\n`);
    built = true;
  }
  return built ? Date.now() - started : 0;
}

export interface JavaWorkerOptions extends RecordingWorkerOptions {
  readonly version: KclVersion;
  readonly mode?: KclMode;
  readonly application: string;
  /** Lease table (the KCL's default is the application name). */
  readonly table?: string;
  /** slf4j-simple's level for the KCL's log in `log` (default warn). */
  readonly logLevel?: "info" | "warn" | "debug";
}

export async function startJavaWorker(o: JavaWorkerOptions): Promise<WorkerProcess> {
  const dir = target(o.version);
  const jar = path.join(dir, `kcl-interop-${KCL_VERSIONS[o.version].profile}.jar`);
  const classpathFile = path.join(dir, "classpath.txt");
  if (!existsSync(jar) || !existsSync(classpathFile))
    throw new KclAppError(`the KCL ${o.version} app is not built: call buildKclApps() first`);
  const classpath = [jar, readFileSync(classpathFile, "utf8").trim()].join(path.delimiter);
  const args = Object.entries({
    stream: o.stream,
    application: o.application,
    table: o.table ?? o.application,
    kinesis: o.kinesis,
    dynamodb: o.dynamodb,
    worker: o.worker,
    out: o.out,
    mode: o.mode ?? "2x",
    failoverMillis: String(o.failoverMillis),
    maxRecords: String(o.maxRecords ?? 10_000),
    log: o.batchesOnly === true ? "batches" : "records",
  }).map(([k, v]) => `${k}=${v}`);
  return startWorkerProcess({
    worker: o.worker,
    name: `kcl-${o.version}-${o.worker}`,
    command: "java",
    args: [
      "-Xmx256m",
      "-XX:+UseSerialGC",
      // kinesalite answers the SDK's CBOR GetRecords with bodies its parser cuts short ("Unexpected
      // end-of-input in VALUE_STRING"); JSON works on both emulators, as for our own SDK clients.
      "-Daws.cborEnabled=false",
      `-Dorg.slf4j.simpleLogger.defaultLogLevel=${o.logLevel ?? "warn"}`,
      "-Dorg.slf4j.simpleLogger.showDateTime=true",
      "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
      "-cp",
      classpath,
      "dev.flightpulse.interop.RecordingApp",
      ...args,
    ],
    log: o.log,
  });
}
