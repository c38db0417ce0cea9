// Where a reshard's parent leaves its demand hand-off (ShardHandoffState) for its children: DynamoDB, a
// head item and the state's JSON in binary parts under the parent's shard id, so a state larger than one
// item (400 KB) still fits. The parent writes it before it checkpoints SHARD_END, and children start
// only after that checkpoint, so a child always finds it. Writes are idempotent (the same parent always
// hands off the same state), so a worker that lost the lease while writing does no harm.
import { type AttributeValue, type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { decodeState, encodeState } from "../../analytics/demand/shard-snapshot";
import type { ShardHandoffState } from "../../analytics/demand/stream-items";
import { isPermanentAwsError } from "../aws/permanent-errors";
import { expiresAt, readHead, readParts, writeParts } from "./state-parts";

/**
 * The layout this build writes; it reads it and the one before. Format 1 (ids and watermark in plain JSON)
 * is format 2 without the routes' state, whose parent closed its panes and windows itself. A head of any
 * other format is refused, never misread.
 */
export const HANDOFF_FORMAT = 2;
const READABLE_FORMATS = [1, 2];
/** The largest state handed off: 64 MB is ten minutes of ids at 10,000 events/s on one shard. */
export const MAX_HANDOFF_BYTES = 64 * 1024 * 1024;

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
  /** The largest state it stores; without it, parents close their panes and windows and hand off ids only. */
  readonly maxBytes?: number;
  save(shardId: string, state: ShardHandoffState): Promise<void>;
  /** The state the shard handed off, or undefined when it left none (it ended under an older build). */
  load(shardId: string): Promise<ShardHandoffState | undefined>;
}

const pk = (shardId: string): AttributeValue => ({ S: `handoff#${shardId}` });

function parse(shardId: string, bytes: Buffer): ShardHandoffState {
  let state: ShardHandoffState;
  try {
    state = decodeState(bytes) as ShardHandoffState;
  } catch {
    throw new ShardHandoffError(`the hand-off of ${shardId} is not JSON`, { retryable: false });
  }
  const r = state?.routes;
  const ok =
    typeof state?.watermarkMs === "number" &&
    Array.isArray(state.panes) &&
    state.panes.every((p) => typeof p?.paneStart === "number" && Array.isArray(p.eventIds)) &&
    (r === undefined ||
      (typeof r.maxEventTime === "number" &&
        typeof r.fenceMs === "number" &&
        Array.isArray(r.open) &&
        Array.isArray(r.windows) &&
        Array.isArray(r.cooldown)));
  if (!ok) throw new ShardHandoffError(`the hand-off of ${shardId} is malformed`, { retryable: false });
  return state;
}

export class DynamoDbShardHandoffStore implements ShardHandoffStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
    readonly maxBytes = MAX_HANDOFF_BYTES,
  ) {}

  async save(shardId: string, state: ShardHandoffState): Promise<void> {
    const bytes = encodeState(state);
    if (bytes.length > this.maxBytes)
      throw new ShardHandoffTooLargeError(
        `the hand-off of ${shardId} is ${bytes.length} bytes, over the ${this.maxBytes}-byte limit: its children start without it, so re-sends of its last events may count twice in their panes`,
      );
    const expiry = expiresAt(this.now());
    try {
      const parts = await writeParts(this.client, this.tableName, pk(shardId), "", bytes, {
        expiresAt: expiry,
      });
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
            expiresAt: expiry,
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
      const head = await readHead(this.client, this.tableName, pk(shardId));
      if (head === undefined) return undefined;
      const format = Number(head["format"]?.N);
      if (!READABLE_FORMATS.includes(format))
        throw new ShardHandoffError(
          `the hand-off of ${shardId} is in format ${head["format"]?.N ?? "(none)"}, and this build reads formats ${READABLE_FORMATS.join(" and ")}: run the build that wrote it until the reshard's children have started, or delete the item to start them without it`,
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
