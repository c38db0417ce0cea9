// Whether a new build of the Flink app can take over the running version's state, decided before
// anything is stopped. Flink restores state by operator ID; the SQL planner sets no uids, so an ID is
// Flink's hash of the operator's place in the job graph, and the same ID can hold state that no longer
// means the same (a 5-minute window's state restores into a 10-minute window without a word). So the
// rule is: every operator that can hold state (keyed operators, sources, sinks) keeps its ID, and every
// keyed one keeps its definition as the planner prints it. Filters, projections and formats may change;
// a window's size, a grouping or an aggregate may not without a state reset. docs/flink.md explains.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { FLINK_JAR, jarDigest } from "./artifact";
import { FlinkJobError, javaArgs, javaExecutable } from "./local-job";

export interface PlanOperator {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly stateful: boolean;
}

export interface JobPlan {
  readonly operators: readonly PlanOperator[];
}

/** Runs the jar's planner (no job, no AWS calls) and returns its operators; cached beside the jar. */
export async function describeJobPlan(jar = FLINK_JAR, digest = jarDigest(jar)): Promise<JobPlan> {
  const cache = `${jar}.plan.json`;
  if (existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, "utf8")) as { jarSha256: string; plan: JobPlan };
    if (cached.jarSha256 === digest) return cached.plan;
  }
  // Placeholder settings: planning reads the SQL and the connector options but contacts nothing.
  const args = javaArgs(
    {
      region: "us-east-1",
      sourceStream: "plan",
      sinkStream: "plan",
      endpoint: "http://127.0.0.1:9",
      planOnly: "true",
    },
    512,
    [],
    jar,
  );
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(javaExecutable(), args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err = (err + c.toString()).slice(-6000);
    });
    child.once("error", (e) => reject(new FlinkJobError(`java could not be started: ${e.message}`)));
    child.once("exit", (code) =>
      code === 0
        ? resolve(out)
        : reject(
            new FlinkJobError(
              `the new build's SQL does not plan (exit ${code}):\n${err
                .split("\n")
                .filter((l) => !/^\s+at /.test(l))
                .join("\n")
                .trim()}`,
            ),
          ),
    );
  });
  const line = output.split("\n").find((l) => l.startsWith('{"operators"'));
  if (line === undefined) throw new FlinkJobError(`the planner printed no plan:\n${output.slice(-2000)}`);
  const plan = JSON.parse(line) as JobPlan;
  writeFileSync(cache, JSON.stringify({ jarSha256: digest, plan }));
  return plan;
}

/** A definition without the planner's transformation numbers, which shift when other queries change. */
const normalized = (description: string | null): string =>
  (description ?? "").replace(/^\[\d+\]:/, "").replace(/\[\d+\]/g, "");

const definitionDigest = (o: PlanOperator) =>
  createHash("sha256").update(normalized(o.description)).digest("hex").slice(0, 8);

const keyed = (o: PlanOperator) => o.stateful && !/^Source: |: Writer$|: Committer$/.test(o.name);

/**
 * The state layout as one compact string, kept in the application's properties: `id` for sources and
 * sinks (their state is stream positions and buffered records), `id:definition` for keyed operators.
 */
export function stateSignature(plan: JobPlan): string {
  return plan.operators
    .filter((o) => o.stateful)
    .map((o) => (keyed(o) ? `${o.id}:${definitionDigest(o)}` : o.id))
    .sort()
    .join(",");
}

export interface StateComparison {
  readonly compatible: boolean;
  /** Operators that held state in the running version and have no counterpart in the new one. */
  readonly missing: readonly string[];
  /** Same identity, different definition: their state would restore into something else. */
  readonly changed: readonly PlanOperator[];
  /** New operators that can hold state: they start empty (their first windows see part of the data). */
  readonly added: readonly PlanOperator[];
}

export function compareState(runningSignature: string, next: JobPlan): StateComparison {
  const running = new Map(
    runningSignature
      .split(",")
      .filter((e) => e.length > 0)
      .map((e) => {
        const [id, definition] = e.split(":");
        return [id as string, definition] as const;
      }),
  );
  const byId = new Map(next.operators.map((o) => [o.id, o]));
  const missing = [...running.keys()].filter((id) => !byId.has(id));
  const changed = next.operators.filter((o) => {
    const definition = running.get(o.id);
    return definition !== undefined && keyed(o) && definition !== definitionDigest(o);
  });
  const added = next.operators.filter((o) => o.stateful && !running.has(o.id));
  return { compatible: missing.length === 0 && changed.length === 0, missing, changed, added };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest window any query of the plan keeps open (its TUMBLE/HOP sizes), in ms. */
export function longestWindowMs(plan: JobPlan): number {
  let longest = 0;
  for (const o of plan.operators)
    for (const m of (o.description ?? "").matchAll(/size=\[(\d+) (ms|s|min|h|d)\]/g))
      longest = Math.max(longest, Number(m[1]) * (UNIT_MS[m[2] as string] as number));
  return longest;
}
