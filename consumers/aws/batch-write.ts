// BatchWriteItem for any number of puts: 25 a request (DynamoDB's limit), the items a response leaves
// unprocessed sent again under capped backoff with full jitter. Shared by the writers that have no
// condition to check (rejected events, route baselines already read); each wraps the errors in its own
// typed error.
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from "@aws-sdk/client-dynamodb";

/** Items still unprocessed after every attempt (DynamoDB kept throttling part of the request). */
export class UnprocessedItemsError extends Error {
  constructor(
    readonly count: number,
    readonly attempts: number,
  ) {
    super(`${count} items still unprocessed after ${attempts} attempts`);
    this.name = "UnprocessedItemsError";
  }
}

export interface BatchWriteOptions {
  /** Requests per chunk of 25 items, the first included, before UnprocessedItemsError. */
  readonly maxAttempts: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A failed request to try again like an unprocessed chunk (default: none; the SDK's own retries ran). */
  readonly retryable?: (e: unknown) => boolean;
}

const BATCH_WRITE_ITEMS = 25;

/** Writes `requests`; a failed request that is not `retryable` rejects with the SDK's error. */
export async function batchWriteItems(
  client: DynamoDBClient,
  tableName: string,
  requests: readonly WriteRequest[],
  o: BatchWriteOptions,
): Promise<void> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) {
    let pending = requests.slice(i, i + BATCH_WRITE_ITEMS);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > o.maxAttempts) throw new UnprocessedItemsError(pending.length, o.maxAttempts);
      if (attempt > 1) await sleep(Math.min(5000, 50 * 2 ** attempt) * Math.random());
      try {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
        pending = out.UnprocessedItems?.[tableName] ?? [];
      } catch (e) {
        if (o.retryable?.(e) !== true) throw e;
      }
    }
  }
}
