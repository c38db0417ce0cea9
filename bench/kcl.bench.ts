// Consumer runtime cost. (A) Per-record overhead: the runtime (fetch, de-aggregate, position tracking,
// fenced checkpoints, state machine) over an in-memory stream, against the bare processor loop over the
// same records. (B) Read throughput: draining a pre-filled 4-shard stream on kinesalite (kinesis-local is
// too slow for load) with flightpulse's scheduler and with lifion-kinesis (npm, aws-sdk v2), same run.
// Emulators run as child processes, so the CPU figures are each consumer's own.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { resourceNames } from "../analytics/resource-names";
import { clientOptions, localAwsConfig } from "../consumers/aws/clients";
import { kclConfig } from "../consumers/kcl/config";
import { DynamoDbLeaseRefresher } from "../consumers/kcl/dynamodb-lease-refresher";
import { InMemoryLeaseRefresher } from "../consumers/kcl/in-memory-lease-refresher";
import { newLease } from "../consumers/kcl/lease";
import { LeaseCoordinator } from "../consumers/kcl/lease-coordinator";
import type { RecordProcessor } from "../consumers/kcl/record-processor";
import { sdkKinesisReadPort } from "../consumers/kcl/retrieval/kinesis-read-port";
import { deaggregate } from "../consumers/kcl/retrieval/kpl-aggregation";
import {
  type GetRecordsOutput,
  type KinesisReadPort,
  PollingFetcher,
} from "../consumers/kcl/retrieval/polling-fetcher";
import { Scheduler } from "../consumers/kcl/scheduler";
import { ShardConsumer } from "../consumers/kcl/shard-consumer";
import { sdkShardLister } from "../consumers/kcl/shard-sync";
import { createTableInput, TABLES } from "../consumers/tables/table-definitions";
import { startDynalite } from "../local/emulators/dynamodb-emulators";
import { startKinesalite } from "../local/emulators/kinesis-emulators";
import { createTableAndWait, ensureStream } from "../local/stack/bootstrap";
import { countingProcessor } from "./counting-processor";
import {
  cpuMicrosPerEvent,
  type Measurement,
  measure,
  microsPerEvent,
  perSecond,
  table,
  writeSection,
} from "./results";

const IN_MEMORY = Number(process.env["BENCH_RECORDS"] ?? 400_000);
const STREAM_RECORDS = Number(process.env["BENCH_STREAM_RECORDS"] ?? 20_000);
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

async function drainComparison(): Promise<Measurement[]> {
  const [kinesisEmu, dynamoEmu] = await Promise.all([startKinesalite(), startDynalite()]);
  const kinesis = new KinesisClient(
    clientOptions(localAwsConfig({ kinesis: kinesisEmu.endpoint }), "kinesis"),
  );
  const dynamo = new DynamoDBClient(
    clientOptions(localAwsConfig({ dynamodb: dynamoEmu.endpoint }), "dynamodb"),
  );
  try {
    const results: Measurement[] = [];
    const fill = async (stream: string) => {
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
    };
    const waitUntil = async (done: () => boolean) => {
      const deadline = Date.now() + 180_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error("drain timed out");
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    // lifion-kinesis: the Node peer (aws-sdk v2), polling, auto-checkpoints.
    await fill("bench-lifion");
    process.env["AWS_ACCESS_KEY_ID"] = "local";
    process.env["AWS_SECRET_ACCESS_KEY"] = "local";
    process.env["AWS_REGION"] = "us-east-1";
    const Lifion = require("lifion-kinesis") as new (
      o: Record<string, unknown>,
    ) => {
      on(e: string, f: (d: { records: unknown[] }) => void): void;
      startConsumer(): Promise<void>;
      stopConsumer(): void;
    };
    let lifionCount = 0;
    const lifion = new Lifion({
      streamName: "bench-lifion",
      consumerGroup: "bench",
      createStreamIfNeeded: false,
      useEnhancedFanOut: false,
      useAutoCheckpoints: true,
      initialPositionInStream: "TRIM_HORIZON",
      shouldParseJson: false,
      leaseAcquisitionInterval: 200,
      noRecordsPollDelay: 200,
      pollDelay: 0,
      endpoint: kinesisEmu.endpoint,
      region: "us-east-1",
      dynamoDb: { endpoint: dynamoEmu.endpoint, region: "us-east-1", tableName: "lifion-bench-state" },
    });
    lifion.on("data", (d) => {
      lifionCount += d.records.length;
    });
    results.push(
      await measure("lifion-kinesis 1.3.3 (baseline)", STREAM_RECORDS, async () => {
        await lifion.startConsumer();
        await waitUntil(() => lifionCount >= STREAM_RECORDS);
      }),
    );
    lifion.stopConsumer();

    await fill("bench-flightpulse");
    const def = TABLES.find((t) => t.nameKey === "leaseTable");
    await createTableAndWait(
      dynamo,
      createTableInput(def!, { ...resourceNames("local"), leaseTable: "bench-leases" }),
    );
    let ours = 0;
    const scheduler = new Scheduler({
      config: kclConfig({
        streamName: "bench-flightpulse",
        workerId: "bench",
        takeIntervalMillis: 200,
        idleTimeBetweenReadsMillis: 200,
      }),
      refresher: new DynamoDbLeaseRefresher(dynamo, "bench-leases"),
      lister: sdkShardLister(kinesis),
      reader: sdkKinesisReadPort(kinesis),
      processors: () =>
        countingProcessor((n) => {
          ours += n;
        }),
    });
    results.push(
      await measure("flightpulse scheduler", STREAM_RECORDS, async () => {
        await scheduler.start();
        await waitUntil(() => ours >= STREAM_RECORDS);
      }),
    );
    await scheduler.shutdown();
    return results;
  } finally {
    kinesis.destroy();
    dynamo.destroy();
    await Promise.all([kinesisEmu.stop(), dynamoEmu.stop()]);
  }
}

async function main() {
  const a = await inMemoryOverhead();
  const b = await drainComparison();
  const [lifion, ours] = b as [Measurement, Measurement];
  const body = [
    `**(A) Per-record overhead**, ${IN_MEMORY.toLocaleString("en-US")} records of ~480 bytes over 4 in-memory shards, batches of 10,000:`,
    "",
    table(a.rows),
    "",
    `The runtime adds ${a.overheadUs.toFixed(2)} µs per record over the bare processor loop.`,
    "",
    `**(B) Draining ${STREAM_RECORDS.toLocaleString("en-US")} records from a 4-shard stream** on kinesalite + dynalite (child processes), time from consumer start to the last record:`,
    "",
    table(b),
    "",
    `flightpulse reads at ${(perSecond(ours) / perSecond(lifion)).toFixed(2)}× lifion-kinesis's rate, at ${(cpuMicrosPerEvent(ours) / cpuMicrosPerEvent(lifion)).toFixed(2)}× its CPU per record (${cpuMicrosPerEvent(ours).toFixed(1)} vs ${cpuMicrosPerEvent(lifion).toFixed(1)} µs).`,
  ].join("\n");
  console.log(body);
  writeSection("kcl", "Consumer runtime (KCL)", "npm run bench kcl", body);
}

main()
  .then(() => process.exit(0))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
