// Decoder cost: decodeRecord (UTF-8 check, JSON.parse, prototype-pollution guard, schema validation,
// calendar and time checks) over simulator traffic, against a bare JSON.parse of the same bytes measured
// in the same run as the baseline. The ratio says what validation costs on top of parsing.
import { decodeRecord, encodeEvent } from "../analytics/events";
import { TrafficSimulator } from "../ingest/simulator/traffic";
import { cpuMicrosPerEvent, measure, microsPerEvent, perSecond, table, writeSection } from "./results";

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
  const rounds = 3;
  const best = async (label: string, fn: () => void) => {
    let winner: Awaited<ReturnType<typeof measure>> | undefined;
    for (let r = 0; r < rounds; r++) {
      const m = await measure(label, records.length, fn);
      if (winner === undefined || m.wallMs < winner.wallMs) winner = m;
    }
    return winner as Awaited<ReturnType<typeof measure>>;
  };
  const baseline = await best("JSON.parse only (baseline)", () => {
    for (const r of records) sink += Object.keys(JSON.parse(r.toString("utf8"))).length;
  });
  let ok = 0;
  const decode = await best("decodeRecord (full validation)", () => {
    ok = 0;
    for (const r of records) if (decodeRecord(r).ok) ok++;
  });
  // Every simulated event is valid: a contract regression shows here before it shows as a fast figure.
  if (ok !== records.length) throw new Error(`only ${ok} of ${records.length} events decoded`);
  const body = [
    `${records.length.toLocaleString("en-US")} simulator events, ${(bytes / records.length).toFixed(0)} bytes each on average; best of ${rounds} rounds.`,
    "",
    table([baseline, decode]),
    "",
    `Validation costs ${(microsPerEvent(decode) - microsPerEvent(baseline)).toFixed(2)} µs/event on top of parsing: decodeRecord runs at ${(perSecond(decode) / perSecond(baseline)).toFixed(2)}× the speed of a bare JSON.parse (${Math.round(perSecond(decode)).toLocaleString("en-US")} events/s, ${cpuMicrosPerEvent(decode).toFixed(2)} CPU µs/event).`,
  ].join("\n");
  console.log(body);
  writeSection("decoder", "Event decoder", "npm run bench decoder", body);
  if (sink === -1) console.log(sink);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
