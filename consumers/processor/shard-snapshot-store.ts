// Where a shard's demand state snapshot waits for the next owner of its lease: DynamoDB, in the shard-state
// table, a head item per shard and each snapshot's bytes in binary parts under a generation of its own.
//
// Why generations: the processor writes the snapshot, then moves the Kinesis checkpoint to it. If the
// checkpoint is refused (the lease moved meanwhile), the lease's checkpoint is still the previous one, so
// the snapshot of that checkpoint must survive the write of the next. The head names the newest
// snapshot and the one of the last accepted checkpoint; a restore takes the one whose position is the
// checkpoint it resumes from, and parts no head names any more are deleted.
//
// Why a fence: the head carries the highest lease counter that claimed the shard. The owner claims it when
// it takes the lease; each write is conditional on it, so a worker that lost the lease (a lower counter)
// cannot overwrite the new owner's state, even in the moment before it learns it lost the lease.

import { randomUUID } from "node:crypto";
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { isPermanentAwsError } from "../aws/permanent-errors";
import type { ExtendedSequenceNumber } from "../kcl/lease";
import { deleteParts, expiresAt, readHead, readParts, writeParts } from "./state-parts";

/** The item layout this build writes and reads; a head of another layout is refused, never misread. */
export const SNAPSHOT_STORE_FORMAT = 1;
/**
 * The largest snapshot stored: 64 MB is ~1.5 million event ids (the duplicate filter's share, the bulk of
 * it), over an hour of window + lateness at 1,000 events/s on one shard.
 */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

export class ShardSnapshotError extends Error {
  readonly code: string = "SHARD_SNAPSHOT";
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.name = "ShardSnapshotError";
    this.retryable = options?.retryable ?? !isPermanentAwsError(options?.cause);
  }
}

/** A later owner of the lease claimed the shard: this worker's state is stale and must not be written. */
export class ShardSnapshotFencedError extends ShardSnapshotError {
  override readonly code = "SHARD_SNAPSHOT_FENCED";
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = "ShardSnapshotFencedError";
  }
}

/** A snapshot over the limit: the shard checkpoints where a replay rebuilds its state instead. */
export class ShardSnapshotTooLargeError extends ShardSnapshotError {
  override readonly code = "SHARD_SNAPSHOT_TOO_LARGE";
  constructor(shardId: string, bytes: number, maxBytes: number) {
    super(
      `the state snapshot of ${shardId} is ${bytes} bytes, over the ${maxBytes}-byte limit: the shard checkpoints where a replay rebuilds its state, as without snapshots`,
      { retryable: false },
    );
    this.name = "ShardSnapshotTooLargeError";
  }
}

/** "Claimed by a later owner" (`held`: the counter that claimed it, when known). */
const fenced = (shardId: string, fence: number, held?: number) =>
  new ShardSnapshotFencedError(
    `${shardId} was claimed by a later owner of its lease (lease counter ${held === undefined ? `above ${fence}` : `${held} > ${fence}`})`,
  );

export interface StoredSnapshot {
  readonly bytes: Buffer;
  readonly writtenAt: string;
}

export interface ShardSnapshotStore {
  /** Claims the shard for the lease counter `fence`; ShardSnapshotFencedError when a later owner has. */
  claim(shardId: string, fence: number): Promise<void>;
  /**
   * Stores the state at `position`, keeping the snapshot of `checkpointed` (the lease's checkpoint now)
   * until a checkpoint moves past it. ShardSnapshotFencedError after a later owner's claim.
   */
  save(
    shardId: string,
    fence: number,
    position: ExtendedSequenceNumber,
    bytes: Uint8Array,
    checkpointed: ExtendedSequenceNumber,
  ): Promise<void>;
  /** The snapshot taken at `position`, or undefined with why there is none. */
  load(
    shardId: string,
    position: ExtendedSequenceNumber,
  ): Promise<StoredSnapshot | { readonly missing: string }>;
}

interface Generation {
  readonly id: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly parts: number;
  readonly bytes: number;
  readonly writtenAt: string;
}

const pk = (shardId: string): AttributeValue => ({ S: `snapshot#${shardId}` });
const prefix = (gen: string) => `gen#${gen}#`;
const at = (p: ExtendedSequenceNumber) => `${p.sequenceNumber}/${p.subSequenceNumber}`;
const samePosition = (a: ExtendedSequenceNumber, b: ExtendedSequenceNumber) =>
  a.sequenceNumber === b.sequenceNumber && a.subSequenceNumber === b.subSequenceNumber;

const toItem = (g: Generation): AttributeValue => ({
  M: {
    id: { S: g.id },
    sequenceNumber: { S: g.sequenceNumber },
    subSequenceNumber: { N: String(g.subSequenceNumber) },
    parts: { N: String(g.parts) },
    bytes: { N: String(g.bytes) },
    writtenAt: { S: g.writtenAt },
  },
});

const fromItem = (v: AttributeValue | undefined): Generation | undefined => {
  const m = v?.M;
  if (m === undefined) return undefined;
  return {
    id: m["id"]?.S ?? "",
    sequenceNumber: m["sequenceNumber"]?.S ?? "",
    subSequenceNumber: Number(m["subSequenceNumber"]?.N ?? 0),
    parts: Number(m["parts"]?.N ?? 0),
    bytes: Number(m["bytes"]?.N ?? 0),
    writtenAt: m["writtenAt"]?.S ?? "",
  };
};

interface Head {
  readonly fence: number;
  readonly generations: readonly Generation[];
}

export class DynamoDbShardSnapshotStore implements ShardSnapshotStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
    private readonly maxBytes = MAX_SNAPSHOT_BYTES,
  ) {}

  private async head(shardId: string): Promise<Head | undefined> {
    const item = await readHead(this.client, this.tableName, pk(shardId));
    if (item === undefined) return undefined;
    const format = Number(item["format"]?.N);
    if (format !== SNAPSHOT_STORE_FORMAT)
      throw new ShardSnapshotError(
        `the state snapshots of ${shardId} are stored in format ${item["format"]?.N ?? "(none)"}, and this build reads format ${SNAPSHOT_STORE_FORMAT}: delete the item to let the shard resume by replay`,
        { retryable: false },
      );
    return {
      fence: Number(item["fence"]?.N ?? Number.NEGATIVE_INFINITY),
      generations: [fromItem(item["newest"]), fromItem(item["checkpointed"])].filter(
        (g): g is Generation => g !== undefined,
      ),
    };
  }

  private wrap(what: string, shardId: string, e: unknown): ShardSnapshotError {
    if (e instanceof ShardSnapshotError) return e;
    return new ShardSnapshotError(
      `${what} the state snapshot of ${shardId} failed: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }

  async claim(shardId: string, fence: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: pk(shardId), sk: { S: "head" } },
          UpdateExpression: "SET #fence = :f, #format = if_not_exists(#format, :format)",
          ConditionExpression: "attribute_not_exists(#fence) OR #fence <= :f",
          ExpressionAttributeNames: { "#fence": "fence", "#format": "format" },
          ExpressionAttributeValues: {
            ":f": { N: String(fence) },
            ":format": { N: String(SNAPSHOT_STORE_FORMAT) },
          },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) throw fenced(shardId, fence);
      throw this.wrap("claiming", shardId, e);
    }
  }

  async save(
    shardId: string,
    fence: number,
    position: ExtendedSequenceNumber,
    bytes: Uint8Array,
    checkpointed: ExtendedSequenceNumber,
  ): Promise<void> {
    if (bytes.length > this.maxBytes)
      throw new ShardSnapshotTooLargeError(shardId, bytes.length, this.maxBytes);
    try {
      const head = await this.head(shardId);
      if (head !== undefined && head.fence > fence) throw fenced(shardId, fence, head.fence);
      const id = randomUUID();
      const expiry = expiresAt(this.now());
      const parts = await writeParts(this.client, this.tableName, pk(shardId), prefix(id), bytes, {
        expiresAt: expiry,
      });
      const newest: Generation = {
        id,
        sequenceNumber: position.sequenceNumber,
        subSequenceNumber: position.subSequenceNumber,
        parts,
        bytes: bytes.length,
        writtenAt: new Date(this.now()).toISOString(),
      };
      const kept = head?.generations.find((g) => samePosition(g, checkpointed));
      try {
        // The head last, so a reader that finds a generation finds all its parts.
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: {
              pk: pk(shardId),
              sk: { S: "head" },
              format: { N: String(SNAPSHOT_STORE_FORMAT) },
              fence: { N: String(fence) },
              newest: toItem(newest),
              ...(kept !== undefined ? { checkpointed: toItem(kept) } : {}),
              expiresAt: expiry,
            },
            ConditionExpression: "attribute_not_exists(#fence) OR #fence <= :f",
            ExpressionAttributeNames: { "#fence": "fence" },
            ExpressionAttributeValues: { ":f": { N: String(fence) } },
          }),
        );
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        await deleteParts(this.client, this.tableName, pk(shardId), prefix(id), parts).catch(() => {});
        throw fenced(shardId, fence);
      }
      // Generations no head names any more (best effort: the expiry removes what a crash leaves).
      for (const g of head?.generations ?? [])
        if (g !== kept)
          await deleteParts(this.client, this.tableName, pk(shardId), prefix(g.id), g.parts).catch(() => {});
    } catch (e) {
      throw this.wrap("writing", shardId, e);
    }
  }

  async load(
    shardId: string,
    position: ExtendedSequenceNumber,
  ): Promise<StoredSnapshot | { readonly missing: string }> {
    try {
      const head = await this.head(shardId);
      if (head === undefined) return { missing: `no state snapshot of ${shardId} was ever written` };
      const g = head.generations.find((x) => samePosition(x, position));
      if (g === undefined)
        return {
          missing: `no state snapshot of ${shardId} at ${at(position)} (the stored ones are at ${head.generations.map(at).join(", ") || "none"})`,
        };
      const bytes = await readParts(this.client, this.tableName, pk(shardId), prefix(g.id), g.parts);
      if (bytes === undefined || bytes.length !== g.bytes)
        throw new ShardSnapshotError(
          `the state snapshot of ${shardId} at ${at(position)} lacks some of its ${g.parts} parts`,
          {
            retryable: false,
          },
        );
      return { bytes, writtenAt: g.writtenAt };
    } catch (e) {
      throw this.wrap("reading", shardId, e);
    }
  }
}

/** The same contract in memory (unit tests, and a worker run without the shard-state table). */
export class InMemoryShardSnapshotStore implements ShardSnapshotStore {
  private readonly shards = new Map<
    string,
    { fence: number; generations: { position: ExtendedSequenceNumber; bytes: Buffer; writtenAt: string }[] }
  >();

  constructor(
    private readonly maxBytes = MAX_SNAPSHOT_BYTES,
    private readonly now: () => number = Date.now,
  ) {}

  private shard(shardId: string) {
    let s = this.shards.get(shardId);
    if (s === undefined) {
      s = { fence: Number.NEGATIVE_INFINITY, generations: [] };
      this.shards.set(shardId, s);
    }
    return s;
  }

  async claim(shardId: string, fence: number): Promise<void> {
    const s = this.shard(shardId);
    if (s.fence > fence) throw fenced(shardId, fence);
    s.fence = fence;
  }

  async save(
    shardId: string,
    fence: number,
    position: ExtendedSequenceNumber,
    bytes: Uint8Array,
    checkpointed: ExtendedSequenceNumber,
  ): Promise<void> {
    if (bytes.length > this.maxBytes)
      throw new ShardSnapshotTooLargeError(shardId, bytes.length, this.maxBytes);
    const s = this.shard(shardId);
    if (s.fence > fence) throw fenced(shardId, fence, s.fence);
    s.fence = fence;
    const kept = s.generations.find((g) => samePosition(g.position, checkpointed));
    s.generations = [
      { position, bytes: Buffer.from(bytes), writtenAt: new Date(this.now()).toISOString() },
      ...(kept !== undefined ? [kept] : []),
    ];
  }

  async load(
    shardId: string,
    position: ExtendedSequenceNumber,
  ): Promise<StoredSnapshot | { readonly missing: string }> {
    const s = this.shards.get(shardId);
    const g = s?.generations.find((x) => samePosition(x.position, position));
    if (g === undefined) return { missing: `no state snapshot of ${shardId} at ${at(position)}` };
    return { bytes: g.bytes, writtenAt: g.writtenAt };
  }
}
