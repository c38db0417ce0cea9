// Where a reshard's parent leaves its demand hand-off (ShardHandoffState) for its children: DynamoDB, a
// head item and the state's JSON in binary parts under the parent's shard id, so a state larger than one
// item (400 KB) still fits. The parent writes it before it checkpoints SHARD_END, and children start
// only after that checkpoint, so a child always finds it. Writes are idempotent (the same parent always
// hands off the same state), so a worker that lost the lease while writing does no harm.
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { ShardHandoffState } from "../../analytics/demand/stream-items";
import { isPermanentAwsError } from "../aws/permanent-errors";
import { readParts, writeParts } from "./state-parts";

/** The layout this build writes and reads; a head of another version is refused, never misread. */
export const HANDOFF_FORMAT = 1;
/** The largest state handed off: 64 MB is ten minutes of ids at 10,000 events/s on one shard. */
export const MAX_HANDOFF_BYTES = 64 * 1024 * 1024;
/** Children start within the stream's retention; the items expire a week later (DynamoDB TTL in AWS). */
const KEEP_SECONDS = 14 * 24 * 3600;

export class ShardHandoffError extends Error {
  readonly code = "SHARD_HANDOFF";
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.name = "ShardHandoffError";
    this.retryable = options?.retryable ?? !isPermanentAwsError(options?.cause);
  }
}

/** A state over MAX_HANDOFF_BYTES: the children start without it rather than never. */
export class ShardHandoffTooLargeError extends ShardHandoffError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = "ShardHandoffTooLargeError";
  }
}

export interface ShardHandoffStore {
  save(shardId: string, state: ShardHandoffState): Promise<void>;
  /** The state the shard handed off, or undefined when it left none (it ended under an older build). */
  load(shardId: string): Promise<ShardHandoffState | undefined>;
}

const pk = (shardId: string): AttributeValue => ({ S: `handoff#${shardId}` });

function parse(shardId: string, bytes: Buffer): ShardHandoffState {
  const state = JSON.parse(bytes.toString("utf8")) as ShardHandoffState;
  const ok =
    typeof state?.watermarkMs === "number" &&
    Array.isArray(state.panes) &&
    state.panes.every((p) => typeof p?.paneStart === "number" && Array.isArray(p.eventIds));
  if (!ok) throw new ShardHandoffError(`the hand-off of ${shardId} is malformed`, { retryable: false });
  return state;
}

export class DynamoDbShardHandoffStore implements ShardHandoffStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
    private readonly maxBytes = MAX_HANDOFF_BYTES,
  ) {}

  async save(shardId: string, state: ShardHandoffState): Promise<void> {
    // JSON has no -Infinity (the watermark of a parent that saw no event): the earliest Date stands in.
    const bytes = Buffer.from(
      JSON.stringify({ ...state, watermarkMs: Math.max(state.watermarkMs, -8.64e15) }),
    );
    if (bytes.length > this.maxBytes)
      throw new ShardHandoffTooLargeError(
        `the hand-off of ${shardId} is ${bytes.length} bytes, over the ${this.maxBytes}-byte limit: its children start without it, so re-sends of its last events may count twice in their panes`,
      );
    const expiresAt = { N: String(Math.floor(this.now() / 1000) + KEEP_SECONDS) };
    try {
      const parts = await writeParts(this.client, this.tableName, pk(shardId), "", bytes, { expiresAt });
      // The head last: a reader that finds it finds every part.
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: pk(shardId),
            sk: { S: "head" },
            format: { N: String(HANDOFF_FORMAT) },
            parts: { N: String(parts) },
            bytes: { N: String(bytes.length) },
            writtenAt: { S: new Date(this.now()).toISOString() },
            expiresAt,
          },
        }),
      );
    } catch (e) {
      throw new ShardHandoffError(`writing the hand-off of ${shardId} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  async load(shardId: string): Promise<ShardHandoffState | undefined> {
    try {
      const head = (
        await this.client.send(
          new GetItemCommand({
            TableName: this.tableName,
            Key: { pk: pk(shardId), sk: { S: "head" } },
            ConsistentRead: true,
          }),
        )
      ).Item;
      if (head === undefined) return undefined;
      const format = Number(head["format"]?.N);
      if (format !== HANDOFF_FORMAT)
        throw new ShardHandoffError(
          `the hand-off of ${shardId} is in format ${head["format"]?.N ?? "(none)"}, and this build reads format ${HANDOFF_FORMAT}: run the build that wrote it until the reshard's children have started, or delete the item to start them without it`,
          { retryable: false },
        );
      const parts = Number(head["parts"]?.N);
      const bytes = await readParts(this.client, this.tableName, pk(shardId), "", parts);
      if (bytes === undefined)
        throw new ShardHandoffError(`the hand-off of ${shardId} lacks some of its ${parts} parts`, {
          retryable: false,
        });
      return parse(shardId, bytes);
    } catch (e) {
      if (e instanceof ShardHandoffError) throw e;
      throw new ShardHandoffError(`reading the hand-off of ${shardId} failed: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
}
