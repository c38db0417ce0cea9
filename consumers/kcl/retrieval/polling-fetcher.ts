// Polling retrieval for one shard (KCL's PollingRecordsFetcher): GetRecords from a position derived from
// the checkpoint, KPL records de-aggregated, full-jitter exponential backoff on throttling, the iterator
// re-opened from the last delivered record when it expires, an idle pause after an empty read, and the
// shard's end (with its children) reported once reached. Closing it ends a pause under way: a worker
// stopping (SIGTERM, a lost lease) hands its shards over without waiting out an idle second per shard.
import { setTimeout as delay } from "node:timers/promises";
import type { ExtendedSequenceNumber } from "../lease";
import { isSentinel } from "../lease";
import { afterCheckpoint, deaggregate, type KinesisRecordIn, type UserRecord } from "./kpl-aggregation";

export type IteratorPosition =
  | { readonly type: "TRIM_HORIZON" | "LATEST" }
  | { readonly type: "AT_TIMESTAMP"; readonly timestamp: Date }
  | { readonly type: "AT_SEQUENCE_NUMBER"; readonly sequenceNumber: string };

export interface GetRecordsOutput {
  readonly records: readonly KinesisRecordIn[];
  /** Undefined once the shard is closed and fully read. */
  readonly nextShardIterator?: string;
  readonly millisBehindLatest?: number;
  readonly childShards?: readonly { readonly shardId: string; readonly parentShards: readonly string[] }[];
}

/** The two Kinesis reads retrieval needs, as a port (SDK adapter in kinesis-read-port.ts). */
export interface KinesisReadPort {
  getShardIterator(streamName: string, shardId: string, position: IteratorPosition): Promise<string>;
  getRecords(iterator: string, limit: number): Promise<GetRecordsOutput>;
}

/**
 * Where to open a shard to resume at `position`: AT the sequence number (its already-processed part is
 * dropped after reading, which also covers a checkpoint inside an aggregated record), or the sentinel.
 */
export function positionAt(
  position: ExtendedSequenceNumber,
  shardId: string,
  initialTimestamp?: Date,
): IteratorPosition {
  const s = position.sequenceNumber;
  if (!isSentinel(s)) return { type: "AT_SEQUENCE_NUMBER", sequenceNumber: s };
  if (s === "AT_TIMESTAMP") {
    if (initialTimestamp === undefined) throw new Error("AT_TIMESTAMP needs an initial timestamp");
    return { type: "AT_TIMESTAMP", timestamp: initialTimestamp };
  }
  if (s === "SHARD_END") throw new Error(`shard ${shardId} is already finished (SHARD_END)`);
  return { type: s };
}

export interface FetchResult {
  readonly records: readonly UserRecord[];
  readonly millisBehindLatest?: number;
  readonly shardEnded: boolean;
  readonly childShards: readonly { readonly shardId: string; readonly parentShards: readonly string[] }[];
}

/** What a closed fetcher returns: no records, the shard not ended. */
const CLOSED: FetchResult = Object.freeze({ records: [], shardEnded: false, childShards: [] });

export interface PollingFetcherOptions {
  readonly streamName: string;
  readonly shardId: string;
  /** Where to start: the lease's checkpoint (a sequence number or a sentinel). */
  readonly start: ExtendedSequenceNumber;
  readonly initialTimestamp?: Date;
  /** GetRecords limit (KCL maxRecords, default 10,000). */
  readonly maxRecords?: number;
  /** Pause after an empty read (KCL idleTimeBetweenReadsInMillis, default 1000). */
  readonly idleTimeBetweenReadsMs?: number;
  /** Throttling backoff: full jitter over base·2^n, capped (defaults 200 ms and 10 s). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** Consecutive throttled calls before giving up (default 20). */
  readonly maxThrottleRetries?: number;
  /** Resolves after `ms`, or as soon as `signal` aborts (the fetcher's close); the default does both. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

const THROTTLED = new Set([
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "KMSThrottlingException",
]);

export class PollingFetcher {
  private iterator: string | undefined;
  /** Last record handed out (or the checkpoint): the position a re-opened iterator resumes after. */
  private position: ExtendedSequenceNumber;
  private ended = false;
  private idleNext = false;
  readonly stats = { getRecordsCalls: 0, throttled: 0, iteratorsReopened: 0 };
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly closing = new AbortController();

  constructor(
    private readonly port: KinesisReadPort,
    private readonly o: PollingFetcherOptions,
  ) {
    this.position = o.start;
    this.sleep = o.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined));
  }

  get shardEnded(): boolean {
    return this.ended;
  }

  /** No further reads: a pause under way (idle or throttled) ends now, and `next()` returns no records. */
  close(): void {
    this.closing.abort();
  }

  /** Sleeps `ms` unless closed first; true when the fetcher may read again. */
  private async pause(ms: number): Promise<boolean> {
    if (!this.closing.signal.aborted) await this.sleep(ms, this.closing.signal);
    return !this.closing.signal.aborted;
  }

  private startPosition(): IteratorPosition {
    return positionAt(this.position, this.o.shardId, this.o.initialTimestamp);
  }

  /** The next batch; empty when nothing new (after the idle pause). */
  async next(): Promise<FetchResult> {
    if (this.ended) return { records: [], shardEnded: true, childShards: [] };
    if (this.idleNext && !(await this.pause(this.o.idleTimeBetweenReadsMs ?? 1000))) return CLOSED;
    let throttledInARow = 0;
    for (;;) {
      if (this.closing.signal.aborted) return CLOSED;
      this.iterator ??= await this.port.getShardIterator(
        this.o.streamName,
        this.o.shardId,
        this.startPosition(),
      );
      let out: GetRecordsOutput;
      try {
        this.stats.getRecordsCalls++;
        out = await this.port.getRecords(this.iterator, this.o.maxRecords ?? 10_000);
      } catch (e) {
        const name = (e as Error).name;
        if (name === "ExpiredIteratorException") {
          this.iterator = undefined;
          this.stats.iteratorsReopened++;
          continue;
        }
        if (THROTTLED.has(name)) {
          this.stats.throttled++;
          if (++throttledInARow > (this.o.maxThrottleRetries ?? 20)) throw e;
          const cap = Math.min(
            this.o.backoffMaxMs ?? 10_000,
            (this.o.backoffBaseMs ?? 200) * 2 ** (throttledInARow - 1),
          );
          if (!(await this.pause(Math.floor((this.o.random ?? Math.random)() * cap)))) return CLOSED;
          continue;
        }
        throw e;
      }
      const users = out.records.flatMap((r) => deaggregate(r));
      // Re-opened iterators start AT the last position: drop what was already delivered (or checkpointed).
      const fresh = isSentinel(this.position.sequenceNumber) ? users : afterCheckpoint(users, this.position);
      const last = fresh[fresh.length - 1];
      if (last !== undefined)
        this.position = { sequenceNumber: last.sequenceNumber, subSequenceNumber: last.subSequenceNumber };
      this.iterator = out.nextShardIterator;
      this.ended = out.nextShardIterator === undefined;
      this.idleNext = fresh.length === 0 && !this.ended;
      return {
        records: fresh,
        ...(out.millisBehindLatest !== undefined ? { millisBehindLatest: out.millisBehindLatest } : {}),
        shardEnded: this.ended,
        childShards: out.childShards ?? [],
      };
    }
  }
}
