// The route baselines' durable home: DynamoDB, one item per route and hour of week. The analytics read the
// baseline synchronously (the pipeline is pure), so this adapter is a cache in front of the table: the
// processor loads the keys a batch can touch before feeding it, and writes the changed ones back before
// every checkpoint, so a restart replays from a checkpoint with the baselines that went with it.
import { type AttributeValue, type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { BaselinePoint, BaselineState, BaselineStore } from "../../../analytics/rules/route-baseline";
import { batchGetItems, UnprocessedKeysError } from "../../aws/batch-get";
import { batchWriteItems, UnprocessedItemsError } from "../../aws/batch-write";
import { isPermanentAwsError } from "../../aws/permanent-errors";

export class BaselineStoreError extends Error {
  readonly code = "BASELINE_STORE";
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BaselineStoreError";
    this.retryable = !isPermanentAwsError(options?.cause);
  }
}

/** The table's sort key holds the item format, so a later layout can live beside this one. */
const SK = { S: "v1" };

type Encoded = [windowEnd: number, value: number, samples: number][];

const encode = (s: BaselineState): string =>
  JSON.stringify(s.points.map((p): Encoded[number] => [p.windowEnd, p.value, p.samples]));
const decode = (raw: string): BaselineState => ({
  points: (JSON.parse(raw) as Encoded).map(
    ([windowEnd, value, samples]): BaselinePoint => ({ windowEnd, value, samples }),
  ),
});

export class DynamoDbBaselineStore implements BaselineStore {
  private readonly states = new Map<string, BaselineState>();
  /** Keys read from the table (present or known absent). */
  private readonly loaded = new Set<string>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly maxAttempts = 8,
  ) {}

  get(key: string): BaselineState | undefined {
    return this.states.get(key);
  }

  set(key: string, state: BaselineState): void {
    this.states.set(key, state);
    this.dirty.add(key);
  }

  /** Reads the keys not read yet (BatchGetItem, 100 a call, unprocessed keys retried). */
  async load(keys: Iterable<string>): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !this.loaded.has(k));
    try {
      await batchGetItems(
        this.client,
        this.tableName,
        missing.map((pk) => ({ pk: { S: pk }, sk: SK })),
        {
          maxAttempts: this.maxAttempts,
          onResponse: (items, requested, unprocessed) => {
            for (const item of items) {
              const pk = item["pk"]?.S;
              const points = item["points"]?.S;
              if (pk !== undefined && points !== undefined && !this.dirty.has(pk))
                this.states.set(pk, decode(points));
            }
            const left = new Set(unprocessed.map((k) => k["pk"]?.S));
            for (const k of requested) {
              const pk = k["pk"]?.S as string;
              if (!left.has(pk)) this.loaded.add(pk);
            }
          },
        },
      );
    } catch (e) {
      if (e instanceof UnprocessedKeysError)
        throw new BaselineStoreError(
          `${e.count} baseline keys still unprocessed after ${e.attempts} attempts`,
        );
      throw new BaselineStoreError(`reading baselines failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Writes every changed baseline. Keys read from the table are overwritten together (BatchWriteItem, 25 a
   * request: a checkpoint's dozen or more keys in one request, not one each); a key that was never read is
   * only created, never overwritten (a conditional PutItem of its own).
   */
  async flush(): Promise<void> {
    type Write = { pk: string; points: string; item: Record<string, AttributeValue> };
    const read: Write[] = [];
    const blind: Write[] = [];
    const updatedAt = new Date().toISOString();
    for (const pk of this.dirty) {
      const state = this.states.get(pk);
      if (state === undefined) continue;
      const points = encode(state);
      const item = { pk: { S: pk }, sk: SK, points: { S: points }, updatedAt: { S: updatedAt } };
      (this.loaded.has(pk) ? read : blind).push({ pk, points, item });
    }
    await Promise.all([this.overwrite(read), ...blind.map((w) => this.create(w.pk, w.item))]);
    // A key that learned a window while its write was out (another shard's batch during this checkpoint's
    // flush) stays dirty: its new state is not durable yet, and the next flush must write it. Compared by
    // content: a state learns in place.
    for (const { pk, points } of [...read, ...blind]) {
      const now = this.states.get(pk);
      if (now === undefined || encode(now) === points) this.dirty.delete(pk);
    }
  }

  private async overwrite(writes: readonly { item: Record<string, AttributeValue> }[]): Promise<void> {
    if (writes.length === 0) return;
    try {
      await batchWriteItems(
        this.client,
        this.tableName,
        writes.map((w) => ({ PutRequest: { Item: w.item } })),
        { maxAttempts: this.maxAttempts },
      );
    } catch (e) {
      if (e instanceof UnprocessedItemsError)
        throw new BaselineStoreError(`${e.count} baselines still unprocessed after ${e.attempts} attempts`);
      throw new BaselineStoreError(`writing baselines failed: ${(e as Error).message}`, { cause: e });
    }
  }

  private async create(pk: string, item: Record<string, AttributeValue>): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      this.loaded.add(pk);
    } catch (e) {
      if ((e as Error).name === "ConditionalCheckFailedException") {
        // Someone else's history exists: keep it, and read it the next time this key is needed.
        this.states.delete(pk);
      } else {
        throw new BaselineStoreError(`writing baseline ${pk} failed: ${(e as Error).message}`, { cause: e });
      }
    }
  }
}
