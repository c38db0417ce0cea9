// Runs the insights jar outside Managed Flink: a JVM whose main() starts a Flink MiniCluster in-process.
// Two uses: file mode (a bounded run over a JSON-lines file, for the tests and the benchmark) and stream
// mode (the local stack of `npm start`, through local/flink). Settings are the job's own (JobSettings.java),
// passed as `--name value`.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { FLINK_JAR, FLINK_MAIN_CLASS, LOCAL_LOG_CONFIG, localClasspath } from "./artifact";

export type JobSettings = Readonly<Record<string, string>>;

export class FlinkJobError extends Error {
  readonly code = "FLINK_JOB_FAILED";
}

/**
 * Flink's own JVM options for Java 17 (its config.yaml's env.java.opts.all): Kryo reaches into JDK
 * collections when it snapshots state, e.g. the Kinesis source's shard list; without these a savepoint
 * fails with InaccessibleObjectException ("java.base does not open java.util").
 */
const JAVA_17_OPENS = [
  "java.base/java.util",
  "java.base/java.util.concurrent",
  "java.base/java.util.concurrent.atomic",
  "java.base/java.lang",
  "java.base/java.lang.reflect",
  "java.base/java.io",
  "java.base/java.net",
  "java.base/java.nio",
  "java.base/sun.nio.ch",
  "java.base/java.text",
  "java.base/java.time",
].map((p) => `--add-opens=${p}=ALL-UNNAMED`);

/** The `java` command line (without the executable) that runs the job with these settings. */
export function javaArgs(
  settings: JobSettings,
  heapMb = 768,
  jvmOptions: readonly string[] = [],
  jar = FLINK_JAR,
): string[] {
  return [
    `-Xmx${heapMb}m`,
    ...JAVA_17_OPENS,
    ...jvmOptions,
    `-Dlog4j.configurationFile=${LOCAL_LOG_CONFIG}`,
    "-cp",
    localClasspath(jar),
    FLINK_MAIN_CLASS,
    ...Object.entries(settings).flatMap(([k, v]) => [`--${k}`, v]),
  ];
}

export const javaExecutable = (): string =>
  process.env["JAVA_HOME"] ? path.join(process.env["JAVA_HOME"], "bin", "java") : "java";

export interface FileJobOptions {
  readonly sourceFile: string;
  readonly sinkDir: string;
  readonly allowedLatenessSeconds: number;
  readonly heapMb?: number;
  /** Extra JVM options (the benchmark's flight recording). */
  readonly jvmOptions?: readonly string[];
}

/**
 * Runs the job over a file to its end; resolves with the JVM's wall time and the job's own net run time
 * (without JVM start-up and planning), or fails with the JVM's last words.
 */
export function runFileJob(options: FileJobOptions): Promise<{ ms: number; jobMs: number }> {
  const started = Date.now();
  const args = javaArgs(
    {
      sourceFile: options.sourceFile,
      sinkDir: options.sinkDir,
      allowedLatenessSeconds: String(options.allowedLatenessSeconds),
    },
    options.heapMb,
    options.jvmOptions,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(javaExecutable(), args, { stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-8000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", (e) => reject(new FlinkJobError(`java could not be started: ${e.message}`)));
    child.once("exit", (code, signal) => {
      const net = /\{"jobNetRuntimeMs":(\d+)\}/.exec(tail);
      if (code === 0 && net !== null) resolve({ ms: Date.now() - started, jobMs: Number(net[1]) });
      else
        reject(new FlinkJobError(`the Flink job exited with ${signal ?? `code ${code}`}:\n${tail.trim()}`));
    });
  });
}

/** Every JSON line a file-mode run wrote for one sink table (its folder holds one part file per writer). */
export function readSinkLines(sinkDir: string, table: string): string[] {
  const dir = path.join(sinkDir, table);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => !f.startsWith("."));
  } catch {
    return [];
  }
  return files.flatMap((f) =>
    readFileSync(path.join(dir, f), "utf8")
      .split("\n")
      .filter((l) => l.length > 0),
  );
}
