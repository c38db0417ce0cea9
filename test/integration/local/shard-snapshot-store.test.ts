// The state snapshot store on dynalite: a snapshot larger than one item round-trips in parts; the snapshot
// of the lease's checkpoint survives the next write until a checkpoint moves past it (a refused checkpoint
// loses nothing); a worker whose lease a later owner took can neither claim nor write; a state over the
// limit is refused and writes nothing; a head in another format is refused by name, never misread.
import { type DynamoDBClient, PutItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import {
  DynamoDbShardSnapshotStore,
  ShardSnapshotError,
  ShardSnapshotFencedError,
  ShardSnapshotTooLargeError,
  SNAPSHOT_STORE_FORMAT,
} from "../../../consumers/processor/shard-snapshot-store";
import { dynaliteTable } from "../../fixtures/dynalite-table";

const at = (n: number) => ({ sequenceNumber: `4961${String(n).padStart(40, "0")}`, subSequenceNumber: 0 });
const TRIM = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };
const bytesOf = (label: string, size = 100) => Buffer.from(label.padEnd(size, "."));

describe("DynamoDbShardSnapshotStore (dynalite)", function () {
  this.timeout(30_000);
  const dynalite = dynaliteTable("shardStateTable");
  const { table } = dynalite;
  let client: DynamoDBClient;
  before(() => {
    client = dynalite.client();
  });

  const caught = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e as Error;
    }
    throw new Error("expected a failure");
  };
  const partsStored = async (shardId: string) =>
    (
      await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :gen)",
          ExpressionAttributeValues: { ":pk": { S: `snapshot#${shardId}` }, ":gen": { S: "gen#" } },
          ConsistentRead: true,
        }),
      )
    ).Count;

  it("round-trips a snapshot of several items at its position, and says why there is none elsewhere", async () => {
    // Prepare: ~1 MB, four parts.
    const store = new DynamoDbShardSnapshotStore(client, table);
    const bytes = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => (i * 7) % 256));
    await store.claim("shardId-000000000001", 3);
    // Act
    await store.save("shardId-000000000001", 3, at(10), bytes, TRIM);
    const back = await new DynamoDbShardSnapshotStore(client, table).load("shardId-000000000001", at(10));
    const elsewhere = await store.load("shardId-000000000001", at(11));
    const never = await store.load("shardId-000000000077", at(10));
    // Assess
    expect("bytes" in back && back.bytes.equals(bytes)).to.equal(true);
    expect(await partsStored("shardId-000000000001")).to.equal(4);
    expect("missing" in elsewhere && elsewhere.missing).to.include("the stored ones are at 4961");
    expect("missing" in never && never.missing).to.equal(
      "no state snapshot of shardId-000000000077 was ever written",
    );
  });

  it("keeps the snapshot of the lease's checkpoint until a checkpoint moves past it, and deletes the rest", async () => {
    const store = new DynamoDbShardSnapshotStore(client, table);
    const shard = "shardId-000000000002";
    await store.claim(shard, 1);
    await store.save(shard, 1, at(1), bytesOf("one"), TRIM);
    await store.save(shard, 1, at(2), bytesOf("two"), at(1));
    // The checkpoint at 2 was refused (the lease moved): the lease still says 1, the next write keeps it.
    await store.save(shard, 1, at(3), bytesOf("three"), at(1));
    const load = async (n: number) => {
      const r = await store.load(shard, at(n));
      return "bytes" in r ? r.bytes.toString().replace(/\.+$/, "") : undefined;
    };
    expect([await load(1), await load(2), await load(3)]).to.deep.equal(["one", undefined, "three"]);
    // Accepted at 3: 1 goes.
    await store.save(shard, 1, at(4), bytesOf("four"), at(3));
    expect([await load(1), await load(3), await load(4)]).to.deep.equal([undefined, "three", "four"]);
    expect(await partsStored(shard)).to.equal(2);
  });

  it("fences a worker whose lease a later owner took: it can neither claim nor overwrite the state", async () => {
    const shard = "shardId-000000000003";
    const old = new DynamoDbShardSnapshotStore(client, table);
    const next = new DynamoDbShardSnapshotStore(client, table);
    await old.claim(shard, 4);
    await old.save(shard, 4, at(5), bytesOf("old owner"), TRIM);
    // The lease moves (counter 9) and the new owner claims the shard.
    await next.claim(shard, 9);
    const write = await caught(old.save(shard, 4, at(6), bytesOf("stale"), at(5)));
    const claim = await caught(old.claim(shard, 4));
    await next.save(shard, 9, at(6), bytesOf("new owner"), at(5));
    expect(write).to.be.instanceOf(ShardSnapshotFencedError);
    expect(write.message).to.include("lease counter 9 > 4");
    expect(claim).to.be.instanceOf(ShardSnapshotFencedError);
    const r = await next.load(shard, at(6));
    expect("bytes" in r && r.bytes.toString().startsWith("new owner")).to.equal(true);
    expect(await partsStored(shard)).to.equal(2);
  });

  it("refuses a state over its limit, and writes nothing for it", async () => {
    const store = new DynamoDbShardSnapshotStore(client, table, Date.now, 1_000);
    const e = await caught(store.save("shardId-000000000004", 1, at(1), bytesOf("big", 1_001), TRIM));
    expect(e).to.be.instanceOf(ShardSnapshotTooLargeError);
    expect(e.message).to.match(/is 1001 bytes, over the 1000-byte limit/);
    expect(await partsStored("shardId-000000000004")).to.equal(0);
  });

  it("refuses a head in another format, naming it and the way out", async () => {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: "snapshot#shardId-000000000005" },
          sk: { S: "head" },
          format: { N: String(SNAPSHOT_STORE_FORMAT + 1) },
          fence: { N: "1" },
        },
      }),
    );
    const e = await caught(new DynamoDbShardSnapshotStore(client, table).load("shardId-000000000005", at(1)));
    expect(e).to.be.instanceOf(ShardSnapshotError);
    expect((e as ShardSnapshotError).retryable).to.equal(false);
    expect(e.message).to.include(
      `format ${SNAPSHOT_STORE_FORMAT + 1}, and this build reads format ${SNAPSHOT_STORE_FORMAT}`,
    );
  });
});
