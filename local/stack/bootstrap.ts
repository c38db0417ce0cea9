// Creates the local stack's streams, tables and topics under the names the Pulumi stacks use (stack
// "local"). Idempotent: what exists is left alone, so a restart on a data dir keeps its data.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ResourceInUseException as StreamInUse,
} from "@aws-sdk/client-kinesis";
import { CreateTopicCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { ResourceNames } from "../../analytics/resource-names";
import { createTableInput, TABLES } from "../../consumers/tables/table-definitions";

export interface BootstrapOptions {
  readonly names: ResourceNames;
  readonly bookingShards: number;
  readonly insightsShards?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates a stream with `shards` shards if missing and waits until it is ACTIVE. */
export async function ensureStream(
  kinesis: KinesisClient,
  name: string,
  shards: number,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (e) {
    if (!(e instanceof StreamInUse) && (e as Error).name !== "ResourceInUseException") throw e;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === "ACTIVE") return;
    if (Date.now() > deadline) throw new Error(`stream ${name} not ACTIVE after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export async function ensureTables(dynamodb: DynamoDBClient, names: ResourceNames): Promise<void> {
  await Promise.all(TABLES.map((def) => createTableAndWait(dynamodb, createTableInput(def, names))));
}

/**
 * Creates a table (an existing one is fine) and waits until it is ACTIVE: emulators, dynalite included,
 * answer CreateTable before the table takes writes.
 */
export async function createTableAndWait(
  dynamodb: DynamoDBClient,
  input: CreateTableCommandInput,
): Promise<void> {
  try {
    await dynamodb.send(new CreateTableCommand(input));
  } catch (e) {
    if (!(e instanceof ResourceInUseException) && (e as Error).name !== "ResourceInUseException") throw e;
  }
  for (let i = 0; i < 300; i++) {
    const d = await dynamodb.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (d.Table?.TableStatus === "ACTIVE") return;
    await sleep(100);
  }
  throw new Error(`table ${input.TableName} did not become ACTIVE`);
}

export async function ensureTopics(
  sns: SNSClient,
  names: ResourceNames,
): Promise<{ demand: string; operations: string }> {
  const [demand, operations] = await Promise.all(
    [names.demandAlertsTopic, names.operationsTopic].map(
      async (Name) => (await sns.send(new CreateTopicCommand({ Name }))).TopicArn as string,
    ),
  );
  return { demand: demand as string, operations: operations as string };
}

export async function bootstrap(
  clients: { kinesis: KinesisClient; dynamodb: DynamoDBClient; sns: SNSClient },
  options: BootstrapOptions,
): Promise<{ topics: { demand: string; operations: string } }> {
  const [, , topics] = await Promise.all([
    Promise.all([
      ensureStream(clients.kinesis, options.names.bookingStream, options.bookingShards),
      ensureStream(clients.kinesis, options.names.insightsStream, options.insightsShards ?? 1),
    ]),
    ensureTables(clients.dynamodb, options.names),
    ensureTopics(clients.sns, options.names),
  ]);
  return { topics };
}
