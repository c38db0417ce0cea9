import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { resourceNames } from "../../../analytics/resource-names";
import { clientOptions, kinesisClient, localAwsConfig } from "../../../consumers/aws/clients";
import { kclConfig } from "../../../consumers/kcl/config";
import { DynamoDbLeaseRefresher } from "../../../consumers/kcl/dynamodb-lease-refresher";
import type { RecordProcessor } from "../../../consumers/kcl/record-processor";
import { registerStreamConsumer, sdkFanOutPort } from "../../../consumers/kcl/retrieval/fanout-fetcher";
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

describe("KCL scheduler with enhanced fan-out (SubscribeToShard) on kinesis-local", function () {
  this.timeout(120_000);
  let kinesisEmu: RunningService;
  let dynamoEmu: RunningService;
  let kinesis: KinesisClient;
  let dynamo: DynamoDBClient;
  const stream = "kcl-efo";
  const table = "kcl-efo-leases";

  before(async () => {
    [kinesisEmu, dynamoEmu] = await Promise.all([startKinesisLocal(), startDynalite()]);
    kinesis = kinesisClient(localAwsConfig({ kinesis: kinesisEmu.endpoint }));
    dynamo = new DynamoDBClient(clientOptions(localAwsConfig({ dynamodb: dynamoEmu.endpoint }), "dynamodb"));
    await ensureStream(kinesis, stream, 2);
    const def = TABLES.find((t) => t.nameKey === "leaseTable");
    await createTableAndWait(
      dynamo,
      createTableInput(def!, { ...resourceNames("local"), leaseTable: table }),
    );
  });
  after(async () => {
    kinesis?.destroy();
    dynamo?.destroy();
    await Promise.all([kinesisEmu?.stop(), dynamoEmu?.stop()]);
  });

  const put = (from: number, count: number) =>
    kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: Array.from({ length: count }, (_, k) => ({
          Data: Buffer.from(`efo-${from + k}`),
          PartitionKey: `route-${(from + k) % 31}`,
        })),
      }),
    );

  const run = (seen: string[], consumerName: string) =>
    new Scheduler({
      config: kclConfig({
        streamName: stream,
        workerId: "efo-worker",
        failoverTimeMillis: 3000,
        takeIntervalMillis: 300,
      }),
      refresher: new DynamoDbLeaseRefresher(dynamo, table),
      lister: sdkShardLister(kinesis),
      reader: sdkKinesisReadPort(kinesis),
      fanOut: {
        port: sdkFanOutPort(kinesis),
        consumerArn: () => registerStreamConsumer(kinesis, stream, consumerName),
      },
      processors: (): RecordProcessor => ({
        initialize: async () => {},
        processRecords: async ({ records, checkpointer }) => {
          for (const r of records) seen.push(Buffer.from(r.data).toString());
          await checkpointer.checkpoint();
        },
        leaseLost: async () => {},
        shardEnded: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
        shutdownRequested: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
      }),
    });

  it("delivers every record through SubscribeToShard, and a restart resumes after the checkpoint", async () => {
    await put(0, 200);
    const first: string[] = [];
    const a = run(first, "flightpulse-efo");
    await a.start();
    await waitFor("200 records pushed", () => first.length >= 200, 60_000);
    expect(new Set(first).size).to.equal(200);
    await a.shutdown();

    await put(200, 100);
    const second: string[] = [];
    // kinesis-mock keeps a dropped subscription open for its full five minutes (real Kinesis ends it with
    // the connection), so the restarted worker subscribes as a second registered consumer.
    const b = run(second, "flightpulse-efo-2");
    await b.start();
    await waitFor("100 new records", () => second.length >= 100, 60_000);
    await b.shutdown();
    expect(second.sort()).to.deep.equal(Array.from({ length: 100 }, (_, i) => `efo-${200 + i}`).sort());
  });
});
