// `flightpulse simulate`: drives the traffic simulator into Kinesis in real time (the default), or writes
// its records as JSON lines to a file for `flightpulse replay` and for tests (--out).
import * as fs from "node:fs";
import { createGzip } from "node:zlib";
import { encodeEvent } from "../../analytics/events";
import type { PutRecordEntry } from "../kinesis-put-port";
import { DEFAULT_SURGE, parseSurge, type SurgeScenario } from "../simulator/scenarios";
import { type SimRecord, TrafficSimulator } from "../simulator/traffic";
import { type CommandIo, parseDuration, parseFlags, parseNumber, UsageError } from "./command-io";
import { producerFor, STREAM_FLAG_OPTIONS, STREAM_FLAGS_HELP } from "./target-stream";

export const SIMULATE_HELP = `Usage: flightpulse simulate [options]

Generates FlyHigh Airways booking traffic: schedules, searches, bookings, cancellations, surges and ~1%
bad records. Deterministic for a seed and start time.

  --rate N                 events per second, on average (default 200)
  --duration D             stop after D (e.g. 90s, 10m; default: until Ctrl-C)
  --seed N                 random seed (default 1)
  --surge SPEC             ROUTE@START+DURATION*MULT in seconds, repeatable (default ${"LHR-DXB@45+180*10"});
                           --no-surge for none
  --bad-share X            share of deliberately bad records, 0-0.5 (default 0.01)
  --start ISO              event time of the first record (default: now)
  --out FILE               write JSON lines (.gz compresses) instead of sending, as fast as possible;
                           needs --count or --duration
  --count N                with --out: number of records
${STREAM_FLAGS_HELP}`;

export interface SimulateSettings {
  readonly rate: number;
  readonly durationMs?: number;
  readonly seed: number;
  readonly scenarios: readonly SurgeScenario[];
  readonly badShare: number;
  readonly start?: number;
  readonly out?: string;
  readonly count?: number;
}

const OPTIONS = {
  rate: { type: "string" },
  duration: { type: "string" },
  seed: { type: "string" },
  surge: { type: "string", multiple: true },
  "no-surge": { type: "boolean" },
  "bad-share": { type: "string" },
  start: { type: "string" },
  out: { type: "string" },
  count: { type: "string" },
  help: { type: "boolean" },
  ...STREAM_FLAG_OPTIONS,
} as const;

export function simulateSettings(
  values: ReturnType<typeof parseFlags<typeof OPTIONS>>["values"],
): SimulateSettings {
  const start = values.start === undefined ? undefined : Date.parse(values.start);
  if (start !== undefined && !Number.isFinite(start))
    throw new UsageError(`--start "${values.start}" must be an ISO-8601 date-time`);
  const settings: SimulateSettings = {
    rate: values.rate === undefined ? 200 : parseNumber("--rate", values.rate, 0.1, 100_000),
    seed: values.seed === undefined ? 1 : parseNumber("--seed", values.seed, 0, 2 ** 32 - 1),
    scenarios:
      values["no-surge"] === true
        ? []
        : values.surge === undefined
          ? [DEFAULT_SURGE]
          : values.surge.map(parseSurgeFlag),
    badShare:
      values["bad-share"] === undefined ? 0.01 : parseNumber("--bad-share", values["bad-share"], 0, 0.5),
    ...(values.duration !== undefined ? { durationMs: parseDuration("--duration", values.duration) } : {}),
    ...(start !== undefined ? { start } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(values.count !== undefined ? { count: parseNumber("--count", values.count, 1, 1e9) } : {}),
  };
  if (settings.out !== undefined && settings.count === undefined && settings.durationMs === undefined) {
    throw new UsageError("--out needs --count N or --duration D (a file cannot grow forever)");
  }
  return settings;
}

function parseSurgeFlag(spec: string): SurgeScenario {
  try {
    return parseSurge(spec);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export const toEntry = (r: SimRecord): PutRecordEntry =>
  r.kind === "event"
    ? { data: encodeEvent(r.event), partitionKey: `${r.event.origin}-${r.event.destination}` }
    : { data: r.data, partitionKey: r.partitionKey };

async function writeFile(sim: TrafficSimulator, s: SimulateSettings, io: CommandIo): Promise<number> {
  const out = s.out as string;
  const file = fs.createWriteStream(out);
  const gzip = out.endsWith(".gz") ? createGzip() : undefined;
  gzip?.pipe(file);
  const sink: NodeJS.WritableStream = gzip ?? file;
  const total = s.count ?? Math.round(((s.durationMs ?? 0) / 1000) * s.rate);
  let written = 0;
  while (written < total && !io.signal.aborted) {
    const records = sim.take(Math.min(10_000, total - written)).slice(0, total - written);
    const text = records.map((r) => Buffer.from(toEntry(r).data).toString("utf8")).join("\n");
    if (!sink.write(`${text}\n`)) await new Promise((r) => sink.once("drain", r));
    written += records.length;
  }
  await new Promise<void>((resolve) => {
    file.once("close", () => resolve());
    sink.end();
  });
  io.out(`wrote ${written.toLocaleString("en-US")} records to ${out}`);
  return 0;
}

export async function simulate(io: CommandIo): Promise<number> {
  const { values } = parseFlags(io.argv, OPTIONS);
  if (values.help === true) {
    io.out(SIMULATE_HELP);
    return 0;
  }
  const s = simulateSettings(values);
  const started = s.start ?? Date.now();
  const sim = new TrafficSimulator({
    seed: s.seed,
    startTime: started,
    ratePerSecond: s.rate,
    scenarios: s.scenarios,
    badRecordShare: s.badShare,
  });
  if (s.out !== undefined) return writeFile(sim, s, io);

  const { producer, client, target } = producerFor(values, io, { concurrency: 4 });
  io.out(
    `simulating ${s.rate} events/s into ${target} (seed ${s.seed}${s.scenarios.map((x) => `, ${x.name} at +${x.startOffsetMs / 1000}s`).join("")})`,
  );
  const wallStart = Date.now();
  let lastReport = wallStart;
  try {
    while (!io.signal.aborted) {
      const elapsed = Date.now() - wallStart;
      if (s.durationMs !== undefined && elapsed >= s.durationMs) break;
      const records = sim.advanceTo(started + elapsed);
      if (records.length > 0) await producer.putRecords(records.map(toEntry));
      if (Date.now() - lastReport >= 5000) {
        lastReport = Date.now();
        io.err(`simulate: ${producer.totals.sent.toLocaleString("en-US")} records sent`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    client.destroy();
  }
  io.out(
    `simulate: ${producer.totals.sent.toLocaleString("en-US")} records sent in ${((Date.now() - wallStart) / 1000).toFixed(1)} s`,
  );
  return 0;
}
