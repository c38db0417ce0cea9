// The worker as a whole. (A) Seat-manifest writes: DynamoDB write requests per 1,000 booking events when
// the sink coalesces a Kinesis batch (one conditional write per touched flight) or writes at the
// checkpoint (one per flight per checkpoint), against applying the same events one at a time, counted on
// dynalite in the same run. (B) End to end on the local stack: one `flightpulse worker` process (decode,
// manifests, demand analytics, rejected sink, warehouse loads, checkpoints) draining a pre-filled stream
// until every record is durable, against the bare consumer runtime with a no-op processor draining the
// same records, in interleaved rounds on fresh stacks. (C) What the worker asks of the services: its
// requests per API while it drains a stream, counted by a proxy per endpoint. The local warehouse is what
// `npm start` runs (a PostgreSQL server from npm's binaries, pglite where there are none); with
// BENCH_WAREHOUSE=pglite or =postgres (Debian's server by URL), (B) alone on that database, in its own
// section: how much of the worker's figure is the local stand-in for Redshift.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { resourceNames } from "../analytics/resource-names";
import { clientOptions, createAwsClients, localAwsConfig } from "../consumers/aws/clients";
import { kclConfig } from "../consumers/kcl/config";
import { DynamoDbLeaseRefresher } from "../consumers/kcl/dynamodb-lease-refresher";
import { sdkKinesisReadPort } from "../consumers/kcl/retrieval/kinesis-read-port";
import { Scheduler } from "../consumers/kcl/scheduler";
import { sdkShardLister } from "../consumers/kcl/shard-sync";
import { ManifestSink } from "../consumers/sinks/manifests/manifest-sink";
import { DynamoDbManifestStore } from "../consumers/sinks/manifests/manifest-store";
import { createTableInput, TABLES } from "../consumers/tables/table-definitions";
import { toEntry } from "../ingest/commands/simulate";
import { type PutRecordEntry, sdkKinesisPutPort } from "../ingest/kinesis-put-port";
import { KinesisProducer } from "../ingest/producer";
import { TrafficSimulator } from "../ingest/simulator/traffic";
import type { RunningService } from "../local/emulators/child-service";
import { startDynalite } from "../local/emulators/dynamodb-emulators";
import {
  embeddedPostgresBinDir,
  postgresBinDir,
  startPostgresServer,
} from "../local/emulators/postgres-server";
import { createTableAndWait } from "../local/stack/bootstrap";
import { type LocalStack, startLocalStack } from "../local/stack/local-stack";
import { startLocalWorkers } from "../local/stack/local-workers";
import { type FaultProxy, startFaultProxy } from "../test/fixtures/fault-proxy";
import { countingProcessor } from "./counting-processor";
import {
  cpuMicrosPerEvent,
  type Measurement,
  medianRound,
  microsPerEvent,
  perSecond,
  processCpuMs,
  processTreeCpuMs,
  roundRatios,
  summaryLine,
  table,
  writeSection,
} from "./results";

const BATCH = 500;
/** Batches between checkpoints in (A): a shard polled once a second (the KCL default) checkpointing every 10 s. */
const CHECKPOINT_BATCHES = 10;
// 50,000 per shard: five GetRecords batches of 10,000 and two or more checkpoints each, so where one checkpoint
// falls does not decide a round (with 12,500 per shard the worker's rate swung 2–5× between rounds).
const E2E_RECORDS = Number(process.env["BENCH_E2E_RECORDS"] ?? 200_000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
/**
 * The local warehouse's database in (B): unset, the local stack's default (what `npm start` runs: "embedded",
 * a PostgreSQL server from npm's binaries, or pglite where npm installed none); "pglite" or "postgres"
 * (Debian's server, by URL), (B) alone in its own section.
 */
const WAREHOUSE_SETTING = ((raw) => {
  if (raw !== undefined && raw !== "pglite" && raw !== "postgres")
    throw new Error(`BENCH_WAREHOUSE must be pglite or postgres, not ${JSON.stringify(raw)}`);
  return raw;
})(process.env["BENCH_WAREHOUSE"]);
const WAREHOUSE = WAREHOUSE_SETTING ?? (embeddedPostgresBinDir() !== undefined ? "embedded" : "pglite");
if (WAREHOUSE === "postgres" && postgresBinDir() === undefined)
  throw new Error("BENCH_WAREHOUSE=postgres needs PostgreSQL's server binaries: apt-get install postgresql");
/** (C): the end-to-end figure's 50,000 of a smaller stream is enough to see each API's share. */
const REQUEST_RECORDS = 50_000;

function traffic(n: number, seed: number) {
  return new TrafficSimulator({
    seed,
    startTime: Date.now() - 2 * 3_600_000,
    ratePerSecond: 20,
    scheduleDays: 2,
  }).take(n);
}

/** Records kept between rounds as two buffers and two offset arrays; `entries()` unpacks them for a fill. */
interface PackedRecords {
  readonly count: number;
  entries(): PutRecordEntry[];
}

/**
 * Packs the rounds' records. The Data API endpoint and pglite run in this process: held as 200,000 event
 * objects (56 MB of heap), the fixture was marked by every major collection the endpoint's allocations
 * caused during the worker's drain, and counted in the endpoint's CPU per event.
 */
function packRecords(records: readonly PutRecordEntry[]): PackedRecords {
  const data = Buffer.concat(records.map((r) => r.data));
  const keys = records.map((r) => r.partitionKey).join("");
  const dataEnds = new Uint32Array(records.length);
  const keyEnds = new Uint32Array(records.length);
  let dataEnd = 0;
  let keyEnd = 0;
  records.forEach((r, i) => {
    if (r.explicitHashKey !== undefined) throw new Error("packRecords keeps no explicit hash keys");
    dataEnds[i] = dataEnd += r.data.length;
    keyEnds[i] = keyEnd += r.partitionKey.length;
  });
  return {
    count: records.length,
    entries: () =>
      Array.from({ length: records.length }, (_, i) => ({
        data: data.subarray(i === 0 ? 0 : dataEnds[i - 1], dataEnds[i]),
        partitionKey: keys.slice(i === 0 ? 0 : keyEnds[i - 1], keyEnds[i]),
      })),
  };
}

async function manifestWrites(): Promise<string> {
  const emulator = await startDynalite();
  const client = new DynamoDBClient(
    clientOptions(localAwsConfig({ dynamodb: emulator.endpoint }), "dynamodb"),
  );
  let writes = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (["PutItemCommand", "UpdateItemCommand", "DeleteItemCommand"].includes(context.commandName ?? ""))
        writes++;
      return next(args);
    },
    { step: "initialize", name: "countWrites" },
  );
  try {
    const events = traffic(30_000, 21).flatMap((r) => (r.kind === "event" ? [r.event] : []));
    const bookings = events.filter((e) => e.type === "booking.created").length;
    const def = TABLES.find((t) => t.nameKey === "manifestTable");
    /** With `flushEvery`, the sink writes at flush (as the worker does at its checkpoints), every so many batches. */
    const run = async (label: string, tableName: string, batchSize: number, flushEvery?: number) => {
      await createTableAndWait(
        client,
        createTableInput(def!, { ...resourceNames("local"), manifestTable: tableName }),
      );
      const sink = new ManifestSink({
        store: new DynamoDbManifestStore(client, tableName),
        ...(flushEvery !== undefined ? { writeAt: "flush" as const } : {}),
      });
      writes = 0;
      for (let i = 0, n = 1; i < events.length; i += batchSize, n++) {
        await sink.apply(
          events.slice(i, i + batchSize).map((event, k) => ({
            event,
            shardId: "shardId-000000000000",
            sequenceNumber: String(10_000_000 + i + k),
          })),
        );
        if (flushEvery !== undefined && n % flushEvery === 0) await sink.flush();
      }
      await sink.flush();
      return { label, writes, per1000: (writes / bookings) * 1000 };
    };
    const single = await run("one event at a time (baseline)", "bench-manifests-single", 1);
    const coalesced = await run(`Kinesis batches of ${BATCH} (coalesced)`, "bench-manifests-batched", BATCH);
    const full = await run(
      "batches of 10,000 (a full GetRecords, coalesced)",
      "bench-manifests-full",
      10_000,
    );
    const atCheckpoint = await run(
      `batches of ${BATCH}, written at a checkpoint every ${CHECKPOINT_BATCHES} batches (the worker's default)`,
      "bench-manifests-checkpoint",
      BATCH,
      CHECKPOINT_BATCHES,
    );
    const rows = [single, coalesced, full, atCheckpoint]
      .map(
        (r) =>
          `| ${r.label} | ${r.writes.toLocaleString("en-US")} | ${r.per1000.toFixed(0)} | ${(r.writes / single.writes).toFixed(3)}× |`,
      )
      .join("\n");
    return [
      `${events.length.toLocaleString("en-US")} events (${bookings.toLocaleString("en-US")} bookings, schedules and cancellations included) into seat manifests on dynalite; write requests counted on the client.`,
      "",
      "| run | write requests | per 1,000 bookings | ratio vs baseline |",
      "|---|---:|---:|---:|",
      rows,
      "",
      `Coalescing: ${coalesced.per1000.toFixed(0)} write requests per 1,000 booking events in batches of ${BATCH} and ${full.per1000.toFixed(0)} in full GetRecords batches, against ${single.per1000.toFixed(0)} one event at a time (every count includes the flights' schedule writes and cancellations). The saving grows with how many events of one flight share a batch: traffic spread over hundreds of flights coalesces little at ${BATCH} a batch. Written at the checkpoint instead (\`FLIGHTPULSE_MANIFEST_WRITES=checkpoint\`, the default), a flight costs one write per checkpoint however many batches touched it: ${atCheckpoint.per1000.toFixed(0)} per 1,000 bookings with a checkpoint every ${CHECKPOINT_BATCHES} batches of ${BATCH} (a shard polled every second, checkpointing every 10 s).`,
    ].join("\n");
  } finally {
    client.destroy();
    await emulator.stop();
  }
}

async function until(what: string, ms: number, probe: () => Promise<boolean>, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One consumer's drain of the round's stream: from its first record processed until every record is durable. */
interface Drain {
  readonly label: string;
  readonly round: number;
  /** From start (process spawn, or Scheduler.start) to the first record processed. */
  readonly startupMs: number;
  /** Records after the first sample, over the time to the end of the window. */
  readonly m: Measurement;
  /** CPU ms of each local service over the same window (`services`). */
  readonly servicesCpuMs: Readonly<Record<string, number>>;
}

/** A moment of a drain: when, how many records processed by then, the consumer's CPU ms so far. */
interface Sample {
  readonly at: number;
  readonly n: number;
  readonly cpu: number;
  /** CPU ms so far of each local service (`services`). */
  readonly services: Readonly<Record<string, number>>;
}

/** Each database (B) can run on, in the words of its section. */
const WAREHOUSE_DESCRIPTION = {
  embedded: "a PostgreSQL server from npm's binaries (the local stack's own, a fresh cluster a round)",
  pglite: "pglite",
  postgres: "Debian's PostgreSQL server (a fresh cluster a round)",
} as const;

/**
 * The processes beside the consumer, all on the same two cores: the emulators, and this process, which
 * hosts the Data API endpoint and pglite's thread (during the bare runtime's round it is the consumer),
 * or the endpoint and the PostgreSQL server's processes.
 */
const SERVICES =
  WAREHOUSE === "pglite"
    ? (["kinesalite", "dynalite", "Data API + pglite (this process)"] as const)
    : (["kinesalite", "dynalite", "Data API (this process)", "PostgreSQL server"] as const);
/** The column that is this process: the consumer's own CPU during the bare runtime's round. */
const THIS_PROCESS = SERVICES[2];

function servicesCpuMs(stack: LocalStack, postgresPid: number | undefined): Record<string, number> {
  return {
    kinesalite: processCpuMs(stack.state.pids["kinesis"] as number),
    dynalite: processCpuMs(stack.state.pids["dynamodb"] as number),
    [THIS_PROCESS]: cpuNowMs(),
    ...(postgresPid !== undefined ? { "PostgreSQL server": processTreeCpuMs(postgresPid) } : {}),
  };
}

/** The drain between its first sample and its last; `started` is when the consumer was started. */
function drainBetween(
  label: string,
  round: number,
  started: number,
  first: Sample | undefined,
  last: Sample,
): Drain {
  if (first === undefined) throw new Error(`${label}: drained without a first sample`);
  return {
    label,
    round,
    startupMs: first.at - started,
    m: { label, events: last.n - first.n, wallMs: last.at - first.at, cpuMs: last.cpu - first.cpu },
    servicesCpuMs: Object.fromEntries(
      Object.entries(last.services).map(([k, v]) => [k, v - (first.services[k] ?? 0)]),
    ),
  };
}

const BARE = "bare runtime, no-op processor (baseline)";
const WORKER = "flightpulse worker process (everything)";

/** The CPU ms so far of each service beside the consumer (`servicesCpuMs` of the round's stack). */
type ServicesCpu = () => Record<string, number>;

/** The bare consumer runtime in this process, counting records, on its own lease table. */
async function drainBare(
  stack: LocalStack,
  round: number,
  records: number,
  services: ServicesCpu,
): Promise<Drain> {
  const aws = createAwsClients(localAwsConfig(stack.state.endpoints));
  const names = stack.state.resources;
  const leaseTable = `bench-bare-leases-${round}`;
  await createTableAndWait(
    aws.dynamodb,
    createTableInput(TABLES.find((t) => t.nameKey === "leaseTable")!, { ...names, leaseTable }),
  );
  let drained = 0;
  let first: Sample | undefined;
  const started = performance.now();
  const bare = new Scheduler({
    config: kclConfig({
      streamName: names.bookingStream,
      workerId: `bench-bare-${round}`,
      takeIntervalMillis: 200,
      idleTimeBetweenReadsMillis: 200,
    }),
    refresher: new DynamoDbLeaseRefresher(aws.dynamodb, leaseTable),
    lister: sdkShardLister(aws.kinesis),
    reader: sdkKinesisReadPort(aws.kinesis),
    processors: () =>
      countingProcessor((n) => {
        drained += n;
        first ??= { at: performance.now(), n: drained, cpu: cpuNowMs(), services: services() };
      }),
  });
  let stopped = false;
  try {
    await bare.start();
    await until("bare drain", 300_000, async () => drained >= records, 5);
    // Its graceful shutdown (the last checkpoints) is inside the window, as the worker's is.
    await bare.shutdown();
    stopped = true;
    return drainBetween(BARE, round, started, first, {
      at: performance.now(),
      n: drained,
      cpu: cpuNowMs(),
      services: services(),
    });
  } finally {
    if (!stopped) await bare.shutdown();
    aws.destroy();
  }
}

const cpuNowMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Records a worker has processed (events and rejected records), from its metrics endpoint. */
async function recordsProcessed(w: RunningService): Promise<number> {
  const m = (await (await fetch(`${w.endpoint}/metrics`)).json()) as { events?: number; rejected?: number };
  return (m.events ?? 0) + (m.rejected ?? 0);
}

/** One `flightpulse worker` process with every sink, on the round's fresh stack; CPU is its own (/proc). */
async function drainWorker(
  stack: LocalStack,
  dir: string,
  round: number,
  records: number,
  services: ServicesCpu,
): Promise<Drain> {
  const started = performance.now();
  const [w] = await startLocalWorkers(stack, {
    count: 1,
    cwd: dir,
    env: { FLIGHTPULSE_IDLE_TIMEOUT_SECONDS: "2" },
  });
  if (w === undefined) throw new Error("the worker did not start");
  try {
    const processed = () => recordsProcessed(w);
    let first: Sample | undefined;
    await until(
      "worker drain",
      600_000,
      async () => {
        const n = await processed();
        if (first === undefined && n > 0)
          first = { at: performance.now(), n, cpu: processCpuMs(w.pid), services: services() };
        return n >= records;
      },
      // Each poll is an HTTP request the worker serves on its event loop: every 20 ms, about 3% of its main
      // thread in a profile (a cost the in-process bare runtime's count does not pay); every 50 ms the end
      // is still seen within 0.5% of a drain.
      50,
    );
    const { at, cpu } = await stopGracefully(w);
    return drainBetween(WORKER, round, started, first, {
      at,
      n: records,
      cpu,
      services: services(),
    });
  } finally {
    await w.stop();
  }
}

/**
 * SIGTERM to the worker and the moment it has exited, with its CPU until then: its graceful shutdown
 * writes what its sinks still buffer and checkpoints, so a window that ends here ends with every record
 * durable (the sinks buffer up to a checkpoint interval; a window ending at the last record processed
 * would leave that work out).
 */
async function stopGracefully(w: RunningService): Promise<{ at: number; cpu: number }> {
  let cpu = processCpuMs(w.pid);
  process.kill(w.pid, "SIGTERM");
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    try {
      cpu = processCpuMs(w.pid);
      // A zombie has exited; its parent (the watchdog) has not reaped it yet.
      if (/\) Z /.test(fs.readFileSync(`/proc/${w.pid}/stat`, "utf8"))) return { at: performance.now(), cpu };
    } catch {
      return { at: performance.now(), cpu };
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the worker did not stop within 120 s of SIGTERM");
}

/**
 * Interleaved rounds, each on a fresh local stack with the same records pre-filled (so neither consumer
 * meets the other's sink state or a warm emulator the other warmed), the order alternating by round.
 */
async function endToEnd(): Promise<string> {
  const drains: Drain[] = [];
  const records = packRecords(traffic(E2E_RECORDS, 22).map(toEntry));
  for (let round = 1; round <= ROUNDS; round++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-bench-"));
    // A fresh server a round, as the stack's own database is fresh a round.
    const postgres = WAREHOUSE === "postgres" ? await startPostgresServer() : undefined;
    const stack = await startLocalStack({
      root: dir,
      kinesis: "kinesalite",
      bookingShards: 4,
      ...(postgres !== undefined ? { postgresUrl: postgres.url } : {}),
      ...(WAREHOUSE === "pglite" ? { warehouse: "pglite" } : {}),
      log: (line) => {
        if (line.startsWith("warehouse:")) console.log(line);
      },
    });
    const aws = createAwsClients(localAwsConfig(stack.state.endpoints));
    const services = () => servicesCpuMs(stack, postgres?.pid ?? stack.state.pids["warehouse"]);
    try {
      if (WAREHOUSE === "embedded" && stack.state.warehouse !== "postgres")
        throw new Error("the local stack's PostgreSQL server did not start (its reason is above)");
      await new KinesisProducer({
        port: sdkKinesisPutPort(aws.kinesis),
        streamName: stack.state.resources.bookingStream,
      }).putRecords(records.entries());
      const runBare = () => drainBare(stack, round, records.count, services);
      const runWorker = () => drainWorker(stack, dir, round, records.count, services);
      for (const run of round % 2 === 1 ? [runBare, runWorker] : [runWorker, runBare]) {
        const d = await run();
        drains.push(d);
        console.log(
          `round ${round}: ${d.label}: ${Math.round(perSecond(d.m)).toLocaleString("en-US")} events/s until durable, ${cpuMicrosPerEvent(d.m).toFixed(1)} CPU µs/event, first record after ${(d.startupMs / 1000).toFixed(1)} s`,
        );
      }
    } finally {
      aws.destroy();
      await stack.stop();
      await postgres?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const of = (label: string) => drains.filter((d) => d.label === label);
  const ratio = roundRatios(
    of(BARE).map((d) => microsPerEvent(d.m)),
    of(WORKER).map((d) => microsPerEvent(d.m)),
  );
  const medianOf = (ds: Drain[]) => medianRound(ds, (d) => microsPerEvent(d.m));
  const worker = medianOf(of(WORKER));
  const rows = drains
    .map(
      (d) =>
        `| ${d.round} | ${d.label} | ${Math.round(perSecond(d.m)).toLocaleString("en-US")} | ${cpuMicrosPerEvent(d.m).toFixed(1)} | ${(d.startupMs / 1000).toFixed(1)} s |`,
    )
    .join("\n");
  const perEvent = (d: Drain, ms: number) => ((ms * 1000) / d.m.events).toFixed(1);
  const cpuRow = (d: Drain) => {
    // During the bare round this process is the consumer: its CPU is the consumer's, counted once.
    const services = SERVICES.map((k) =>
      d.label === BARE && k === THIS_PROCESS ? undefined : (d.servicesCpuMs[k] ?? 0),
    );
    const total = services.reduce<number>((a, b) => a + (b ?? 0), d.m.cpuMs);
    const cells = services.map((ms) => (ms === undefined ? "–" : perEvent(d, ms)));
    return `| ${d.label} | ${perEvent(d, d.m.cpuMs)} | ${cells.join(" | ")} | ${perEvent(d, total)} | ${microsPerEvent(d.m).toFixed(1)} |`;
  };
  return [
    `${records.count.toLocaleString("en-US")} simulated records pre-filled in a 4-shard kinesalite stream. The bare consumer runtime (no-op processor, in the benchmark's process) against one \`flightpulse worker\` process with every sink on the local stack (dynalite, SNS endpoint, Data API over ${WAREHOUSE_DESCRIPTION[WAREHOUSE]}): decode, manifests, demand analytics, rejected sink, warehouse loads, checkpoints. ${ROUNDS} interleaved rounds, each on a fresh stack with the same records, the order alternating. Rates are from the first record processed until every record is durable: the consumer is stopped gracefully once it has processed the last, and the window ends when its shutdown (the sinks' last writes, the last checkpoints) is done (start-up shown apart); CPU is each consumer's own (the worker's read off /proc), emulators excluded. The table shows each one's median round; the ratio is per round.`,
    "",
    table([medianOf(of(BARE)).m, worker.m]),
    "",
    "| round | run | events/s | CPU µs/event | first record after |",
    "|---:|---|---:|---:|---:|",
    rows,
    "",
    `Per-round ratio of the worker's rate to the bare runtime's: ${ratio.ratios.map((x) => `${x.toFixed(2)}×`).join(", ")}.`,
    "",
    "Where the two cores go, CPU µs per event of each process over the median rounds' window (the wall µs per event is what two cores give: a total near twice it means the machine was saturated):",
    "",
    `| run | consumer | ${SERVICES.join(" | ")} | total | wall µs/event |`,
    `|---|${"---:|".repeat(SERVICES.length + 3)}`,
    cpuRow(medianOf(of(BARE))),
    cpuRow(worker),
    "",
    summaryLine(
      WAREHOUSE_SETTING === undefined
        ? "worker"
        : `worker, warehouse on ${WAREHOUSE_DESCRIPTION[WAREHOUSE_SETTING]}`,
      "bare runtime",
      ratio,
      ROUNDS,
      perSecond(worker.m),
    ),
  ].join("\n");
}

/** One worker drains the records through a counting proxy in front of each service it calls. */
async function requestsPerApi(): Promise<string> {
  const records = traffic(REQUEST_RECORDS, 22);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-bench-"));
  const stack = await startLocalStack({ root: dir, kinesis: "kinesalite", bookingShards: 4 });
  const aws = createAwsClients(localAwsConfig(stack.state.endpoints));
  const proxies = new Map<string, FaultProxy>();
  try {
    await new KinesisProducer({
      port: sdkKinesisPutPort(aws.kinesis),
      streamName: stack.state.resources.bookingStream,
    }).putRecords(records.map(toEntry));
    const e = stack.state.endpoints;
    for (const [service, url] of [
      ["DynamoDB", e.dynamodb],
      ["Kinesis", e.kinesis],
      ["Data API", e.redshiftData],
    ] as const)
      proxies.set(service, await startFaultProxy(url as string));
    const via = (service: string) => proxies.get(service)?.url ?? "";
    const [w] = await startLocalWorkers(stack, {
      count: 1,
      cwd: dir,
      env: {
        FLIGHTPULSE_IDLE_TIMEOUT_SECONDS: "2",
        FLIGHTPULSE_DYNAMODB_ENDPOINT: via("DynamoDB"),
        FLIGHTPULSE_KINESIS_ENDPOINT: via("Kinesis"),
        FLIGHTPULSE_REDSHIFT_DATA_ENDPOINT: via("Data API"),
      },
    });
    if (w === undefined) throw new Error("the worker did not start");
    try {
      await until("worker drain", 600_000, async () => (await recordsProcessed(w)) >= records.length);
      // Until it has exited: its last writes (manifests, warehouse rows) count too.
      await stopGracefully(w);
    } finally {
      await w.stop();
    }
    const rows = [...proxies]
      .flatMap(([service, p]) =>
        [...p.byTarget].map(([target, c]) => ({ api: `${service} ${target.replace(/^.*\./, "")}`, ...c })),
      )
      .sort((x, y) => y.requests - x.requests);
    return [
      `One \`flightpulse worker\` draining ${records.length.toLocaleString("en-US")} records from a 4-shard local stack (checkpoints every 10 s, start-up and the graceful shutdown's last writes included), every request counted by a proxy in front of DynamoDB (dynalite), Kinesis (kinesalite) and the Data API.`,
      "",
      "| API | requests | per 1,000 records | KB sent |",
      "|---|---:|---:|---:|",
      ...rows.map(
        (r) =>
          `| ${r.api} | ${r.requests.toLocaleString("en-US")} | ${((r.requests * 1000) / records.length).toFixed(1)} | ${Math.round(r.bytes / 1024).toLocaleString("en-US")} |`,
      ),
    ].join("\n");
  } finally {
    for (const p of proxies.values()) await p.close();
    aws.destroy();
    await stack.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (WAREHOUSE_SETTING !== undefined) {
    const b = await endToEnd();
    console.log(b);
    writeSection(
      `worker-${WAREHOUSE_SETTING}`,
      `Worker end to end, the local warehouse on ${WAREHOUSE_DESCRIPTION[WAREHOUSE_SETTING]}`,
      `BENCH_WAREHOUSE=${WAREHOUSE_SETTING} npm run bench worker`,
      `The end-to-end part of \`npm run bench worker\` (the worker's section) with the Data API endpoint over ${WAREHOUSE_DESCRIPTION[WAREHOUSE_SETTING]} instead of the local stack's default: the same worker, stream and sinks, the local stand-in for Redshift alone changed. The acceptance figure is the worker section's (what \`npm start\` runs).\n\n${b}`,
    );
    return;
  }
  const a = await manifestWrites();
  console.log(a);
  const c = await requestsPerApi();
  console.log(c);
  const b = await endToEnd();
  console.log(b);
  writeSection(
    "worker",
    "Worker (manifest write coalescing, requests per API, end-to-end rate)",
    "npm run bench worker",
    `### Seat-manifest writes\n\n${a}\n\n### Requests per API\n\n${c}\n\n### End to end on the local stack\n\n${b}`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
