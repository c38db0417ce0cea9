// BatchGetItem's partial answers (UnprocessedKeys) are AWS-only: nothing local throttles part of a batch.
import { BatchGetItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { batchGetItems, UnprocessedKeysError } from "../../../consumers/aws/batch-get";
import { mockedDynamoDb } from "../../fixtures/mocked-dynamodb";

const key = (n: number) => ({ pk: { S: `k${n}` } });

describe("batchGetItems", () => {
  const { client, ddb } = mockedDynamoDb();

  it("asks 100 keys a request, and again for the keys a response left unprocessed", async () => {
    // The first request answers all but k7; every other request answers everything it is asked.
    ddb
      .on(BatchGetItemCommand)
      .callsFake((input: { RequestItems: Record<string, { Keys: { pk: { S: string } }[] }> }) => {
        const keys = input.RequestItems["t"]?.Keys ?? [];
        const first = ddb.commandCalls(BatchGetItemCommand).length === 1;
        const left = first ? keys.filter((k) => k.pk.S === "k7") : [];
        return {
          Responses: { t: keys.filter((k) => !left.includes(k)).map((k) => ({ ...k, v: { S: "x" } })) },
          UnprocessedKeys: left.length > 0 ? { t: { Keys: left } } : {},
        };
      });
    const found: string[] = [];
    const waits: number[] = [];
    const answered: string[] = [];
    await batchGetItems(
      client,
      "t",
      Array.from({ length: 150 }, (_, n) => key(n)),
      {
        consistentRead: true,
        maxAttempts: 3,
        sleep: async (ms) => void waits.push(ms),
        onResponse: (items, requested, unprocessed) => {
          found.push(...items.map((i) => i["pk"]?.S as string));
          const left = new Set(unprocessed.map((k) => k["pk"]?.S));
          answered.push(...requested.map((k) => k["pk"]?.S as string).filter((pk) => !left.has(pk)));
        },
      },
    );
    const calls = ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems?.["t"]);
    expect(calls.map((c) => c?.Keys?.length)).to.deep.equal([100, 1, 50]);
    expect(calls.every((c) => c?.ConsistentRead === true)).to.equal(true);
    expect(waits).to.deep.equal([50]);
    expect(new Set(found).size).to.equal(150);
    expect(answered.sort()).to.deep.equal(found.sort());
  });

  it("gives up with UnprocessedKeysError when keys stay unprocessed", async () => {
    ddb
      .on(BatchGetItemCommand)
      .resolves({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: [key(1)] } } });
    const err = await batchGetItems(client, "t", [key(1)], {
      maxAttempts: 3,
      sleep: async () => {},
      onResponse: () => {},
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(UnprocessedKeysError);
    expect(err).to.include({ count: 1, attempts: 3 });
    expect(ddb.commandCalls(BatchGetItemCommand)).to.have.length(3);
  });
});
