// Analytics throughput: decode + panes + sliding windows + rules over a day of simulated traffic (1M events,
// 4 shards, out of order) on one core, against DuckDB (one thread) computing the same panes from the same
// events in memory, measured in the same run. Two DuckDB figures: from the raw JSON (decode + aggregate,
// like for like: the reference for the ratio) and from pre-typed columns (aggregation alone, for scale).
import { demandOptions } from "../analytics/demand/demand-options";
import { decodeRecord } from "../analytics/events";
import { loadRawReference, loadReference, type ReferenceEvent } from "../test/fixtures/demand-reference";
import { dayOfTraffic } from "../test/fixtures/demand-traffic";
import { BATCH, interleavedBatches, runDemandPipeline } from "./demand-delivery";
import { type Measurement, measure, microsPerEvent, perSecond, table, writeSection } from "./results";

const N = Number(process.env["BENCH_EVENTS"] ?? 1_000_000);
async function main() {
  const options = demandOptions();
  process.stdout.write(`generating ~${N.toLocaleString("en-US")} events… `);
  const traffic = dayOfTraffic({ events: N, shards: 4, seed: 11 });
  const delivery = interleavedBatches(traffic);
  const total = delivery.reduce((n, b) => n + b.records.length, 0);
  console.log(`${total.toLocaleString("en-US")} events in ${delivery.length} batches`);

  let panes = 0;
  let alerts = 0;
  const runOurs = () => {
    ({ panes, alerts } = runDemandPipeline(delivery, traffic.keys(), options));
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

  runOurs(); // warm-up: JIT
  const rounds = 3;
  const best = async (label: string, fn: () => unknown) => {
    let winner: Measurement | undefined;
    for (let r = 0; r < rounds; r++) {
      const m = await measure(label, total, fn);
      if (winner === undefined || m.wallMs < winner.wallMs) winner = m;
    }
    return winner as Measurement;
  };
  let duckPanes = 0;
  const duckRaw = await best("DuckDB, 1 thread: parse JSON + panes (reference)", async () => {
    duckPanes = (await fromRaw.panes(options)).length;
  });
  const duckTyped = await best("DuckDB, 1 thread: panes over typed columns", async () => {
    await fromTyped.panes(options);
  });
  const ours = await best("flightpulse: decode + panes + sliding + rules", runOurs);
  fromRaw.close();
  fromTyped.close();
  if (panes !== duckPanes) throw new Error(`pane counts differ: ours ${panes}, DuckDB ${duckPanes}`);

  const ratio = perSecond(ours) / perSecond(duckRaw);
  const body = [
    `${total.toLocaleString("en-US")} events (a simulated day, 54 routes, 4 shards, delivered out of order in batches of ${BATCH}); ${panes.toLocaleString("en-US")} panes, ${alerts} alerts; best of ${rounds} rounds, one core.`,
    "",
    table([duckRaw, duckTyped, ours]),
    "",
    `flightpulse: ${Math.round(perSecond(ours)).toLocaleString("en-US")} events/s, ${microsPerEvent(ours).toFixed(2)} µs/event (goal ≥ 300,000 events/s), ${ratio.toFixed(2)}× DuckDB from the same raw JSON (goal ≥ 0.5×).`,
  ].join("\n");
  console.log(body);
  writeSection("analytics", "Analytics (decode + panes + sliding + rules)", "npm run bench analytics", body);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
