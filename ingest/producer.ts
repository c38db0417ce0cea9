// Producer client for the booking application: PutRecords in batches within Kinesis's limits, retrying
// only the records that failed, with exponential backoff and full jitter. Usable as a library.
//
// Ordering: records of one partition key (one route) are sent by one lane, one request at a time, so
// their order in the stream follows the order given, except when a record fails and is retried after a
// later record of the same key succeeded. Consumers therefore tolerate reordering within a route.
import { encodeEvent, type FlightEvent, partitionKeyOf } from "../analytics/events";
import { PutRecordsFailedError, RecordTooLargeError, StreamUnavailableError } from "./errors";
import type { KinesisPutPort, PutRecordEntry } from "./kinesis-put-port";

/** Kinesis limits for PutRecords. */
export const MAX_RECORDS_PER_REQUEST = 500;
export const MAX_BYTES_PER_REQUEST = 5 * 1024 * 1024;
export const MAX_BYTES_PER_RECORD = 1024 * 1024;

export interface ProducerOptions {
  readonly port: KinesisPutPort;
  readonly streamName: string;
  /** Attempts per record, the first included (default 8). */
  readonly maxAttempts?: number;
  /** First retry delay ceiling in ms (default 100); doubles per attempt up to maxDelayMs (default 5000). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Parallel lanes; a partition key always uses the same lane (default 1). */
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after each successful request with running totals. */
  readonly onProgress?: (progress: ProducerStats) => void;
}

export interface ProducerStats {
  /** Records written. */
  readonly sent: number;
  /** PutRecords requests made. */
  readonly requests: number;
  /** Records sent again after a per-record failure. */
  readonly retried: number;
  /** Records written per shard. */
  readonly perShard: Readonly<Record<string, number>>;
}

const RETRYABLE_REQUEST_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "InternalFailure",
  "InternalFailureException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "ThrottlingException",
  "KMSThrottlingException",
]);

const entryBytes = (e: PutRecordEntry): number => e.data.byteLength + Buffer.byteLength(e.partitionKey);

/** Splits entries into requests of at most 500 records and 5 MiB, keeping their order. */
export function splitIntoRequests(entries: readonly PutRecordEntry[]): PutRecordEntry[][] {
  const requests: PutRecordEntry[][] = [];
  let current: PutRecordEntry[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const size = entryBytes(entry);
    if (size > MAX_BYTES_PER_RECORD) throw new RecordTooLargeError(index, size);
    if (current.length === MAX_RECORDS_PER_REQUEST || bytes + size > MAX_BYTES_PER_REQUEST) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  });
  if (current.length > 0) requests.push(current);
  return requests;
}

/** FNV-1a: a stable lane for each partition key. */
function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

export class KinesisProducer {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private stats = { sent: 0, requests: 0, retried: 0, perShard: {} as Record<string, number> };

  constructor(private readonly options: ProducerOptions) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
    if (this.maxAttempts < 1) throw new RangeError("maxAttempts must be at least 1");
  }

  /** Totals since this producer was created. */
  get totals(): ProducerStats {
    return { ...this.stats, perShard: { ...this.stats.perShard } };
  }

  /** Encodes events (partition key = route) and writes them. Resolves when every record is written. */
  putEvents(events: readonly FlightEvent[]): Promise<ProducerStats> {
    return this.putRecords(events.map((e) => ({ data: encodeEvent(e), partitionKey: partitionKeyOf(e) })));
  }

  /** Writes raw entries (already encoded, or deliberately malformed for tests and the simulator). */
  async putRecords(entries: readonly PutRecordEntry[]): Promise<ProducerStats> {
    const lanes: PutRecordEntry[][] = Array.from({ length: this.concurrency }, () => []);
    for (const e of entries) lanes[laneOf(e.partitionKey, this.concurrency)]?.push(e);
    const laneRequests = lanes.map((lane) => splitIntoRequests(lane));
    await Promise.all(
      laneRequests.map(async (requests) => {
        for (const request of requests) await this.sendWithRetry(request);
      }),
    );
    return this.totals;
  }

  private backoff(attempt: number): number {
    return Math.floor(this.random() * Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1)));
  }

  private async sendWithRetry(request: readonly PutRecordEntry[]): Promise<void> {
    let pending = request;
    let lastError: string | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      let outcomes: Awaited<ReturnType<KinesisPutPort["putRecords"]>>;
      try {
        this.stats.requests++;
        outcomes = await this.options.port.putRecords(this.options.streamName, pending);
      } catch (e) {
        const err = e as Error;
        if (!RETRYABLE_REQUEST_ERRORS.has(err.name))
          throw new StreamUnavailableError(this.options.streamName, err);
        lastError = err.name;
        continue;
      }
      const failed: PutRecordEntry[] = [];
      outcomes.forEach((o, i) => {
        const entry = pending[i];
        if (entry === undefined) return;
        if (o.errorCode !== undefined) {
          failed.push(entry);
          lastError = o.errorCode;
        } else {
          this.stats.sent++;
          const shard = o.shardId ?? "unknown";
          this.stats.perShard[shard] = (this.stats.perShard[shard] ?? 0) + 1;
        }
      });
      if (outcomes.length < pending.length) failed.push(...pending.slice(outcomes.length));
      this.options.onProgress?.(this.totals);
      if (failed.length === 0) return;
      this.stats.retried += failed.length;
      pending = failed;
    }
    throw new PutRecordsFailedError(pending.length, this.maxAttempts, lastError);
  }
}
