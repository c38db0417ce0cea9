import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { resourceNames } from "../../../analytics/resource-names";
import { clientOptions, kinesisClient, localAwsConfig } from "../../../consumers/aws/clients";
import { kclConfig } from "../../../consumers/kcl/config";
import { DynamoDbLeaseRefresher } from "../../../consumers/kcl/dynamodb-lease-refresher";
import type { RecordProcessor } from "../../../consumers/kcl/record-processor";
import { sdkKinesisReadPort } from "../../../consumers/kcl/retrieval/kinesis-read-port";
import { Scheduler } from "../../../consumers/kcl/scheduler";
import { sdkShardLister } from "../../../consumers/kcl/shard-sync";
import { createTableInput, TABLES } from "../../../consumers/tables/table-definitions";
import type { RunningService } from "../../../local/emulators/child-service";
import { startDynalite } from "../../../local/emulators/dynamodb-emulators";
import { startKinesisLocal } from "../../../local/emulators/kinesis-emulators";
import { createTableAndWait, ensureStream } from "../../../local/stack/bootstrap";

const waitFor = async (what: string, ok: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe("KCL scheduler on kinesis-local and dynalite", function () {
  this.timeout(120_000);
  let kinesisEmu: RunningService;
  let dynamoEmu: RunningService;
  let kinesis: KinesisClient;
  let dynamo: DynamoDBClient;
  const stream = "kcl-balance";
  const table = "kcl-balance-leases";
  const processed = new Map<string, string>();
  const shutdowns: string[] = [];
  const workers: Scheduler[] = [];

  const processor =
    (workerId: string) =>
    (shardId: string): RecordProcessor => ({
      initialize: async () => {},
      processRecords: async ({ records, checkpointer }) => {
        for (const r of records) processed.set(Buffer.from(r.data).toString(), `${workerId}/${shardId}`);
        await checkpointer.checkpoint();
      },
      leaseLost: async () => {},
      shardEnded: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
      shutdownRequested: async ({ checkpointer }) => {
        shutdowns.push(shardId);
        await checkpointer.checkpoint();
      },
    });

  const worker = (id: string) =>
    new Scheduler({
      config: kclConfig({
        streamName: stream,
        workerId: id,
        failoverTimeMillis: 3000,
        takeIntervalMillis: 400,
        idleTimeBetweenReadsMillis: 200,
        maxLeasesToStealAtOneTime: 2,
      }),
      refresher: new DynamoDbLeaseRefresher(dynamo, table),
      lister: sdkShardLister(kinesis),
      reader: sdkKinesisReadPort(kinesis),
      processors: processor(id),
    });

  before(async () => {
    [kinesisEmu, dynamoEmu] = await Promise.all([startKinesisLocal(), startDynalite()]);
    kinesis = kinesisClient(localAwsConfig({ kinesis: kinesisEmu.endpoint }));
    dynamo = new DynamoDBClient(clientOptions(localAwsConfig({ dynamodb: dynamoEmu.endpoint }), "dynamodb"));
    await ensureStream(kinesis, stream, 8);
    const def = TABLES.find((t) => t.nameKey === "leaseTable");
    await createTableAndWait(
      dynamo,
      createTableInput(def!, { ...resourceNames("local"), leaseTable: table }),
    );
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.shutdown()));
    kinesis?.destroy();
    dynamo?.destroy();
    await Promise.all([kinesisEmu?.stop(), dynamoEmu?.stop()]);
  });

  const put = async (from: number, count: number) => {
    for (let i = from; i < from + count; i += 500) {
      const n = Math.min(500, from + count - i);
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: stream,
          Records: Array.from({ length: n }, (_, k) => ({
            Data: Buffer.from(`record-${i + k}`),
            PartitionKey: `route-${(i + k) % 97}`,
          })),
        }),
      );
    }
  };

  it("balances 8 shards over 3 workers to 2-3 leases each and processes every record", async () => {
    await put(0, 1000);
    for (const id of ["w1", "w2", "w3"]) {
      const w = worker(id);
      workers.push(w);
      await w.start();
    }
    await waitFor(
      "balance",
      () =>
        workers.every((w) => w.shards().length >= 2 && w.shards().length <= 3) &&
        workers.reduce((n, w) => n + w.shards().length, 0) === 8,
      30_000,
    );
    await put(1000, 1000);
    await waitFor("all 2000 records", () => processed.size === 2000, 30_000);
    const owners = new Set(workers.flatMap((w) => w.shards()));
    expect(owners.size).to.equal(8);
    // Each owner's metrics say when it last checkpointed its shards (the dashboard shows the age). A record
    // counts as processed before its batch's checkpoint returns (under load, the last ones were still out):
    // wait for them; one that never comes fails below, naming its shard.
    const checkpointAt = (w: Scheduler, shard: string) =>
      w.metrics.snapshot().shards[shard]?.lastCheckpointAt;
    const checkpointedAll = () =>
      workers.every((w) => w.shards().every((s) => checkpointAt(w, s) !== undefined));
    await waitFor("every owner's checkpoint of each of its shards", checkpointedAll, 30_000).catch(() => {});
    for (const w of workers)
      for (const shard of w.shards()) expect(checkpointAt(w, shard), shard).to.be.a("number");
  });

  it("hands a gracefully stopped worker's shards to the others within 2 s, after it checkpointed", async () => {
    const leaving = workers.shift() as Scheduler;
    const itsShards = leaving.shards();
    expect(itsShards.length).to.be.at.least(2);
    const released = await leaving.shutdown();
    const at = Date.now();
    expect(released).to.deep.equal(itsShards);
    expect(shutdowns).to.include.members(itsShards);
    await waitFor(
      "hand-off",
      () => itsShards.every((s) => workers.some((w) => w.shards().includes(s))),
      5000,
    );
    expect(Date.now() - at).to.be.below(2000);
    await put(2000, 500);
    await waitFor("records after hand-off", () => processed.size === 2500, 30_000);
  });
});
