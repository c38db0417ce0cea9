// Maven builds driven from npm: the Flink runner (analytics/flink/runner) and the KCL interop app
// (test/interop/kcl-app). Digests a build's inputs so a current build is skipped, and runs `mvn` with one
// progress line per plugin step and Maven's own output kept for the error message.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

/** Every file under `dir`, sorted, recursively ([] when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    });
}

/** SHA-256 over the files' paths (relative to `root`) and contents. */
export function digestFiles(root: string, files: readonly string[]): string {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(path.relative(root, file));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

export interface MavenRun {
  readonly cwd: string;
  readonly args: readonly string[];
  readonly progress: (line: string) => void;
  /** What the build is for, in error messages ("the Flink jar"). */
  readonly what: string;
  readonly error: (message: string) => Error;
}

export function runMaven(run: MavenRun): Promise<void> {
  const { cwd, args, progress, what, error } = run;
  return new Promise((resolve, reject) => {
    const child = spawn("mvn", [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    let lastPhase = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-6000);
      // One line per Maven plugin step, so a long first build shows it is moving.
      for (const m of text.matchAll(/^\[INFO\] --- ([\w.-]+:[\w.-]+:[\w.-]+)/gm)) {
        const phase = m[1] as string;
        if (phase !== lastPhase) progress(`  maven: ${phase}`);
        lastPhase = phase;
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        error(
          e.code === "ENOENT"
            ? `Maven (mvn) is not on the PATH: ${what} needs Java 17 and Maven 3.8 (Debian: apt-get install maven)`
            : `mvn could not be started: ${e.message}`,
        ),
      ),
    );
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(error(`mvn ${args.join(" ")} failed (exit ${code}) in ${cwd}:\n${tail.trim()}`)),
    );
  });
}
