import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { KinesisClient, ListShardsCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import type { RunningService } from "../../../local/emulators/child-service";
import { startDynalite, startDynamoDbLocal } from "../../../local/emulators/dynamodb-emulators";
import { startKinesalite, startKinesisLocal } from "../../../local/emulators/kinesis-emulators";
import { PortInUseError } from "../../../local/emulators/ports";
import { createTableAndWait, ensureStream } from "../../../local/stack/bootstrap";
import { readShard } from "../../fixtures/kinesis-shard";

const kinesisSuite = (name: string, start: () => Promise<RunningService>) =>
  describe(`${name}: PutRecords / GetRecords round trip through the SDK`, function () {
    this.timeout(60_000);
    let emulator: RunningService;
    let client: KinesisClient;
    before(async () => {
      emulator = await start();
      client = new KinesisClient(clientOptions(localAwsConfig({ kinesis: emulator.endpoint }), "kinesis"));
    });
    after(async () => {
      client?.destroy();
      await emulator?.stop();
    });

    it("reads back every record put, per shard, in order", async () => {
      await ensureStream(client, "round-trip", 2);
      const records = Array.from({ length: 40 }, (_, i) => ({
        Data: Buffer.from(`record-${i}`),
        PartitionKey: `route-${i % 5}`,
      }));
      const put = await client.send(new PutRecordsCommand({ StreamName: "round-trip", Records: records }));
      expect(put.FailedRecordCount ?? 0).to.equal(0);
      const shards = (await client.send(new ListShardsCommand({ StreamName: "round-trip" }))).Shards ?? [];
      expect(shards).to.have.length(2);
      const read: string[] = [];
      for (const shard of shards) {
        const data = (await readShard(client, "round-trip", shard.ShardId as string)).map((r) => r.data);
        const indexes = data.map((d) => Number(d.split("-")[1]));
        expect(indexes).to.deep.equal([...indexes].sort((a, b) => a - b));
        read.push(...data);
      }
      expect(read.sort()).to.deep.equal(records.map((r) => r.Data.toString()).sort());
    });
  });

kinesisSuite("kinesis-local", () => startKinesisLocal());
kinesisSuite("kinesalite", () => startKinesalite());

const dynamoSuite = (name: string, start: () => Promise<RunningService>) =>
  describe(`${name}: conditional writes fail as DynamoDB's do`, function () {
    this.timeout(60_000);
    let emulator: RunningService;
    let client: DynamoDBClient;
    before(async () => {
      emulator = await start();
      client = new DynamoDBClient(clientOptions(localAwsConfig({ dynamodb: emulator.endpoint }), "dynamodb"));
      // dynalite answers CreateTable before the table takes writes (it failed here on a busy machine).
      await createTableAndWait(client, {
        TableName: "leases",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "leaseKey", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
      });
    });
    after(async () => {
      client?.destroy();
      await emulator?.stop();
    });

    it("applies an UpdateItem whose condition holds and refuses one whose condition fails", async () => {
      await client.send(
        new PutItemCommand({
          TableName: "leases",
          Item: { leaseKey: { S: "shard-0" }, leaseCounter: { N: "1" } },
        }),
      );
      const renew = (expected: string) =>
        client.send(
          new UpdateItemCommand({
            TableName: "leases",
            Key: { leaseKey: { S: "shard-0" } },
            UpdateExpression: "SET leaseCounter = leaseCounter + :one",
            ConditionExpression: "leaseCounter = :expected",
            ExpressionAttributeValues: { ":one": { N: "1" }, ":expected": { N: expected } },
            ReturnValues: "ALL_NEW",
          }),
        );
      const ok = await renew("1");
      expect(ok.Attributes?.["leaseCounter"]).to.deep.equal({ N: "2" });
      const err = await renew("1").catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConditionalCheckFailedException);
    });
  });

dynamoSuite("dynalite", () => startDynalite());
dynamoSuite("DynamoDB Local", () => startDynamoDbLocal());

describe("emulator ports", () => {
  it("refuses a port already taken, naming it and the setting", async () => {
    const holder = await startDynalite();
    try {
      const port = Number(new URL(holder.endpoint).port);
      const err = await startKinesalite({ port }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(PortInUseError);
      expect((err as Error).message).to.include(`port ${port} (--kinesis-port) is already in use`);
    } finally {
      await holder.stop();
    }
  });
});
