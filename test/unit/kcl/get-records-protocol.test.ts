// The Kinesis client's GetRecords reader against the SDK's own: the same output for the same response bytes,
// pages it does not read handed to the SDK, errors the SDK's.
import { GetRecords$, GetShardIterator$, KinesisClient } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import {
  KinesisJsonProtocol,
  readGetRecordsPage,
} from "../../../consumers/kcl/retrieval/get-records-protocol";

/** Either client's protocol: ours extends the SDK's AwsJson1_1Protocol. */
type Protocol = KinesisJsonProtocol;
type Operation = Parameters<Protocol["deserializeResponse"]>[0];

const client = (fast: boolean) =>
  new KinesisClient({
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    ...(fast ? { protocol: KinesisJsonProtocol } : {}),
  });
const sdk = client(false);
const ours = client(true);

const operation = (schema: typeof GetRecords$): Operation => {
  const [, namespace, name, traits, input, output] = schema;
  return { name, namespace, traits, input, output } as unknown as Operation;
};

/** What a client's protocol makes of a response with this status and body. */
async function read(c: KinesisClient, body: string, statusCode = 200, schema = GetRecords$) {
  const response = {
    statusCode,
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": "req-1",
      ...(statusCode >= 300 ? { "x-amzn-errortype": "ExpiredIteratorException:http://internal" } : {}),
    },
    body: Buffer.from(body),
  };
  const context = { ...c.config } as unknown as Parameters<Protocol["deserializeResponse"]>[1];
  return (c.config.protocol as unknown as Protocol).deserializeResponse(operation(schema), context, response);
}

/** A seeded page: binary data of every length class, arrival times with fractions, optional members. */
function page(seed: number, records: number): Record<string, unknown> {
  let s = seed;
  const next = () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s;
  };
  return {
    Records: Array.from({ length: records }, (_, i) => ({
      SequenceNumber: `4959033827149025660855969253836157109592157598913658${String(i).padStart(4, "0")}`,
      ApproximateArrivalTimestamp: 1_764_806_400 + next() / 1000 + (next() % 1000) / 1e6,
      Data: Buffer.from(Array.from({ length: next() % 700 }, () => next() % 256)).toString("base64"),
      PartitionKey: `LHR-JFK-${next() % 97}`,
      ...(i % 5 === 0 ? { EncryptionType: i % 10 === 0 ? "KMS" : "NONE" } : {}),
    })),
    NextShardIterator: `AAAAAAAAAAH${next().toString(36)}`,
    MillisBehindLatest: next() % 100_000,
    ...(seed % 2 === 0 ? { ChildShards: [] } : {}),
  };
}

describe("GetRecords reader (Kinesis client protocol)", () => {
  after(() => {
    sdk.destroy();
    ours.destroy();
  });

  it("reads every page as the SDK does, record by record", async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const body = JSON.stringify(page(seed, seed * 37));
      expect(readGetRecordsPage(body), `seed ${seed} is read here`).to.not.equal(undefined);
      const [expected, actual] = await Promise.all([read(sdk, body), read(ours, body)]);
      expect(actual, `seed ${seed}`).to.deep.equal(expected);
    }
  });

  it("hands pages it does not read to the SDK: a closed shard's children, an unknown member, nulls", async () => {
    const children = {
      ...page(3, 4),
      NextShardIterator: null,
      ChildShards: [
        {
          ShardId: "shardId-000000000004",
          ParentShards: ["shardId-000000000001"],
          HashKeyRange: { StartingHashKey: "0", EndingHashKey: "170141183460469231731687303715884105727" },
        },
      ],
    };
    const unknown = { ...page(5, 3), SomethingNew: { a: 1 } };
    for (const body of [JSON.stringify(children), JSON.stringify(unknown)]) {
      expect(readGetRecordsPage(body)).to.equal(undefined);
      expect(await read(ours, body)).to.deep.equal(await read(sdk, body));
    }
    const nulls = JSON.stringify({ ...page(7, 2), MillisBehindLatest: null, NextShardIterator: null });
    expect(await read(ours, nulls)).to.deep.equal(await read(sdk, nulls));
  });

  it("leaves error responses and other operations to the SDK", async () => {
    const error = JSON.stringify({ __type: "ExpiredIteratorException", message: "Iterator expired" });
    const [a, b] = await Promise.all([
      read(sdk, error, 400).catch((e: Error) => e),
      read(ours, error, 400).catch((e: Error) => e),
    ]);
    expect((b as Error).name).to.equal("ExpiredIteratorException");
    expect([(b as Error).name, (b as Error).message]).to.deep.equal([
      (a as Error).name,
      (a as Error).message,
    ]);
    const iterator = JSON.stringify({ ShardIterator: "AAAA" });
    expect(await read(ours, iterator, 200, GetShardIterator$ as typeof GetRecords$)).to.deep.equal(
      await read(sdk, iterator, 200, GetShardIterator$ as typeof GetRecords$),
    );
  });
});
