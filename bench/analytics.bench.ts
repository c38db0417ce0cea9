// Analytics throughput: decode + panes + sliding windows + rules over a day of simulated traffic (1M events,
// 4 shards, out of order) on one core, against DuckDB (one thread) computing the same panes from the same
// events in memory, measured in the same run. Two DuckDB figures: from the raw JSON (decode + aggregate,
// like for like: the reference for the ratio) and from pre-typed columns (aggregation alone, for scale).
// Ours twice: compiled by tsc as the image runs it (the headline) and run from source through tsx as
// `npm start` runs it (bench/compiled.ts says why they differ).
import { demandOptions } from "../analytics/demand/demand-options";
import { decodeRecord } from "../analytics/events";
import { loadRawReference, loadReference, type ReferenceEvent } from "../test/fixtures/demand-reference";
import { dayOfTraffic } from "../test/fixtures/demand-traffic";
import { loadCompiled } from "./compiled";
import * as fromSource from "./demand-delivery";
import { BATCH, interleavedBatches } from "./demand-delivery";
import {
  byWallMs,
  type Measurement,
  measure,
  medianRound,
  microsPerEvent,
  perSecond,
  roundRatios,
  summaryLine,
  table,
  writeSection,
} from "./results";

const N = Number(process.env["BENCH_EVENTS"] ?? 1_000_000);
async function main() {
  const options = demandOptions();
  process.stdout.write(`generating ~${N.toLocaleString("en-US")} events… `);
  const traffic = dayOfTraffic({ events: N, shards: 4, seed: 11 });
  const delivery = interleavedBatches(traffic);
  const shardIds = [...traffic.keys()];
  const total = delivery.reduce((n, b) => n + b.offsets.length - 1, 0);
  console.log(`${total.toLocaleString("en-US")} events in ${delivery.length} batches`);

  const compiled = loadCompiled<typeof fromSource>("bench/demand-delivery.ts");
  let panes = 0;
  let alerts = 0;
  const runOurs = () => {
    ({ panes, alerts } = compiled.runDemandPipeline(delivery, shardIds, options));
  };
  const runSource = () => {
    fromSource.runDemandPipeline(delivery, shardIds, options);
  };

  // The same events for DuckDB: raw JSON text, and decoded rows for the typed table (loading is not timed).
  const raw: { shardId: string; seq: number; json: string }[] = [];
  const typed: ReferenceEvent[] = [];
  for (const [shardId, records] of traffic)
    for (const r of records) {
      raw.push({ shardId, seq: r.seq, json: Buffer.from(r.data).toString("utf8") });
      const d = decodeRecord(r.data);
      if (d.ok) typed.push({ shardId, seq: r.seq, eventTimeMs: d.eventTimeMs, event: d.event });
    }
  const fromRaw = await loadRawReference(raw, options.currency, 1);
  const fromTyped = await loadReference(typed, options.currency, 1);
  // DuckDB holds its own copies now; a million live JS objects would only slow every GC in our run.
  raw.length = 0;
  typed.length = 0;
  traffic.clear();

  // Interleaved rounds after a warm-up (JIT, DuckDB's caches): each round times the three runs back to
  // back, so a noisy neighbour slows a round's runs alike and the per-round ratio holds still.
  let duckPanes = 0;
  const { digest, outputs } = compiled.outputDigest(delivery, shardIds, options);
  console.log(`outputs: ${outputs.toLocaleString("en-US")} panes, windows and alerts, sha256 ${digest}`);
  const sourceDigest = fromSource.outputDigest(delivery, shardIds, options).digest;
  if (sourceDigest !== digest)
    throw new Error(`outputs differ: compiled ${digest}, from source ${sourceDigest}`);
  runOurs();
  runSource();
  duckPanes = (await fromRaw.panes(options)).length;
  if (panes !== duckPanes) throw new Error(`pane counts differ: ours ${panes}, DuckDB ${duckPanes}`);
  const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5);
  const runs = {
    duckRaw: [] as Measurement[],
    duckTyped: [] as Measurement[],
    ours: [] as Measurement[],
    source: [] as Measurement[],
  };
  for (let r = 1; r <= rounds; r++) {
    runs.duckRaw.push(
      await measure("DuckDB, 1 thread: parse JSON + panes (reference)", total, async () => {
        duckPanes = (await fromRaw.panes(options)).length;
      }),
    );
    runs.ours.push(
      await measure(
        "flightpulse: decode + panes + sliding + rules (tsc, as the image runs it)",
        total,
        runOurs,
      ),
    );
    runs.source.push(
      await measure("flightpulse, the same from source through tsx (as npm start runs it)", total, runSource),
    );
    runs.duckTyped.push(
      await measure("DuckDB, 1 thread: panes over typed columns", total, async () => {
        await fromTyped.panes(options);
      }),
    );
    const ratio = (runs.duckRaw.at(-1) as Measurement).wallMs / (runs.ours.at(-1) as Measurement).wallMs;
    const underTsx = (runs.duckRaw.at(-1) as Measurement).wallMs / (runs.source.at(-1) as Measurement).wallMs;
    console.log(`round ${r}: ${ratio.toFixed(2)}× DuckDB (through tsx ${underTsx.toFixed(2)}×)`);
  }
  fromRaw.close();
  fromTyped.close();
  if (panes !== duckPanes) throw new Error(`pane counts differ: ours ${panes}, DuckDB ${duckPanes}`);

  const medianRun = (ms: Measurement[]) => medianRound(ms, byWallMs);
  const ours = medianRun(runs.ours);
  const ratio = roundRatios(
    runs.duckRaw.map((m) => m.wallMs),
    runs.ours.map((m) => m.wallMs),
  );
  const tsxRatio = roundRatios(
    runs.duckRaw.map((m) => m.wallMs),
    runs.source.map((m) => m.wallMs),
  );
  const body = [
    `${total.toLocaleString("en-US")} events (a simulated day, 54 routes, 4 shards, delivered out of order in batches of ${BATCH}); ${panes.toLocaleString("en-US")} panes, ${alerts} alerts; ${rounds} interleaved rounds after a warm-up, one core; the table shows each run's median round.`,
    "",
    table([medianRun(runs.duckRaw), medianRun(runs.duckTyped), ours, medianRun(runs.source)]),
    "",
    `Per-round ratio to DuckDB from the same raw JSON: ${ratio.ratios.map((x) => `${x.toFixed(2)}×`).join(", ")}; from source through tsx: ${tsxRatio.ratios.map((x) => `${x.toFixed(2)}×`).join(", ")} (median ${tsxRatio.median.toFixed(2)}×).`,
    "",
    `Outputs: ${outputs.toLocaleString("en-US")} panes, windows and alerts; SHA-256 over them in emission order \`${digest}\` (an optimisation that changes it changed an output).`,
    "",
    `flightpulse: ${Math.round(perSecond(ours)).toLocaleString("en-US")} events/s, ${microsPerEvent(ours).toFixed(2)} µs/event.`,
    "",
    summaryLine("analytics", "DuckDB", ratio, rounds, perSecond(ours)),
  ].join("\n");
  console.log(body);
  writeSection("analytics", "Analytics (decode + panes + sliding + rules)", "npm run bench analytics", body);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
