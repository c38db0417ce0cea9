// The reshard hand-off store on dynalite: a state larger than one DynamoDB item round-trips in parts, a
// parent that left none reads as undefined, a head in another format is refused by name, never misread,
// and a state over the limit is refused with the error the processor turns into "start without it".
import { type AttributeValue, type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import {
  DynamoDbShardHandoffStore,
  HANDOFF_FORMAT,
  ShardHandoffError,
  ShardHandoffTooLargeError,
} from "../../../consumers/processor/shard-handoff-store";
import { dynaliteTable } from "../../fixtures/dynalite-table";

describe("DynamoDbShardHandoffStore (dynalite)", function () {
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

  it("round-trips a state of several items, ids with any characters included", async () => {
    // Prepare: ~1 MB of ids over 60 panes, so the state needs four parts.
    const panes = Array.from({ length: 60 }, (_, p) => ({
      paneStart: 1_796_000_000_000 + p * 60_000,
      eventIds: Array.from({ length: 450 }, (_, i) => `evt-${p}-${i}-ü€😀-${"x".repeat(20)}`),
    }));
    const state = { watermarkMs: 1_796_003_570_000, panes };
    const store = new DynamoDbShardHandoffStore(client, table);
    // Act
    await store.save("shardId-000000000007", state);
    const back = await new DynamoDbShardHandoffStore(client, table).load("shardId-000000000007");
    // Assess
    expect(Buffer.byteLength(JSON.stringify(state))).to.be.greaterThan(900_000);
    expect(back).to.deep.equal(state);
  });

  it("reads a shard that left no hand-off as undefined, and keeps a parent that saw no event usable", async () => {
    const store = new DynamoDbShardHandoffStore(client, table);
    expect(await store.load("shardId-000000000099")).to.equal(undefined);
    await store.save("shardId-000000000008", { watermarkMs: Number.NEGATIVE_INFINITY, panes: [] });
    const back = await store.load("shardId-000000000008");
    expect(back?.panes).to.deep.equal([]);
    expect(back?.watermarkMs).to.be.below(-8e15);
  });

  it("refuses a hand-off in another format, naming it and the way out", async () => {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: "handoff#shardId-000000000009" },
          sk: { S: "head" },
          format: { N: String(HANDOFF_FORMAT + 1) },
          parts: { N: "1" },
        },
      }),
    );
    const e = await caught(new DynamoDbShardHandoffStore(client, table).load("shardId-000000000009"));
    expect(e).to.be.instanceOf(ShardHandoffError);
    expect((e as ShardHandoffError).retryable).to.equal(false);
    expect(e.message).to.include(`format ${HANDOFF_FORMAT + 1}, and this build reads formats 1 and 2`);
  });

  it("reads a format-1 hand-off (an older build's: ids and watermark, its panes closed by the parent)", async () => {
    const body = {
      watermarkMs: 1_796_000_000_000,
      panes: [{ paneStart: 1_796_000_000_000, eventIds: ["a"] }],
    };
    const items: Record<string, AttributeValue>[] = [
      { sk: { S: "part#00000" }, body: { B: Buffer.from(JSON.stringify(body)) } },
      { sk: { S: "head" }, format: { N: "1" }, parts: { N: "1" } },
    ];
    for (const item of items)
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: "handoff#shardId-000000000011" }, ...item },
        }),
      );
    expect(await new DynamoDbShardHandoffStore(client, table).load("shardId-000000000011")).to.deep.equal(
      body,
    );
  });

  it("round-trips the routes' open state with the infinities of a shard that never saw a fence", async () => {
    const store = new DynamoDbShardHandoffStore(client, table);
    const state = {
      watermarkMs: 1_000,
      panes: [],
      routes: {
        maxEventTime: 1_030,
        fenceMs: Number.NEGATIVE_INFINITY,
        open: [],
        windows: [],
        cooldown: [["LHR-JFK#demand_surge", 990] as const],
      },
    };
    await store.save("shardId-000000000012", state);
    expect(await store.load("shardId-000000000012")).to.deep.equal(state);
  });

  it("refuses a state over its limit, and writes nothing for it", async () => {
    const store = new DynamoDbShardHandoffStore(client, table, Date.now, 1_000);
    const e = await caught(
      store.save("shardId-000000000010", {
        watermarkMs: 0,
        panes: [{ paneStart: 0, eventIds: Array.from({ length: 100 }, (_, i) => `event-${i}`) }],
      }),
    );
    expect(e).to.be.instanceOf(ShardHandoffTooLargeError);
    expect(e.message).to.match(/is \d+ bytes, over the 1000-byte limit/);
    expect(await store.load("shardId-000000000010")).to.equal(undefined);
  });
});
