// The record processor contract (KCL's ShardRecordProcessor): one instance per shard lease. The runtime
// calls initialize once, processRecords per batch in order, then exactly one of leaseLost, shardEnded or
// shutdownRequested. Checkpoints go through the Checkpointer, which is fenced by the lease: after the
// lease is lost, checkpoint() resolves false and writes nothing.
import type { ExtendedSequenceNumber } from "./lease";
import type { UserRecord } from "./retrieval/kpl-aggregation";

export interface Checkpointer {
  /** Checkpoints at `position`, or after the last record delivered so far when omitted. False when fenced. */
  checkpoint(position?: ExtendedSequenceNumber): Promise<boolean>;
}

export interface ProcessRecordsInput {
  readonly records: readonly UserRecord[];
  readonly millisBehindLatest?: number;
  readonly checkpointer: Checkpointer;
  /**
   * Aborted when the lease is lost or a graceful shutdown starts while the batch is in flight (not in the
   * Java KCL): a processor blocked on a failing sink can give the batch up instead of holding the shard.
   */
  readonly signal?: AbortSignal;
}

export interface RecordProcessor {
  initialize(input: {
    readonly shardId: string;
    readonly startingPosition: ExtendedSequenceNumber;
    /** The shards this one was split or merged from (from its lease); empty for an original shard. */
    readonly parentShardIds?: readonly string[];
    /**
     * The lease counter as processing starts (not in the Java KCL): it only grows, and a later owner's
     * is higher than any this owner held, so it fences state this processor writes outside the lease table.
     */
    readonly leaseCounter?: number;
    /** The shard's hash key range (from its lease): which partition keys its records have. */
    readonly hashKeyRange?: { readonly startingHashKey: string; readonly endingHashKey: string };
  }): Promise<void>;
  processRecords(input: ProcessRecordsInput): Promise<void>;
  /** The lease went to another worker: do not checkpoint (it would be refused); drop state. */
  leaseLost(): Promise<void>;
  /** The shard was fully read: checkpoint SHARD_END (checkpointer.checkpoint() does) so children can start. */
  shardEnded(input: { readonly checkpointer: Checkpointer }): Promise<void>;
  /** Graceful shutdown: flush sinks and checkpoint; the lease is released right after. */
  shutdownRequested(input: { readonly checkpointer: Checkpointer }): Promise<void>;
}

export type RecordProcessorFactory = (shardId: string) => RecordProcessor;
