// The DynamoDB baseline store on dynalite: baselines survive a restart, unread keys are never overwritten.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { applyWindow, baselineBefore } from "../../../analytics/rules/route-baseline";
import { DynamoDbBaselineStore } from "../../../consumers/sinks/baselines/dynamodb-baseline-store";
import { dynaliteTable } from "../../fixtures/dynalite-table";

describe("DynamoDbBaselineStore (dynalite)", function () {
  this.timeout(30_000);
  const dynalite = dynaliteTable("baselineTable");
  const { table } = dynalite;
  let client: DynamoDBClient;
  before(() => {
    client = dynalite.client();
  });

  it("keeps a baseline across a restart, so the replayed window is not learned twice", async () => {
    // Prepare: one worker learns two windows and makes them durable.
    const first = new DynamoDbBaselineStore(client, table);
    await first.load(["LHR-JFK#9"]);
    first.set("LHR-JFK#9", applyWindow(applyWindow(undefined, 60_000, 10, 0.5), 120_000, 20, 0.5));
    await first.flush();
    // Act: a new worker (empty cache) loads it and replays window 120 000, then learns 180 000.
    const second = new DynamoDbBaselineStore(client, table);
    await second.load(["LHR-JFK#9", "LHR-JFK#10"]);
    const replayed = applyWindow(second.get("LHR-JFK#9"), 120_000, 20, 0.5);
    second.set("LHR-JFK#9", applyWindow(replayed, 180_000, 30, 0.5));
    await second.flush();
    // Assess
    const third = new DynamoDbBaselineStore(client, table);
    await third.load(["LHR-JFK#9"]);
    const state = third.get("LHR-JFK#9");
    expect(state?.points.map((p) => p.windowEnd)).to.deep.equal([60_000, 120_000, 180_000]);
    expect(baselineBefore(state, 180_000)?.value).to.equal(15);
    expect(baselineBefore(state, 180_001)?.value).to.equal(22.5);
    expect(second.get("LHR-JFK#10")).to.equal(undefined);
  });

  it("never overwrites a stored baseline it did not read (a key first touched on an idle tick)", async () => {
    const owner = new DynamoDbBaselineStore(client, table);
    await owner.load(["CDG-LHR#3"]);
    owner.set("CDG-LHR#3", applyWindow(undefined, 60_000, 50, 0.5));
    await owner.flush();
    const blind = new DynamoDbBaselineStore(client, table);
    blind.set("CDG-LHR#3", applyWindow(undefined, 120_000, 1, 0.5));
    await blind.flush();
    expect(blind.get("CDG-LHR#3"), "the stale local copy is dropped").to.equal(undefined);
    await blind.load(["CDG-LHR#3"]);
    expect(blind.get("CDG-LHR#3")?.points.map((p) => p.value)).to.deep.equal([50]);
  });

  it("writes every key it read, more than one BatchWriteItem's 25, and each is there for the next owner", async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `FRA-JFK#${i}`);
    const writer = new DynamoDbBaselineStore(client, table);
    await writer.load(keys);
    keys.forEach((k, i) => {
      writer.set(k, applyWindow(undefined, 60_000, i, 0.5));
    });
    await writer.flush();
    const reader = new DynamoDbBaselineStore(client, table);
    await reader.load(keys);
    expect(keys.map((k) => reader.get(k)?.points.map((p) => p.value))).to.deep.equal(keys.map((_, i) => [i]));
  });

  it("keeps a key set again while its write is out dirty, so the next flush makes the new state durable", async () => {
    const store = new DynamoDbBaselineStore(client, table);
    await store.load(["AMS-LHR#1"]);
    store.set("AMS-LHR#1", applyWindow(undefined, 60_000, 10, 0.5));
    const flushing = store.flush();
    // Another shard's batch learns a window while this checkpoint's flush is under way.
    store.set("AMS-LHR#1", applyWindow(store.get("AMS-LHR#1"), 120_000, 20, 0.5));
    await flushing;
    await store.flush();
    const reader = new DynamoDbBaselineStore(client, table);
    await reader.load(["AMS-LHR#1"]);
    expect(reader.get("AMS-LHR#1")?.points.map((p) => p.windowEnd)).to.deep.equal([60_000, 120_000]);
  });
});
