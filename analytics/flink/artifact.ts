// The Flink application's one artifact: the runner jar built from analytics/flink/runner (Maven) with the
// SQL of sql/flink bundled in it, plus the classpath of the Flink runtime it needs outside Managed Flink.
// Knows where they are, whether they are current (a digest of every build input), and how to build them.
// Pulumi uploads this jar, `npm start` runs it, the tests and the benchmark run it.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { digestFiles, filesUnder, runMaven } from "./maven";

const REPO = path.join(__dirname, "..", "..");
export const RUNNER_DIR = path.join(REPO, "analytics", "flink", "runner");
export const FLINK_SQL_DIR = path.join(REPO, "sql", "flink");
const TARGET = path.join(RUNNER_DIR, "target");
export const FLINK_JAR = path.join(TARGET, "flightpulse-flink-insights.jar");
/** The Flink runtime (flink-table, planner, clients, logging) for running the jar outside Managed Flink. */
export const FLINK_CLASSPATH_FILE = path.join(TARGET, "flink-classpath.txt");
const INPUTS_DIGEST_FILE = path.join(TARGET, "inputs.sha256");
export const LOCAL_LOG_CONFIG = path.join(RUNNER_DIR, "log4j2-local.properties");
/** The job's main class (also the jar's manifest entry point). */
export const FLINK_MAIN_CLASS = "com.flightpulse.flink.InsightsJob";

export class FlinkBuildError extends Error {
  readonly code = "FLINK_BUILD_FAILED";
}

/** Every file the jar is built from: the POM, the Java sources, the SQL. */
export function buildInputs(): string[] {
  return [
    path.join(RUNNER_DIR, "pom.xml"),
    ...filesUnder(path.join(RUNNER_DIR, "src")),
    ...filesUnder(FLINK_SQL_DIR).filter((f) => f.endsWith(".sql")),
  ];
}

export function inputsDigest(): string {
  return digestFiles(REPO, buildInputs());
}

/** True when the jar and its classpath exist and were built from the inputs with this digest. */
export function artifactIsCurrent(digest = inputsDigest()): boolean {
  if (!existsSync(FLINK_JAR) || !existsSync(FLINK_CLASSPATH_FILE) || !existsSync(INPUTS_DIGEST_FILE))
    return false;
  return readFileSync(INPUTS_DIGEST_FILE, "utf8").trim() === digest;
}

/** SHA-256 of the built jar: the content address of its S3 key. */
export function jarDigest(jar = FLINK_JAR): string {
  return createHash("sha256").update(readFileSync(jar)).digest("hex");
}

/** S3 key of a jar: the same bytes always land under the same key (Pulumi uploads it there). */
export const flinkCodeKey = (jarSha256: string): string =>
  `flink/flightpulse-flink-insights-${jarSha256}.jar`;

/** The java classpath that runs the jar locally: the jar first, then the Flink runtime. */
export function localClasspath(jar = FLINK_JAR): string {
  const runtime = readFileSync(FLINK_CLASSPATH_FILE, "utf8").trim();
  return [jar, runtime].filter((p) => p.length > 0).join(path.delimiter);
}

export interface BuildOptions {
  /** Progress lines (Maven's own output is kept for the error message). */
  readonly onProgress?: (line: string) => void;
  /** Build even when current. */
  readonly force?: boolean;
}

/**
 * Builds the jar with Maven unless it is current. The first build on a machine downloads Flink and the
 * connector into ~/.m2 (~220 MB, under 20 s here); later builds take seconds, and current ones nothing.
 */
export async function buildFlinkArtifact(
  options: BuildOptions = {},
): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  const digest = inputsDigest();
  if (!options.force && artifactIsCurrent(digest)) return { built: false, ms: 0 };
  const progress = options.onProgress ?? (() => {});
  const coldCache = !existsSync(
    path.join(process.env["HOME"] ?? "/root", ".m2", "repository", "org", "apache", "flink"),
  );
  progress(
    coldCache
      ? "building the Flink insights jar (first build: Maven downloads Flink 1.19 and the Kinesis connector, ~1 min)"
      : "building the Flink insights jar (Maven)",
  );
  await runMaven({
    cwd: RUNNER_DIR,
    args: [
      "-B",
      "--no-transfer-progress",
      "package",
      "dependency:build-classpath",
      "-Dmdep.includeScope=provided",
      `-Dmdep.outputFile=${FLINK_CLASSPATH_FILE}`,
    ],
    progress,
    what: "the Flink jar",
    error: (message) => new FlinkBuildError(message),
  });
  if (!existsSync(FLINK_JAR)) throw new FlinkBuildError(`Maven finished but ${FLINK_JAR} is missing`);
  writeFileSync(INPUTS_DIGEST_FILE, `${digest}\n`);
  const ms = Date.now() - started;
  progress(`Flink insights jar built in ${(ms / 1000).toFixed(1)} s: ${path.relative(REPO, FLINK_JAR)}`);
  return { built: true, ms };
}
