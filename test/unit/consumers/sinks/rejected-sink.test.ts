import { BatchWriteItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { decodeRecord } from "../../../../analytics/events";
import {
  DynamoDbRejectedSink,
  MAX_RAW_BYTES_IN_ITEM,
} from "../../../../consumers/sinks/rejected/dynamodb-rejected-sink";
import { type RejectedRecord, sortableSequence } from "../../../../consumers/sinks/rejected/rejected-record";
import { mockedDynamoDb } from "../../../fixtures/mocked-dynamodb";

const rejectedAt = (seq: string, raw = Buffer.from("{bad")): RejectedRecord => {
  const r = decodeRecord(raw);
  if (r.ok) throw new Error("expected rejection");
  return { ...r.rejection, shardId: "shardId-000000000001", sequenceNumber: seq };
};

describe("rejected-events sink (DynamoDB)", () => {
  const { client, ddb } = mockedDynamoDb();

  it("orders sequence numbers numerically once padded", () => {
    expect(sortableSequence("9") < sortableSequence("10")).to.equal(true);
    expect(
      sortableSequence("49590338271490256608559692538361571095921575989136588898", 2) >
        sortableSequence("9", 999),
    ).to.equal(true);
  });

  it("writes 25 items per call and retries only the unprocessed ones", async () => {
    const records = Array.from({ length: 30 }, (_, i) => rejectedAt(String(1000 + i)));
    let call = 0;
    ddb.on(BatchWriteItemCommand).callsFake((input: { RequestItems: Record<string, unknown[]> }) => {
      call++;
      const items = input.RequestItems["rejected"] ?? [];
      // The first call leaves its last 5 items unprocessed, as a throttled table does.
      return call === 1 ? { UnprocessedItems: { rejected: items.slice(20) } } : {};
    });
    const sink = new DynamoDbRejectedSink({ client, tableName: "rejected", sleep: async () => {} });
    await sink.put(records);
    const sizes = ddb
      .commandCalls(BatchWriteItemCommand)
      .map((c) => c.args[0].input.RequestItems?.["rejected"]?.length);
    expect(sizes).to.deep.equal([25, 5, 5]);
  });

  it("keeps code, reason, path and raw bytes, truncating only what DynamoDB cannot hold", () => {
    const sink = new DynamoDbRejectedSink({ client, tableName: "t", now: () => Date.UTC(2026, 10, 22) });
    const item = sink.toItem(rejectedAt("7")).PutRequest?.Item;
    expect(item?.["code"]).to.deep.equal({ S: "invalid_json" });
    expect(item?.["reason"]?.S).to.include("not JSON");
    expect(Buffer.from(item?.["raw"]?.B ?? []).toString()).to.equal("{bad");
    expect(item?.["rawTruncated"]).to.deep.equal({ BOOL: false });
    const huge = sink.toItem(rejectedAt("8", Buffer.alloc(MAX_RAW_BYTES_IN_ITEM + 10, 0x41))).PutRequest
      ?.Item;
    expect(huge?.["raw"]?.B?.byteLength).to.equal(MAX_RAW_BYTES_IN_ITEM);
    expect(huge?.["rawBytes"]).to.deep.equal({ N: String(MAX_RAW_BYTES_IN_ITEM + 10) });
    expect(huge?.["rawTruncated"]).to.deep.equal({ BOOL: true });
  });

  it("fails at once, naming the table, on a non-retryable error", async () => {
    ddb
      .on(BatchWriteItemCommand)
      .rejects(Object.assign(new Error("no table"), { name: "ResourceNotFoundException" }));
    const sink = new DynamoDbRejectedSink({ client, tableName: "rejected", sleep: async () => {} });
    const err = await sink.put([rejectedAt("1")]).catch((e: Error) => e);
    expect((err as Error).message).to.include("rejected-events table rejected: ResourceNotFoundException");
    expect(ddb.commandCalls(BatchWriteItemCommand)).to.have.length(1);
  });

  it("retries a throttled request, then gives up after maxAttempts naming how many were not stored", async () => {
    ddb
      .on(BatchWriteItemCommand)
      .rejects(Object.assign(new Error("slow down"), { name: "ThrottlingException" }));
    const sink = new DynamoDbRejectedSink({
      client,
      tableName: "rejected",
      maxAttempts: 3,
      sleep: async () => {},
    });
    const err = await sink.put([rejectedAt("1"), rejectedAt("2")]).catch((e: Error) => e);
    expect((err as Error).message).to.equal("2 rejected record(s) not stored after 3 attempts");
    expect(ddb.commandCalls(BatchWriteItemCommand)).to.have.length(3);
  });
});
