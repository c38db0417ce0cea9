import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { resourceNames } from "../../../analytics/resource-names";
import { clientOptions, kinesisClient, localAwsConfig } from "../../../consumers/aws/clients";
import { kclConfig } from "../../../consumers/kcl/config";
import { DynamoDbLeaseRefresher } from "../../../consumers/kcl/dynamodb-lease-refresher";
import type { LeaseRefresher } from "../../../consumers/kcl/lease-refresher";
import type { RecordProcessor } from "../../../consumers/kcl/record-processor";
import { sdkKinesisReadPort } from "../../../consumers/kcl/retrieval/kinesis-read-port";
import { aggregate } from "../../../consumers/kcl/retrieval/kpl-aggregation";
import { Scheduler } from "../../../consumers/kcl/scheduler";
import { sdkShardLister } from "../../../consumers/kcl/shard-sync";
import { createTableInput, TABLES } from "../../../consumers/tables/table-definitions";
import type { RunningService } from "../../../local/emulators/child-service";
import { startDynalite } from "../../../local/emulators/dynamodb-emulators";
import { startKinesisLocal } from "../../../local/emulators/kinesis-emulators";
import { createTableAndWait, ensureStream } from "../../../local/stack/bootstrap";

const FAILOVER = 3000;
const TAKE = 400;

const waitFor = async (what: string, ok: () => boolean, ms: number) => {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** A lease table connection that can be cut, as a crashed or partitioned worker's would be. */
function severable(inner: LeaseRefresher) {
  let cut = false;
  const guard = <T>(f: () => Promise<T>) =>
    cut ? Promise.reject(Object.assign(new Error("connection lost"), { name: "NetworkingError" })) : f();
  const refresher: LeaseRefresher = {
    createLeaseIfNotExists: (l) => guard(() => inner.createLeaseIfNotExists(l)),
    getLease: (k) => guard(() => inner.getLease(k)),
    listLeases: () => guard(() => inner.listLeases()),
    renewLease: (l) => guard(() => inner.renewLease(l)),
    takeLease: (l, o) => guard(() => inner.takeLease(l, o)),
    evictLease: (l) => guard(() => inner.evictLease(l)),
    checkpoint: (l, c) => guard(() => inner.checkpoint(l, c)),
    updateChildShards: (l, c) => guard(() => inner.updateChildShards(l, c)),
    deleteLease: (l) => guard(() => inner.deleteLease(l)),
  };
  return {
    refresher,
    cut: () => {
      cut = true;
    },
  };
}

describe("KCL scheduler: abrupt failure, resharding, aggregated records", function () {
  this.timeout(120_000);
  let kinesisEmu: RunningService;
  let dynamoEmu: RunningService;
  let kinesis: KinesisClient;
  let dynamo: DynamoDBClient;
  let tables = 0;
  const running: Scheduler[] = [];

  before(async () => {
    [kinesisEmu, dynamoEmu] = await Promise.all([startKinesisLocal(), startDynalite()]);
    kinesis = kinesisClient(localAwsConfig({ kinesis: kinesisEmu.endpoint }));
    dynamo = new DynamoDBClient(clientOptions(localAwsConfig({ dynamodb: dynamoEmu.endpoint }), "dynamodb"));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((w) => w.shutdown().catch(() => [])));
  });
  after(async () => {
    kinesis?.destroy();
    dynamo?.destroy();
    await Promise.all([kinesisEmu?.stop(), dynamoEmu?.stop()]);
  });

  async function fresh(stream: string, shards: number) {
    await ensureStream(kinesis, stream, shards);
    const table = `leases-${++tables}`;
    const def = TABLES.find((t) => t.nameKey === "leaseTable");
    await createTableAndWait(
      dynamo,
      createTableInput(def!, { ...resourceNames("local"), leaseTable: table }),
    );
    return table;
  }

  function worker(
    stream: string,
    table: string,
    id: string,
    processors: (shardId: string) => RecordProcessor,
    refresher?: LeaseRefresher,
  ) {
    const w = new Scheduler({
      config: kclConfig({
        streamName: stream,
        workerId: id,
        failoverTimeMillis: FAILOVER,
        takeIntervalMillis: TAKE,
        idleTimeBetweenReadsMillis: 200,
        shardSyncIntervalMillis: 1000,
      }),
      refresher: refresher ?? new DynamoDbLeaseRefresher(dynamo, table),
      lister: sdkShardLister(kinesis),
      reader: sdkKinesisReadPort(kinesis),
      processors,
    });
    running.push(w);
    return w;
  }

  const simple =
    (seen: Map<string, string>, events?: { first: Map<string, number>; ended: Map<string, number> }) =>
    (shardId: string): RecordProcessor => ({
      initialize: async () => {},
      processRecords: async ({ records, checkpointer }) => {
        if (records.length > 0 && events !== undefined && !events.first.has(shardId))
          events.first.set(shardId, Date.now());
        for (const r of records) seen.set(Buffer.from(r.data).toString(), shardId);
        await checkpointer.checkpoint();
      },
      leaseLost: async () => {},
      shardEnded: async ({ checkpointer }) => {
        await checkpointer.checkpoint();
        events?.ended.set(shardId, Date.now());
      },
      shutdownRequested: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
    });

  const put = (stream: string, from: number, count: number, key = (i: number) => `route-${i % 97}`) =>
    kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: count }, (_, k) => ({
          Data: Buffer.from(`record-${from + k}`),
          PartitionKey: key(from + k),
        })),
      }),
    );

  it("resumes an abruptly failed worker's shards on the others within failover time plus one take interval", async () => {
    const table = await fresh("kcl-abrupt", 4);
    const seen = new Map<string, string>();
    const cut = severable(new DynamoDbLeaseRefresher(dynamo, table));
    const doomed = worker("kcl-abrupt", table, "doomed", simple(seen), cut.refresher);
    const survivor = worker("kcl-abrupt", table, "survivor", simple(seen));
    await doomed.start();
    await survivor.start();
    await waitFor("2 + 2", () => doomed.shards().length === 2 && survivor.shards().length === 2, 20_000);
    const lost = doomed.shards();
    cut.cut();
    const at = Date.now();
    await waitFor("take-over", () => lost.every((s) => survivor.coordinator.holds(s)), 15_000);
    const took = Date.now() - at;
    // Expiry counts from the last renewal others saw, up to one renew interval (failover / 3) before the cut.
    expect(took).to.be.at.least(FAILOVER - FAILOVER / 3 - TAKE);
    expect(took).to.be.below(FAILOVER + TAKE + 1500);
    await put("kcl-abrupt", 0, 400);
    await waitFor("records on the survivor", () => seen.size === 400, 20_000);
  });

  it("reads parents to SHARD_END before any child record, across a split and a merge, losing nothing", async () => {
    const stream = "kcl-reshard";
    const table = await fresh(stream, 3);
    const seen = new Map<string, string>();
    const events = { first: new Map<string, number>(), ended: new Map<string, number>() };
    const w1 = worker(stream, table, "w1", simple(seen, events));
    const w2 = worker(stream, table, "w2", simple(seen, events));
    await w1.start();
    await w2.start();
    await put(stream, 0, 300);
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    const [a, b, c] = shards;
    const mid = (
      (BigInt(a!.HashKeyRange!.StartingHashKey!) + BigInt(a!.HashKeyRange!.EndingHashKey!)) /
      2n
    ).toString();
    await kinesis.send(
      new SplitShardCommand({ StreamName: stream, ShardToSplit: a!.ShardId, NewStartingHashKey: mid }),
    );
    await ensureStream(kinesis, stream, 3);
    await kinesis.send(
      new MergeShardsCommand({
        StreamName: stream,
        ShardToMerge: b!.ShardId,
        AdjacentShardToMerge: c!.ShardId,
      }),
    );
    await ensureStream(kinesis, stream, 3);
    await put(stream, 300, 300);
    await waitFor("all 600 records", () => seen.size === 600, 60_000);
    const all = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    const children = all.filter((s) => s.ParentShardId !== undefined && s.ParentShardId !== null);
    expect(children.length).to.equal(3);
    for (const child of children) {
      const parents = [child.ParentShardId, child.AdjacentParentShardId].filter(
        (p): p is string => typeof p === "string",
      );
      const firstRead = events.first.get(child.ShardId as string);
      expect(firstRead, `${child.ShardId} was read`).to.be.a("number");
      for (const p of parents) {
        const ended = events.ended.get(p);
        expect(ended, `${p} ended before ${child.ShardId} started`).to.be.a("number");
        expect(firstRead as number).to.be.at.least(ended as number);
      }
    }
    expect(events.ended.size).to.equal(3);
  });

  it("de-aggregates KPL records end to end", async () => {
    const table = await fresh("kcl-kpl", 1);
    const seen = new Map<string, string>();
    const w = worker("kcl-kpl", table, "w", simple(seen));
    await w.start();
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: "kcl-kpl",
        Records: [0, 1, 2].map((batch) => ({
          Data: aggregate(
            Array.from({ length: 50 }, (_, k) => ({
              data: Buffer.from(`agg-${batch * 50 + k}`),
              partitionKey: "LHR-JFK",
            })),
          ),
          PartitionKey: "LHR-JFK",
        })),
      }),
    );
    await waitFor("150 user records", () => seen.size === 150, 20_000);
    expect([...seen.keys()].sort()).to.deep.equal(Array.from({ length: 150 }, (_, i) => `agg-${i}`).sort());
  });
});
