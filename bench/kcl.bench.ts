// Consumer runtime cost. (A) Per-record overhead: the runtime (fetch, de-aggregate, position tracking,
// fenced checkpoints, state machine) over an in-memory stream, against the bare processor loop over the
// same records. (B) The drain of one pre-filled 4-shard stream on kinesalite (kinesis-local is too slow
// for load) by three consumer processes: the Java KCL (the interop app), flightpulse's runtime, and
// lifion-kinesis (npm, aws-sdk v2), in interleaved rounds; rate and CPU per record of each process alone.
import { mkdtempSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { resourceNames } from "../analytics/resource-names";
import { clientOptions, kinesisClient, localAwsConfig } from "../consumers/aws/clients";
import { DynamoDbLeaseRefresher } from "../consumers/kcl/dynamodb-lease-refresher";
import { InMemoryLeaseRefresher } from "../consumers/kcl/in-memory-lease-refresher";
import { newLease } from "../consumers/kcl/lease";
import { LeaseCoordinator } from "../consumers/kcl/lease-coordinator";
import type { RecordProcessor } from "../consumers/kcl/record-processor";
import { deaggregate } from "../consumers/kcl/retrieval/kpl-aggregation";
import {
  type GetRecordsOutput,
  type KinesisReadPort,
  PollingFetcher,
} from "../consumers/kcl/retrieval/polling-fetcher";
import { ShardConsumer } from "../consumers/kcl/shard-consumer";
import { sdkShardLister, syncShards } from "../consumers/kcl/shard-sync";
import { createTableInput, TABLES } from "../consumers/tables/table-definitions";
import { startDynamoDbLocal } from "../local/emulators/dynamodb-emulators";
import { startKinesalite } from "../local/emulators/kinesis-emulators";
import { createTableAndWait, ensureStream } from "../local/stack/bootstrap";
import { buildKclApps, startJavaWorker } from "../test/interop/kcl-app";
import {
  readRecordLogs,
  startFlightpulseWorker,
  startWorkerProcess,
  type WorkerProcess,
} from "../test/interop/worker-process";
import {
  cpuMicrosPerEvent,
  type Measurement,
  measure,
  median,
  microsPerEvent,
  perSecond,
  processCpuMs,
  summaryLine,
  table,
  writeSection,
} from "./results";

const IN_MEMORY = Number(process.env["BENCH_RECORDS"] ?? 400_000);
const STREAM_RECORDS = Number(process.env["BENCH_STREAM_RECORDS"] ?? 160_000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const payload = (i: number) =>
  Buffer.from(JSON.stringify({ eventId: `e-${i}`, type: "search.performed", pad: "x".repeat(420) }));

async function inMemoryOverhead(): Promise<{ rows: Measurement[]; overheadUs: number }> {
  const shards = 4;
  const perShard = IN_MEMORY / shards;
  const data = Array.from({ length: shards }, (_, s) =>
    Array.from({ length: perShard }, (_, i) => ({
      data: payload(i),
      partitionKey: `k${i}`,
      sequenceNumber: String(1_000_000 + i),
      shard: s,
    })),
  );
  let processed = 0;
  const processor = (): RecordProcessor => ({
    initialize: async () => {},
    processRecords: async ({ records, checkpointer }) => {
      for (const r of records) processed += r.data.length > 0 ? 1 : 0;
      await checkpointer.checkpoint();
    },
    leaseLost: async () => {},
    shardEnded: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
    shutdownRequested: async () => {},
  });
  const baseline = await measure("bare processor loop (baseline)", IN_MEMORY, async () => {
    const p = processor();
    for (const shard of data) {
      for (let i = 0; i < shard.length; i += 10_000) {
        await p.processRecords({
          records: shard.slice(i, i + 10_000).flatMap((r) => deaggregate(r)),
          checkpointer: { checkpoint: async () => true },
        });
      }
    }
  });
  processed = 0;
  const port: KinesisReadPort = {
    getShardIterator: async (_s, shardId) => `${shardId}:0`,
    getRecords: async (iterator, limit): Promise<GetRecordsOutput> => {
      const [shardId, at] = iterator.split(":");
      const shard = data[Number(shardId)] ?? [];
      const next = Number(at) + limit;
      const records = shard.slice(Number(at), next);
      return {
        records,
        ...(next < shard.length ? { nextShardIterator: `${shardId}:${next}` } : {}),
        millisBehindLatest: 0,
      };
    },
  };
  const refresher = new InMemoryLeaseRefresher();
  const coordinator = new LeaseCoordinator(refresher, { workerId: "bench" });
  for (let s = 0; s < shards; s++)
    await refresher.createLeaseIfNotExists(
      newLease(String(s), { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 }),
    );
  await coordinator.takeOnce();
  const runtime = await measure("flightpulse runtime, in-memory stream", IN_MEMORY, async () => {
    await Promise.all(
      coordinator.held().map((lease) =>
        new ShardConsumer({
          lease,
          coordinator,
          refresher,
          processor: processor(),
          config: { maxPendingBatches: 3, idleTimeBetweenReadsMillis: 1 },
          fetcher: (start) =>
            new PollingFetcher(port, {
              streamName: "s",
              shardId: lease.leaseKey,
              start,
              maxRecords: 10_000,
              sleep: async () => {},
            }),
        }).run(),
      ),
    );
  });
  if (processed !== IN_MEMORY) throw new Error(`runtime processed ${processed} of ${IN_MEMORY}`);
  return { rows: [baseline, runtime], overheadUs: microsPerEvent(runtime) - microsPerEvent(baseline) };
}

/** A consumer process under test: starts on `app` (its own lease table) and logs B lines to `out`. */
interface DrainConsumer {
  readonly label: string;
  prepare(app: string): Promise<void>;
  start(app: string, out: string, log: string): Promise<WorkerProcess>;
}

interface DrainRun {
  readonly label: string;
  readonly round: number;
  /** Records after the first batch, over the time from the first batch's line to the last. */
  readonly m: Measurement;
}

/**
 * Steady-state drain of one consumer process: from its first batch to the last record, wall time from its
 * own log lines, CPU time read off /proc at those two moments. Start-up (a JVM, the KCL's initialization,
 * tsx compiling TypeScript) is excluded: it is paid once per deployment, not per record.
 */
async function drainOnce(c: DrainConsumer, round: number, dir: string): Promise<DrainRun> {
  const app = `drain-${c.label.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}-${round}`;
  const out = path.join(dir, `${app}.tsv`);
  await c.prepare(app);
  const proc = await c.start(app, out, path.join(dir, `${app}.log`));
  try {
    let first: { at: number; n: number; cpu: number } | undefined;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const batches = readRecordLogs([out]).filter((l) => l.kind === "B");
      const total = batches.reduce((n, b) => n + Number(b.position), 0);
      if (first === undefined && batches.length > 0)
        first = { at: batches[0]!.at, n: Number(batches[0]!.position), cpu: processCpuMs(proc.pid) };
      if (first !== undefined && total >= STREAM_RECORDS) {
        const cpu = processCpuMs(proc.pid);
        const last = batches.at(-1)!.at;
        return {
          label: c.label,
          round,
          m: {
            label: c.label,
            events: total - first.n,
            wallMs: Math.max(1, last - first.at),
            cpuMs: cpu - first.cpu,
          },
        };
      }
      if (Date.now() > deadline) throw new Error(`${c.label} drained ${total} of ${STREAM_RECORDS} in 180 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await proc.kill();
  }
}

async function drainComparison(): Promise<{ rows: Measurement[]; runs: DrainRun[] }> {
  await buildKclApps(["3.5.1"], (l) => console.log(l));
  const [kinesisEmu, dynamoEmu] = await Promise.all([startKinesalite(), startDynamoDbLocal()]);
  const cfg = localAwsConfig({ kinesis: kinesisEmu.endpoint, dynamodb: dynamoEmu.endpoint });
  const kinesis = kinesisClient(cfg);
  const dynamo = new DynamoDBClient(clientOptions(cfg, "dynamodb"));
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-drain-"));
  const stream = "bench-drain";
  try {
    await ensureStream(kinesis, stream, 4);
    for (let i = 0; i < STREAM_RECORDS; i += 500) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: Array.from({ length: 500 }, (_, k) => ({
            Data: payload(i + k),
            PartitionKey: `route-${(i + k) % 97}`,
          })),
        }),
      );
    }
    const leaseTable = async (app: string, kcl3Index: boolean) => {
      const def = TABLES.find((t) => t.nameKey === "leaseTable");
      const input = createTableInput(def!, { ...resourceNames("local"), leaseTable: app });
      await createTableAndWait(
        dynamo,
        kcl3Index
          ? {
              ...input,
              AttributeDefinitions: [
                ...(input.AttributeDefinitions ?? []),
                { AttributeName: "leaseOwner", AttributeType: "S" },
              ],
              GlobalSecondaryIndexes: [
                {
                  IndexName: "LeaseOwnerToLeaseKeyIndex",
                  KeySchema: [
                    { AttributeName: "leaseOwner", KeyType: "HASH" },
                    { AttributeName: "leaseKey", KeyType: "RANGE" },
                  ],
                  Projection: { ProjectionType: "KEYS_ONLY" },
                },
              ],
            }
          : input,
      );
    };
    const common = {
      stream,
      kinesis: kinesisEmu.endpoint,
      dynamodb: dynamoEmu.endpoint,
      failoverMillis: 10_000,
    };
    const consumers: DrainConsumer[] = [
      {
        label: "Java KCL 3.5.1 (baseline)",
        // The table with KCL 3's index and the shard leases already in it, written by flightpulse's own shard
        // sync (the same item format): the KCL then skips its index wait and its random wait for a first
        // shard sync (1–30 s), which have nothing to do with draining.
        async prepare(app) {
          await leaseTable(app, true);
          await syncShards(sdkShardLister(kinesis), new DynamoDbLeaseRefresher(dynamo, app), stream, {
            sequenceNumber: "TRIM_HORIZON",
            subSequenceNumber: 0,
          });
        },
        start: (app, out, log) =>
          startJavaWorker({
            ...common,
            version: "3.5.1",
            mode: "3x",
            application: app,
            worker: "java",
            out,
            log,
            batchesOnly: true,
          }),
      },
      {
        label: "flightpulse runtime",
        prepare: (app) => leaseTable(app, false),
        start: (app, out, log) =>
          startFlightpulseWorker({
            ...common,
            table: app,
            worker: "flightpulse",
            out,
            log,
            batchesOnly: true,
          }),
      },
      {
        label: "lifion-kinesis 1.3.3",
        async prepare() {},
        start: (app, out, log) =>
          startWorkerProcess({
            worker: "lifion",
            name: `lifion-${app}`,
            command: process.execPath,
            args: [
              "--import",
              "tsx",
              path.join(__dirname, "lifion-recorder.ts"),
              JSON.stringify({
                stream,
                kinesis: kinesisEmu.endpoint,
                dynamodb: dynamoEmu.endpoint,
                table: app,
                worker: "lifion",
                out,
              }),
            ],
            log,
          }),
      },
    ];
    const runs: DrainRun[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Interleaved, the order rotating each round, so drift on a shared machine spreads over all three.
      const order = consumers.map((_, i) => consumers[(i + round - 1) % consumers.length]!);
      for (const c of order) {
        const r = await drainOnce(c, round, dir);
        runs.push(r);
        console.log(
          `  round ${round}: ${c.label}: ${Math.round(perSecond(r.m)).toLocaleString("en-US")} records/s, ${cpuMicrosPerEvent(r.m).toFixed(1)} CPU µs/record`,
        );
      }
    }
    const rows = consumers.map((c) => {
      const mine = runs.filter((r) => r.label === c.label).map((r) => r.m);
      const mid = [...mine].sort((a, b) => perSecond(a) - perSecond(b))[Math.floor(mine.length / 2)]!;
      return { ...mid, label: `${c.label}, median of ${mine.length}` };
    });
    return { rows, runs };
  } finally {
    kinesis.destroy();
    dynamo.destroy();
    await Promise.all([kinesisEmu.stop(), dynamoEmu.stop()]);
  }
}

function spread(xs: readonly number[]) {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

async function main() {
  const a = await inMemoryOverhead();
  const b = await drainComparison();
  const [kcl, ours] = b.rows as [Measurement, Measurement];
  const perRound = (label: string) => b.runs.filter((r) => r.label === label).map((r) => r.m);
  const kclRuns = perRound(kcl.label.replace(/, median of \d+$/, ""));
  const vs = (label: string) => {
    const mine = perRound(label);
    return {
      rate: spread(mine.map((m, i) => perSecond(m) / perSecond(kclRuns[i]!))),
      cpu: spread(mine.map((m, i) => cpuMicrosPerEvent(m) / cpuMicrosPerEvent(kclRuns[i]!))),
    };
  };
  const oursVs = vs("flightpulse runtime");
  const lifionVs = vs("lifion-kinesis 1.3.3");
  const x = (v: { median: number; min: number; max: number }) =>
    `${v.median.toFixed(2)}× (${v.min.toFixed(2)}–${v.max.toFixed(2)}×)`;
  const summary = summaryLine("kcl drain", "Java KCL 3.5.1", oursVs.rate, ROUNDS, perSecond(ours));
  const body = [
    `**(A) Per-record overhead**, ${IN_MEMORY.toLocaleString("en-US")} records of ~480 bytes over 4 in-memory shards, batches of 10,000:`,
    "",
    table(a.rows),
    "",
    `The runtime adds ${a.overheadUs.toFixed(2)} µs per record over the bare processor loop.`,
    "",
    `**(B) Three consumer processes draining the same ${STREAM_RECORDS.toLocaleString("en-US")}-record, 4-shard stream** (~480-byte records) on kinesalite + DynamoDB Local: the Java KCL 3.5.1 (test/interop/kcl-app, Java 17, its default 3.x mode), flightpulse's runtime, lifion-kinesis 1.3.3. Each consumer only counts and checkpoints after every batch; each run starts a fresh process on a fresh lease table from TRIM_HORIZON. ${ROUNDS} interleaved rounds, the order rotating. Rate and CPU are steady state: from a process's first batch to its last record, CPU read off /proc for that process alone (JVM and tsx start-up excluded). The table shows each consumer's median round; the ratios are per round against the KCL of the same round.`,
    "",
    table(b.rows),
    "",
    "| vs the Java KCL, per round | drain rate: median (min–max) | CPU per record: median (min–max) |",
    "|---|---:|---:|",
    `| flightpulse runtime | ${x(oursVs.rate)} | ${x(oursVs.cpu)} |`,
    `| lifion-kinesis 1.3.3 | ${x(lifionVs.rate)} | ${x(lifionVs.cpu)} |`,
    "",
    "The emulator (kinesalite, one Node process on the same two cores) serves every drain, so a drain rate says as much about a consumer's requests as about its own cost; the CPU per record is the consumer process's alone.",
    "",
    "Every round:",
    "",
    "| round | consumer | records/s | CPU µs/record |",
    "|---:|---|---:|---:|",
    ...b.runs.map(
      (r) =>
        `| ${r.round} | ${r.label} | ${Math.round(perSecond(r.m)).toLocaleString("en-US")} | ${cpuMicrosPerEvent(r.m).toFixed(1)} |`,
    ),
    "",
    `\`${summary}\``,
  ].join("\n");
  console.log(body);
  console.log(summary);
  writeSection("kcl", "Consumer runtime (KCL)", "npm run bench kcl", body);
}

main()
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
