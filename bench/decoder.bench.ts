// Decoder cost: decodeRecord (the one-pass path for canonical records, the full decoder for the rest) over
// simulator traffic, against a bare JSON.parse of the same bytes (no validation at all) measured in the
// same rounds as the baseline, and the full decoder alone (UTF-8 check, JSON.parse, prototype-pollution
// guard, schema validation, calendar and time checks) for what the one-pass path saves.
import { decodeRecord, encodeEvent } from "../analytics/events";
import { decodeInFull } from "../analytics/events/decoder";
import { TrafficSimulator } from "../ingest/simulator/traffic";
import {
  byWallMs,
  cpuMicrosPerEvent,
  type Measurement,
  measure,
  medianRound,
  perSecond,
  roundRatios,
  summaryLine,
  table,
  writeSection,
} from "./results";

const N = Number(process.env["BENCH_EVENTS"] ?? 300_000);

async function main() {
  const sim = new TrafficSimulator({
    seed: 3,
    startTime: Date.UTC(2026, 10, 22, 12),
    ratePerSecond: 500,
    badRecordShare: 0,
  });
  const records = sim
    .take(N)
    .slice(0, N)
    .map((r) => (r.kind === "event" ? Buffer.from(encodeEvent(r.event)) : Buffer.from(r.data)));
  const bytes = records.reduce((s, r) => s + r.byteLength, 0);
  let sink = 0;
  // Warm both paths so the JIT has compiled them before timing.
  for (let i = 0; i < 50_000; i++) {
    sink += Object.keys(JSON.parse((records[i % records.length] as Buffer).toString("utf8"))).length;
    sink += decodeRecord(records[i % records.length] as Buffer).ok ? 1 : 0;
  }
  const rounds = Number(process.env["BENCH_ROUNDS"] ?? 5);
  const runs = { parse: [] as Measurement[], full: [] as Measurement[], decode: [] as Measurement[] };
  let ok = 0;
  // Interleaved rounds: a noisy neighbour slows one round's three runs alike.
  for (let r = 1; r <= rounds; r++) {
    runs.parse.push(
      await measure("JSON.parse only (baseline)", records.length, () => {
        for (const rec of records) sink += Object.keys(JSON.parse(rec.toString("utf8"))).length;
      }),
    );
    runs.decode.push(
      await measure("decodeRecord (one-pass path, full decoder for the rest)", records.length, () => {
        ok = 0;
        for (const rec of records) if (decodeRecord(rec).ok) ok++;
      }),
    );
    runs.full.push(
      await measure("decodeInFull (UTF-8 check, JSON.parse, schema, semantics)", records.length, () => {
        for (const rec of records) sink += decodeInFull(rec).ok ? 1 : 0;
      }),
    );
    console.log(
      `round ${r}: ${((runs.parse.at(-1) as Measurement).wallMs / (runs.decode.at(-1) as Measurement).wallMs).toFixed(2)}× JSON.parse`,
    );
  }
  // Every simulated event is valid: a contract regression shows here before it shows as a fast figure.
  if (ok !== records.length) throw new Error(`only ${ok} of ${records.length} events decoded`);
  const medianRun = (ms: Measurement[]) => medianRound(ms, byWallMs);
  const decode = medianRun(runs.decode);
  const ratio = roundRatios(
    runs.parse.map((m) => m.wallMs),
    runs.decode.map((m) => m.wallMs),
  );
  const overFull = roundRatios(
    runs.full.map((m) => m.wallMs),
    runs.decode.map((m) => m.wallMs),
  );
  const body = [
    `${records.length.toLocaleString("en-US")} simulator events, ${(bytes / records.length).toFixed(0)} bytes each on average; ${rounds} interleaved rounds after a warm-up; the table shows each run's median round.`,
    "",
    table([medianRun(runs.parse), decode, medianRun(runs.full)]),
    "",
    `decodeRecord, validation included, runs at a median ${ratio.median.toFixed(2)}× the speed of a bare JSON.parse of the same bytes (per round: ${ratio.ratios.map((x) => `${x.toFixed(2)}×`).join(", ")}), and ${overFull.median.toFixed(2)}× the full decoder's (${overFull.min.toFixed(2)}–${overFull.max.toFixed(2)}×): ${Math.round(perSecond(decode)).toLocaleString("en-US")} events/s, ${cpuMicrosPerEvent(decode).toFixed(2)} CPU µs/event.`,
    "",
    summaryLine("decoder", "JSON.parse", ratio, rounds, perSecond(decode)),
  ].join("\n");
  console.log(body);
  writeSection("decoder", "Event decoder", "npm run bench decoder", body);
  if (sink === -1) console.log(sink);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
