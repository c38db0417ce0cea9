// Enhanced fan-out retrieval (SubscribeToShard): a dedicated 2 MB/s pipe per shard pushed by Kinesis.
// Each subscription lasts up to five minutes; it is renewed from the last continuation sequence number,
// and, like polling, the first subscription starts AT the checkpoint with already-processed
// (sub-)records dropped. The consumer is registered once per stream (RegisterStreamConsumer).
import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { type ExtendedSequenceNumber, isSentinel } from "../lease";
import { afterCheckpoint, deaggregate, type KinesisRecordIn } from "./kpl-aggregation";
import { type FetchResult, type IteratorPosition, positionAt } from "./polling-fetcher";
import type { RecordsFetcher } from "./records-fetcher";

export type FanOutPosition =
  | IteratorPosition
  | { readonly type: "AFTER_SEQUENCE_NUMBER"; readonly sequenceNumber: string };

export interface FanOutEvent {
  readonly records: readonly KinesisRecordIn[];
  /** Absent (null) once the shard is closed and fully delivered. */
  readonly continuationSequenceNumber?: string;
  readonly millisBehindLatest?: number;
  readonly childShards: readonly { readonly shardId: string; readonly parentShards: readonly string[] }[];
}

export interface FanOutPort {
  subscribe(
    consumerArn: string,
    shardId: string,
    position: FanOutPosition,
    signal: AbortSignal,
  ): AsyncIterable<FanOutEvent>;
}

export interface FanOutFetcherOptions {
  readonly consumerArn: string;
  readonly shardId: string;
  readonly start: ExtendedSequenceNumber;
  readonly initialTimestamp?: Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Pause before re-subscribing after an error (a subscription to the same shard may still be open). */
  readonly retryDelayMs?: number;
}

export class FanOutFetcher implements RecordsFetcher {
  private events: AsyncIterator<FanOutEvent> | undefined;
  private abort: AbortController | undefined;
  private position: ExtendedSequenceNumber;
  private continuation: string | undefined;
  private ended = false;
  readonly stats = { subscriptions: 0, errors: 0 };

  constructor(
    private readonly port: FanOutPort,
    private readonly o: FanOutFetcherOptions,
  ) {
    this.position = o.start;
  }

  get shardEnded(): boolean {
    return this.ended;
  }

  close(): void {
    this.abort?.abort();
  }

  private startPosition(): FanOutPosition {
    if (this.continuation !== undefined)
      return { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: this.continuation };
    return positionAt(this.position, this.o.shardId, this.o.initialTimestamp);
  }

  async next(): Promise<FetchResult> {
    if (this.ended) return { records: [], shardEnded: true, childShards: [] };
    for (;;) {
      if (this.events === undefined) {
        this.abort = new AbortController();
        this.stats.subscriptions++;
        this.events = this.port
          .subscribe(this.o.consumerArn, this.o.shardId, this.startPosition(), this.abort.signal)
          [Symbol.asyncIterator]();
      }
      let step: IteratorResult<FanOutEvent>;
      try {
        step = await this.events.next();
      } catch (e) {
        this.events = undefined;
        this.stats.errors++;
        if ((e as Error).name === "AbortError") throw e;
        await (this.o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(this.o.retryDelayMs ?? 1000);
        continue;
      }
      if (step.done === true) {
        // Subscriptions end after five minutes: renew from where this one stopped.
        this.events = undefined;
        continue;
      }
      const ev = step.value;
      const users = ev.records.flatMap((r) => deaggregate(r));
      const fresh = isSentinel(this.position.sequenceNumber) ? users : afterCheckpoint(users, this.position);
      const last = fresh[fresh.length - 1];
      if (last !== undefined)
        this.position = { sequenceNumber: last.sequenceNumber, subSequenceNumber: last.subSequenceNumber };
      if (ev.continuationSequenceNumber !== undefined) this.continuation = ev.continuationSequenceNumber;
      this.ended = ev.continuationSequenceNumber === undefined;
      if (this.ended) this.abort?.abort();
      return {
        records: fresh,
        ...(ev.millisBehindLatest !== undefined ? { millisBehindLatest: ev.millisBehindLatest } : {}),
        shardEnded: this.ended,
        childShards: ev.childShards,
      };
    }
  }
}

export function sdkFanOutPort(client: KinesisClient): FanOutPort {
  return {
    async *subscribe(consumerArn, shardId, position, signal) {
      const out = await client.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: shardId,
          StartingPosition: {
            Type: position.type,
            ...("sequenceNumber" in position ? { SequenceNumber: position.sequenceNumber } : {}),
            ...("timestamp" in position ? { Timestamp: position.timestamp } : {}),
          },
        }),
        { abortSignal: signal },
      );
      for await (const ev of out.EventStream ?? []) {
        const data = ev.SubscribeToShardEvent;
        if (data === undefined) {
          const [name, err] = Object.entries(ev).find(([, v]) => v !== undefined) ?? ["UnknownEvent", {}];
          throw Object.assign(new Error((err as { message?: string }).message ?? name), { name });
        }
        yield {
          records: (data.Records ?? []).map((r) => ({
            data: r.Data ?? new Uint8Array(),
            partitionKey: r.PartitionKey ?? "",
            sequenceNumber: r.SequenceNumber ?? "0",
            ...(r.ApproximateArrivalTimestamp !== undefined
              ? { approximateArrivalTimestamp: r.ApproximateArrivalTimestamp }
              : {}),
          })),
          ...(data.ContinuationSequenceNumber !== undefined && data.ContinuationSequenceNumber !== null
            ? { continuationSequenceNumber: data.ContinuationSequenceNumber }
            : {}),
          ...(data.MillisBehindLatest !== undefined ? { millisBehindLatest: data.MillisBehindLatest } : {}),
          childShards: (data.ChildShards ?? []).map((c) => ({
            shardId: c.ShardId ?? "",
            parentShards: c.ParentShards ?? [],
          })),
        };
      }
    },
  };
}

/** Registers (or finds) the stream consumer for enhanced fan-out and waits until it is ACTIVE. */
export async function registerStreamConsumer(
  client: KinesisClient,
  streamName: string,
  consumerName: string,
  timeoutMs = 60_000,
): Promise<string> {
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  const streamArn = summary.StreamDescriptionSummary?.StreamARN;
  if (streamArn === undefined) throw new Error(`stream ${streamName} has no ARN`);
  try {
    await client.send(
      new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
    );
  } catch (e) {
    if ((e as Error).name !== "ResourceInUseException") throw e;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.send(
      new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
    );
    const c = d.ConsumerDescription;
    if (c?.ConsumerStatus === "ACTIVE" && c.ConsumerARN !== undefined) return c.ConsumerARN;
    if (Date.now() > deadline)
      throw new Error(`stream consumer ${consumerName} not ACTIVE after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
