// A shard lease as the Java KCL 2.x stores it (one DynamoDB item per shard), so KCL tooling can read the
// table. The lease counter is the fencing token: every write is conditional on it, and every write bumps it.

/** Checkpoint sentinels KCL writes in place of a sequence number. */
export const SENTINELS = ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP", "SHARD_END"] as const;
export type Sentinel = (typeof SENTINELS)[number];

export interface ExtendedSequenceNumber {
  /** A Kinesis sequence number (decimal string, beyond 2^53) or a sentinel. */
  readonly sequenceNumber: string;
  /** Position inside a KPL-aggregated record (0 for plain records). */
  readonly subSequenceNumber: number;
}

export interface Lease {
  readonly leaseKey: string;
  readonly leaseOwner?: string;
  readonly leaseCounter: number;
  readonly checkpoint: ExtendedSequenceNumber;
  readonly ownerSwitchesSinceCheckpoint: number;
  readonly parentShardIds: readonly string[];
  readonly childShardIds: readonly string[];
  readonly hashKeyRange?: { readonly startingHashKey: string; readonly endingHashKey: string };
}

export const isSentinel = (s: string): s is Sentinel => (SENTINELS as readonly string[]).includes(s);

/** Compares two extended sequence numbers numerically (sentinels are not comparable and throw). */
export function compareSequence(a: ExtendedSequenceNumber, b: ExtendedSequenceNumber): number {
  if (isSentinel(a.sequenceNumber) || isSentinel(b.sequenceNumber)) {
    throw new RangeError(`cannot compare ${a.sequenceNumber} with ${b.sequenceNumber}`);
  }
  const x = BigInt(a.sequenceNumber);
  const y = BigInt(b.sequenceNumber);
  if (x !== y) return x < y ? -1 : 1;
  return a.subSequenceNumber - b.subSequenceNumber;
}

export function newLease(
  leaseKey: string,
  initial: ExtendedSequenceNumber,
  extra: Partial<Pick<Lease, "parentShardIds" | "hashKeyRange">> = {},
): Lease {
  return {
    leaseKey,
    leaseCounter: 0,
    checkpoint: initial,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: extra.parentShardIds ?? [],
    childShardIds: [],
    ...(extra.hashKeyRange !== undefined ? { hashKeyRange: extra.hashKeyRange } : {}),
  };
}
