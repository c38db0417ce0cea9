// One shard's consumer (KCL's ShardConsumer): WAITING_ON_PARENTS → INITIALIZING → PROCESSING →
// SHARD_END | SHUTTING_DOWN | LEASE_LOST → DONE. Parents must reach SHARD_END (checkpointed) before a child
// reads a record, so per-route order survives splits and merges. Fetching runs ahead of processing by at
// most maxPendingBatches: no GetRecords while that many batches wait.
import type { KclConfig } from "./config";
import { type ExtendedSequenceNumber, type Lease, newLease } from "./lease";
import type { LeaseCoordinator } from "./lease-coordinator";
import type { LeaseRefresher } from "./lease-refresher";
import type { Checkpointer, RecordProcessor } from "./record-processor";
import type { FetchResult } from "./retrieval/polling-fetcher";
import type { RecordsFetcher } from "./retrieval/records-fetcher";

export type ShardConsumerState =
  | "WAITING_ON_PARENTS"
  | "INITIALIZING"
  | "PROCESSING"
  | "SHARD_END"
  | "SHUTTING_DOWN"
  | "LEASE_LOST"
  | "DONE";

export interface ShardConsumerDeps {
  readonly lease: Lease;
  readonly coordinator: LeaseCoordinator;
  readonly refresher: LeaseRefresher;
  readonly processor: RecordProcessor;
  readonly fetcher: (start: ExtendedSequenceNumber) => RecordsFetcher;
  readonly config: Pick<KclConfig, "maxPendingBatches" | "idleTimeBetweenReadsMillis"> &
    Partial<Pick<KclConfig, "callProcessRecordsEvenForEmptyRecordList">>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onBatch?: (shardId: string, result: FetchResult, processingMs: number) => void;
  /** A checkpoint of this shard was written (the lease table accepted it). */
  readonly onCheckpoint?: (shardId: string, at: ExtendedSequenceNumber) => void;
  readonly onError?: (shardId: string, error: unknown) => void;
}

export class ShardConsumer {
  state: ShardConsumerState = "WAITING_ON_PARENTS";
  private stopReason: "shutdown" | "lost" | undefined;
  /** Tells a batch in flight that the lease went or the worker is stopping. */
  private readonly inFlight = new AbortController();
  private lastDelivered: ExtendedSequenceNumber | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private wake: (() => void) | undefined;
  private finished: Promise<void> | undefined;

  constructor(private readonly d: ShardConsumerDeps) {
    this.sleep = d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get shardId(): string {
    return this.d.lease.leaseKey;
  }

  private checkpointer(end = false): Checkpointer {
    return {
      checkpoint: async (position) => {
        const at = end
          ? { sequenceNumber: "SHARD_END", subSequenceNumber: 0 }
          : (position ?? this.lastDelivered);
        if (at === undefined) return true;
        return this.checkpointAt(at);
      },
    };
  }

  private async checkpointAt(at: ExtendedSequenceNumber): Promise<boolean> {
    const ok = await this.d.coordinator.checkpoint(this.shardId, at);
    if (ok) this.d.onCheckpoint?.(this.shardId, at);
    return ok;
  }

  /** Runs the consumer to completion; resolves when it is DONE. */
  run(): Promise<void> {
    this.finished ??= this.loop().catch((e) => {
      this.d.onError?.(this.shardId, e);
      this.state = "DONE";
    });
    return this.finished;
  }

  /** Graceful stop: no new fetches, the batch in flight finishes, shutdownRequested checkpoints. */
  async requestShutdown(): Promise<void> {
    this.stopReason ??= "shutdown";
    this.inFlight.abort("shutdown");
    this.wake?.();
    await this.run();
  }

  /** The lease went elsewhere: stop without checkpointing. */
  async leaseLost(): Promise<void> {
    this.stopReason ??= "lost";
    this.inFlight.abort("lease lost");
    this.wake?.();
    await this.run();
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleep(ms).then(resolve);
    });
  }

  private async parentsDone(): Promise<boolean> {
    for (const parent of this.d.lease.parentShardIds) {
      const p = await this.d.refresher.getLease(parent);
      if (p !== undefined && p.checkpoint.sequenceNumber !== "SHARD_END") return false;
    }
    return true;
  }

  private async loop(): Promise<void> {
    while (this.stopReason === undefined && !(await this.parentsDone()))
      await this.pause(this.d.config.idleTimeBetweenReadsMillis);
    if (this.stopReason !== undefined) return this.stop();
    this.state = "INITIALIZING";
    const held = this.d.coordinator.held().find((l) => l.leaseKey === this.shardId) ?? this.d.lease;
    const start = held.checkpoint;
    await this.d.processor.initialize({
      shardId: this.shardId,
      startingPosition: start,
      parentShardIds: this.d.lease.parentShardIds,
      leaseCounter: held.leaseCounter,
      ...(this.d.lease.hashKeyRange !== undefined ? { hashKeyRange: this.d.lease.hashKeyRange } : {}),
    });
    this.state = "PROCESSING";
    const fetcher = this.d.fetcher(start);
    const pending: FetchResult[] = [];
    let fetchDone = false;
    let fetchError: unknown;
    let notify: (() => void) | undefined;
    const fetching = (async () => {
      try {
        while (this.stopReason === undefined && !fetcher.shardEnded) {
          if (pending.length >= this.d.config.maxPendingBatches) {
            await new Promise<void>((r) => {
              notify = r;
            });
            continue;
          }
          const batch = await fetcher.next();
          pending.push(batch);
          notify?.();
          notify = undefined;
        }
      } catch (e) {
        fetchError = e;
      } finally {
        fetchDone = true;
        notify?.();
      }
    })();
    let ended = false;
    while (this.stopReason === undefined) {
      const batch = pending.shift();
      notify?.();
      if (batch === undefined) {
        if (fetchDone) break;
        await new Promise<void>((r) => {
          notify = r;
          this.wake = r;
        });
        continue;
      }
      if (batch.records.length > 0 || this.d.config.callProcessRecordsEvenForEmptyRecordList === true) {
        const t0 = Date.now();
        const last = batch.records[batch.records.length - 1];
        const processing = this.d.processor.processRecords({
          signal: this.inFlight.signal,
          records: batch.records,
          ...(batch.millisBehindLatest !== undefined ? { millisBehindLatest: batch.millisBehindLatest } : {}),
          checkpointer: {
            checkpoint: (position) => {
              if (position === undefined && last !== undefined) {
                return this.checkpointAt({
                  sequenceNumber: last.sequenceNumber,
                  subSequenceNumber: last.subSequenceNumber,
                });
              }
              return this.checkpointer().checkpoint(position);
            },
          },
        });
        try {
          await processing;
        } catch (e) {
          // Given up because the lease went or the worker is stopping: not delivered, not checkpointed.
          if (this.stopReason !== undefined) break;
          throw e;
        }
        if (last !== undefined)
          this.lastDelivered = {
            sequenceNumber: last.sequenceNumber,
            subSequenceNumber: last.subSequenceNumber,
          };
        this.d.onBatch?.(this.shardId, batch, Date.now() - t0);
      } else {
        this.d.onBatch?.(this.shardId, batch, 0);
      }
      if (batch.shardEnded) {
        ended = true;
        await this.endShard(batch);
        break;
      }
    }
    notify?.();
    fetcher.close?.();
    await fetching;
    if (fetchError !== undefined && !ended && this.stopReason === undefined) throw fetchError;
    if (!ended) await this.stop();
    this.state = "DONE";
  }

  private async endShard(last: FetchResult): Promise<void> {
    this.state = "SHARD_END";
    await this.d.processor.shardEnded({ checkpointer: this.checkpointer(true) });
    const lease = this.d.coordinator.held().find((l) => l.leaseKey === this.shardId);
    if (lease === undefined) return;
    if (lease.checkpoint.sequenceNumber !== "SHARD_END") {
      throw new Error(`record processor of ${this.shardId} did not checkpoint SHARD_END in shardEnded()`);
    }
    // Children get leases now, starting at their beginning; they wait until every parent is SHARD_END.
    for (const child of last.childShards) {
      await this.d.refresher.createLeaseIfNotExists(
        newLease(
          child.shardId,
          { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 },
          { parentShardIds: [...child.parentShards].sort() },
        ),
      );
    }
    await this.d.coordinator.release(this.shardId);
    const finished = await this.d.refresher.getLease(this.shardId);
    if (finished !== undefined && last.childShards.length > 0) {
      await this.d.refresher.updateChildShards(finished, last.childShards.map((c) => c.shardId).sort());
    }
  }

  private async stop(): Promise<void> {
    if (this.stopReason === "lost") {
      this.state = "LEASE_LOST";
      await this.d.processor.leaseLost();
    } else if (this.stopReason === "shutdown") {
      this.state = "SHUTTING_DOWN";
      await this.d.processor.shutdownRequested({ checkpointer: this.checkpointer() });
    }
    this.state = "DONE";
  }
}
