// A byte string larger than one DynamoDB item (400 KB), stored as numbered binary parts under one
// partition key and a sort-key prefix, described by a head item under the same key: how the shard-state
// table holds hand-offs and state snapshots.
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";

/** Bytes per part, well under DynamoDB's 400 KB item limit. */
export const PART_BYTES = 300_000;
/**
 * Part writes in flight at once. A shard's parts share one partition key, and a partition takes about
 * 1 MB/s of writes: a state of a few parts is written in one round trip, a larger one is paced by that
 * limit (throttled requests are retried by the SDK) as it would be one part at a time.
 */
const PARALLEL_WRITES = 4;

const partKey = (prefix: string, i: number) => `${prefix}part#${String(i).padStart(5, "0")}`;

/**
 * The expiry attribute (DynamoDB TTL in AWS) of shard state written at `nowMs`: a hand-off is read within
 * the stream's retention and a snapshot is rewritten at every checkpoint, so two weeks only clears what
 * finished or quiet shards left.
 */
export const expiresAt = (nowMs: number): AttributeValue => ({
  N: String(Math.floor(nowMs / 1000) + 14 * 24 * 3600),
});

/** How many parts `bytes` takes (at least one, so an empty state still has an item). */
export const partCount = (bytes: Uint8Array): number => Math.max(1, Math.ceil(bytes.length / PART_BYTES));

/** Writes `bytes` as parts `prefix`part#00000…, each with `extra` attributes (the expiry). */
export async function writeParts(
  client: DynamoDBClient,
  tableName: string,
  pk: AttributeValue,
  prefix: string,
  bytes: Uint8Array,
  extra: Record<string, AttributeValue>,
): Promise<number> {
  const parts = partCount(bytes);
  // The parts are independent items (a reader trusts them only once the head names them): a few at a time,
  // so a large state costs a few round trips instead of one per part.
  for (let first = 0; first < parts; first += PARALLEL_WRITES)
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_WRITES, parts - first) }, (_, k) => {
        const i = first + k;
        return client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: {
              pk,
              sk: { S: partKey(prefix, i) },
              body: { B: bytes.subarray(i * PART_BYTES, (i + 1) * PART_BYTES) },
              ...extra,
            },
          }),
        );
      }),
    );
  return parts;
}

/** The parts under `prefix`, in order, concatenated; undefined when their count is not `expected`. */
export async function readParts(
  client: DynamoDBClient,
  tableName: string,
  pk: AttributeValue,
  prefix: string,
  expected: number,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :part)",
        ExpressionAttributeValues: { ":pk": pk, ":part": { S: `${prefix}part#` } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) chunks.push(Buffer.from(item["body"]?.B ?? new Uint8Array()));
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return chunks.length === expected ? Buffer.concat(chunks) : undefined;
}

/** Deletes `parts` parts under `prefix` (25 per request, the unprocessed ones again). */
export async function deleteParts(
  client: DynamoDBClient,
  tableName: string,
  pk: AttributeValue,
  prefix: string,
  parts: number,
): Promise<void> {
  let requests: WriteRequest[] = Array.from({ length: parts }, (_, i) => ({
    DeleteRequest: { Key: { pk, sk: { S: partKey(prefix, i) } } },
  }));
  while (requests.length > 0) {
    const chunk = requests.slice(0, 25);
    requests = requests.slice(25);
    const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: chunk } }));
    requests.push(...(out.UnprocessedItems?.[tableName] ?? []));
  }
}

/** The head item under `pk` (read consistently: it was written after its parts), or undefined. */
export async function readHead(
  client: DynamoDBClient,
  tableName: string,
  pk: AttributeValue,
): Promise<Record<string, AttributeValue> | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { pk, sk: { S: "head" } }, ConsistentRead: true }),
  );
  return out.Item;
}
