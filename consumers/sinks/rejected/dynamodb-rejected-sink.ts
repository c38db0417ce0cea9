// Rejected events in DynamoDB (until the warehouse takes them): BatchWriteItem, 25 items a call, with
// unprocessed items retried under backoff. DynamoDB items stop at 400 KB, so at most 256 KiB of the raw
// bytes are kept here; the whole record is always in the S3 raw archive under its shard and sequence number.
import type { DynamoDBClient, WriteRequest } from "@aws-sdk/client-dynamodb";
import { batchWriteItems, UnprocessedItemsError } from "../../aws/batch-write";
import { type RejectedEventsSink, type RejectedRecord, sortableSequence } from "./rejected-record";

export const MAX_RAW_BYTES_IN_ITEM = 256 * 1024;
const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
]);

export class RejectedSinkError extends Error {
  readonly code = "REJECTED_SINK_FAILED";
  readonly retryable = true;
}

export interface DynamoDbRejectedSinkOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Days to keep a rejected record (TTL attribute `expiresAt`); default 30. */
  readonly retentionDays?: number;
  readonly now?: () => number;
}

export class DynamoDbRejectedSink implements RejectedEventsSink {
  constructor(private readonly o: DynamoDbRejectedSinkOptions) {}

  toItem(r: RejectedRecord): WriteRequest {
    const now = (this.o.now ?? Date.now)();
    const raw = r.raw.byteLength > MAX_RAW_BYTES_IN_ITEM ? r.raw.subarray(0, MAX_RAW_BYTES_IN_ITEM) : r.raw;
    return {
      PutRequest: {
        Item: {
          pk: { S: r.shardId },
          sk: { S: sortableSequence(r.sequenceNumber, r.subSequenceNumber) },
          sequenceNumber: { S: r.sequenceNumber },
          code: { S: r.code },
          reason: { S: r.reason },
          path: { S: r.path === "" ? "/" : r.path },
          raw: { B: raw.byteLength === 0 ? new Uint8Array([0]) : raw },
          rawBytes: { N: String(r.raw.byteLength) },
          rawTruncated: { BOOL: raw.byteLength < r.raw.byteLength || r.raw.byteLength === 0 },
          rejectedAt: { S: new Date(now).toISOString() },
          expiresAt: { N: String(Math.floor(now / 1000) + (this.o.retentionDays ?? 30) * 86_400) },
          ...(r.partitionKey !== undefined ? { partitionKey: { S: r.partitionKey } } : {}),
          ...(r.arrivedAt !== undefined ? { arrivedAt: { S: new Date(r.arrivedAt).toISOString() } } : {}),
        },
      },
    };
  }

  async put(records: readonly RejectedRecord[]): Promise<void> {
    const maxAttempts = this.o.maxAttempts ?? 8;
    try {
      await batchWriteItems(
        this.o.client,
        this.o.tableName,
        records.map((r) => this.toItem(r)),
        {
          maxAttempts,
          ...(this.o.sleep !== undefined ? { sleep: this.o.sleep } : {}),
          retryable: (e) => {
            const err = e as Error & { $retryable?: unknown };
            return RETRYABLE.has(err.name) || err.$retryable !== undefined;
          },
        },
      );
    } catch (e) {
      if (e instanceof UnprocessedItemsError)
        throw new RejectedSinkError(`${e.count} rejected record(s) not stored after ${maxAttempts} attempts`);
      const err = e as Error;
      throw new RejectedSinkError(`rejected-events table ${this.o.tableName}: ${err.name}: ${err.message}`, {
        cause: err,
      });
    }
  }
}

/** Keeps rejected records in memory (tests, and the dashboard's feed in `npm start`). */
export class InMemoryRejectedSink implements RejectedEventsSink {
  readonly records = new Map<string, RejectedRecord>();
  async put(records: readonly RejectedRecord[]): Promise<void> {
    for (const r of records)
      this.records.set(`${r.shardId}/${sortableSequence(r.sequenceNumber, r.subSequenceNumber)}`, r);
  }
}
