// BatchGetItem for any number of keys: 100 a request (DynamoDB's limit), the keys a response leaves
// unprocessed asked again with backoff. Shared by the stores that read a batch's keys together (route
// baselines, seat manifests); each wraps the errors in its own typed error.
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";

type Key = Record<string, AttributeValue>;

/** Keys still unprocessed after every attempt (DynamoDB kept throttling part of the request). */
export class UnprocessedKeysError extends Error {
  constructor(
    readonly count: number,
    readonly attempts: number,
  ) {
    super(`${count} keys still unprocessed after ${attempts} attempts`);
    this.name = "UnprocessedKeysError";
  }
}

export interface BatchGetOptions {
  readonly consistentRead?: boolean;
  /** Requests per chunk of 100 keys, the first included, before UnprocessedKeysError. */
  readonly maxAttempts: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Each response: the items found, the keys it was asked for, and those it left for another attempt. */
  readonly onResponse: (items: Key[], requested: readonly Key[], unprocessed: readonly Key[]) => void;
}

const BATCH_GET_KEYS = 100;

/** Reads `keys`; a failed request rejects with the SDK's error, for the caller to wrap. */
export async function batchGetItems(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Key[],
  o: BatchGetOptions,
): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    let requested = keys.slice(i, i + BATCH_GET_KEYS);
    for (let attempt = 1; requested.length > 0; attempt++) {
      if (attempt > o.maxAttempts) throw new UnprocessedKeysError(requested.length, o.maxAttempts);
      const out: BatchGetItemCommandOutput = await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: requested,
              ...(o.consistentRead === true ? { ConsistentRead: true } : {}),
            },
          },
        }),
      );
      const unprocessed = (out.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
      o.onResponse(out.Responses?.[tableName] ?? [], requested, unprocessed);
      requested = unprocessed;
      if (requested.length > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
    }
  }
}
