// What a build of the Flink app is, as `flightpulse flink` records it on the application (property group
// FlightpulseRelease) and compares it: the digest of its inputs, the jar's SHA-256, the git commit, the
// state layout of its plan. `status` reads it back to say whether the running app is what git holds.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { FLINK_JAR, FLINK_SQL_DIR, inputsDigest, jarDigest, RUNNER_DIR } from "./artifact";
import type { NewBuild, Release } from "./control";
import { describeJobPlan, longestWindowMs } from "./job-plan";

const REPO = path.join(__dirname, "..", "..");

function git(args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", [...args], {
      cwd: REPO,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/** The build in this checkout (build it first: buildFlinkArtifact), without its code location. */
export async function localBuild(jar = FLINK_JAR): Promise<Omit<NewBuild, "code">> {
  // The jar is ~66 MB: hashed once, for its content address and the plan cache alike.
  const jarSha256 = jarDigest(jar);
  const plan = await describeJobPlan(jar, jarSha256);
  return {
    plan,
    buildDigest: inputsDigest(),
    jarSha256,
    gitCommit: git(["rev-parse", "HEAD"]),
    longestWindowMs: longestWindowMs(plan),
  };
}

export interface Drift {
  readonly inSync: boolean;
  readonly runningDigest?: string | undefined;
  readonly localDigest: string;
  /** Files of the app (SQL, runner) that differ between the running commit and this checkout. */
  readonly changedFiles: readonly string[];
}

/** Compares the running release with this checkout's build inputs. */
export function driftFrom(running: Partial<Release>): Drift {
  const localDigest = inputsDigest();
  const inSync = running.buildDigest === localDigest;
  const changedFiles =
    inSync || running.gitCommit === undefined
      ? []
      : (git([
          "diff",
          "--name-only",
          running.gitCommit,
          "--",
          path.relative(REPO, FLINK_SQL_DIR),
          path.relative(REPO, RUNNER_DIR),
        ])
          ?.split("\n")
          .filter((l) => l.length > 0) ?? []);
  return { inSync, runningDigest: running.buildDigest, localDigest, changedFiles };
}
