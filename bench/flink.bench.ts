// The Flink SQL app's throughput: the runner jar on a local MiniCluster (file source, one slot) over the
// same ~1M events as the analytics benchmark, side by side in one run with DuckDB (one thread) computing the
// same insights from the same raw JSON (sql/reference/flink-*.sql, the baseline of the ratio) and with the
// workers' RxJS demand pipeline over the same events. Five interleaved rounds after a warm-up; median and
// range. Flink and DuckDB must produce the very same rows, or the benchmark fails.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { demandOptions } from "../analytics/demand/demand-options";
import { buildFlinkArtifact } from "../analytics/flink/artifact";
import { readSinkLines, runFileJob } from "../analytics/flink/local-job";
import { dayOfTraffic } from "../test/fixtures/demand-traffic";
import { decodeJobOutput, differences, referenceInsights } from "../test/fixtures/flink-reference";
import { interleavedBatches, recordsOf, runDemandPipeline } from "./demand-delivery";
import { median, roundRatios, summaryLine, writeSection } from "./results";

const N = Number(process.env["BENCH_EVENTS"] ?? 1_000_000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const LATENESS_S = 30;
const SINKS = ["airport_demand_insights", "top_route_insights", "channel_conversion_insights"];

const fmt = (n: number, d = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** One run under Java Flight Recorder: the share of CPU samples per thread and the top frames by self time. */
async function profileRound(input: string, out: string): Promise<string> {
  const jfr = `${out}.jfr`;
  await runFileJob({
    sourceFile: input,
    sinkDir: out,
    allowedLatenessSeconds: LATENESS_S,
    heapMb: 1024,
    jvmOptions: [`-XX:StartFlightRecording=filename=${jfr},settings=profile`],
  });
  const printed = spawnSync("jfr", ["print", "--events", "jdk.ExecutionSample", "--stack-depth", "64", jfr], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (printed.status !== 0) return `(no profile: jfr print failed: ${printed.stderr})`;
  const self = new Map<string, number>();
  const threads = new Map<string, number>();
  let total = 0;
  for (const sample of printed.stdout.split("jdk.ExecutionSample").slice(1)) {
    const frame = /^\s+([\w$.<>]+)\(/m.exec(sample.slice(sample.indexOf("stackTrace")))?.[1];
    const thread = /sampledThread = "([^"(]*)/.exec(sample)?.[1]?.trim() ?? "?";
    if (frame === undefined) continue;
    total++;
    self.set(frame, (self.get(frame) ?? 0) + 1);
    const group =
      thread === "main" ? "main (planning, job submission)" : thread.replace(/\[\d+\]/g, "").slice(0, 70);
    threads.set(group, (threads.get(group) ?? 0) + 1);
  }
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([name, c]) => `| ${name} | ${fmt((c * 100) / total, 1)}% |`);
  return [
    `${fmt(total)} samples.`,
    "",
    "| thread | share |",
    "|---|---:|",
    ...top(threads, 5),
    "",
    "| frame (self) | share |",
    "|---|---:|",
    ...top(self, 10),
  ].join("\n");
}

async function main() {
  await buildFlinkArtifact({ onProgress: (l) => console.log(l) });
  process.stdout.write(`generating ~${fmt(N)} events… `);
  const traffic = dayOfTraffic({ events: N, shards: 4, seed: 11 });
  // One delivery order for every engine: the analytics benchmark's batches of 500 per shard, interleaved.
  const delivery = interleavedBatches(traffic);
  const lines = delivery.flatMap((b) => recordsOf(b).map((r) => Buffer.from(r.data).toString("utf8")));
  console.log(`${fmt(lines.length)} events`);
  const dir = mkdtempSync(path.join(tmpdir(), "flightpulse-bench-flink-"));
  const input = path.join(dir, "events.jsonl");
  writeFileSync(input, `${lines.join("\n")}\n`);

  const options = demandOptions();
  const runRx = () => runDemandPipeline(delivery, traffic.keys(), options);

  const flink = { wall: [] as number[], job: [] as number[] };
  const duck: number[] = [];
  const rx: number[] = [];
  let rows = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const warmUp = round === 0;
    const out = path.join(dir, `out-${round}`);
    const f = await runFileJob({
      sourceFile: input,
      sinkDir: out,
      allowedLatenessSeconds: LATENESS_S,
      heapMb: 1024,
    });
    const d = await referenceInsights(lines, LATENESS_S * 1000);
    const t0 = process.hrtime.bigint();
    runRx();
    const rxMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (warmUp) {
      // Same rows from both engines, once: a change in output shows here before any figure is kept.
      const actual = decodeJobOutput(SINKS.flatMap((t) => readSinkLines(out, t)));
      const diff = differences(actual, d.rows);
      if (diff.extra + diff.missing > 0) throw new Error(`Flink and DuckDB differ: ${JSON.stringify(diff)}`);
      rows = actual.length;
      console.log(`warm-up: Flink and DuckDB agree on all ${fmt(rows)} insight rows`);
    } else {
      flink.wall.push(f.ms);
      flink.job.push(f.jobMs);
      duck.push(d.ms);
      rx.push(rxMs);
      console.log(
        `round ${round}: Flink ${fmt(f.jobMs)} ms (JVM ${fmt(f.ms)} ms), DuckDB ${fmt(d.ms)} ms, RxJS ${fmt(rxMs)} ms`,
      );
    }
    rmSync(out, { recursive: true, force: true });
  }
  const profile = await profileRound(input, path.join(dir, "profile"));
  rmSync(dir, { recursive: true, force: true });

  const n = lines.length;
  const row = (label: string, ms: readonly number[], baseline: readonly number[]) => {
    const r = roundRatios(baseline, ms);
    return `| ${label} | ${fmt(median(ms))} | ${fmt((n / median(ms)) * 1000)} | ${fmt((median(ms) * 1000) / n, 2)} | ${fmt(r.median, 2)}× (${fmt(r.min, 2)}–${fmt(r.max, 2)}) |`;
  };
  const body = [
    `${fmt(n)} events (the analytics benchmark's simulated day, 4 shards interleaved in batches of 500, as one file); ${fmt(rows)} insight rows, identical from Flink and DuckDB; ${ROUNDS} interleaved rounds after a warm-up, medians with the range of the per-round ratio.`,
    "",
    "| run | median ms | events/s | µs/event | vs DuckDB (median, min–max) |",
    "|---|---:|---:|---:|---:|",
    row("DuckDB 1 thread: parse JSON + the three insights (baseline)", duck, duck),
    row("Flink 1.19 MiniCluster, one slot: the job (net run time)", flink.job, duck),
    row("Flink 1.19 MiniCluster, one slot: the JVM start to exit", flink.wall, duck),
    row("flightpulse RxJS: decode + route panes + sliding + rules (other figures, same events)", rx, duck),
    "",
    "Where the Flink job's time goes: one more run under Java Flight Recorder (`jdk.ExecutionSample`), share of samples:",
    "",
    profile,
    "",
    summaryLine("flink", "DuckDB", roundRatios(duck, flink.job), ROUNDS, (n / median(flink.job)) * 1000),
  ].join("\n");
  console.log(body);
  writeSection(
    "flink",
    "Flink SQL app (MiniCluster) vs DuckDB vs the RxJS pipeline",
    "npm run bench flink",
    body,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
