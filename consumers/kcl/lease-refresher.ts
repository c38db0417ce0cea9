// The lease table port (KCL's LeaseRefresher role). Every change is a compare-and-set on leaseCounter:
// a caller holding a stale lease (someone renewed, took or checkpointed it since) gets `false`, never an
// overwrite. That is what stops a worker that lost a shard from checkpointing it.
import type { ExtendedSequenceNumber, Lease } from "./lease";

export interface LeaseRefresher {
  /** Creates the lease unless one with its key exists; true when created. */
  createLeaseIfNotExists(lease: Lease): Promise<boolean>;
  getLease(leaseKey: string): Promise<Lease | undefined>;
  listLeases(): Promise<Lease[]>;
  /** Owner keeps the lease: bumps the counter. False if the lease moved on. */
  renewLease(lease: Lease): Promise<Lease | false>;
  /** Takes the lease for `owner` (an expired, unowned or stolen lease). */
  takeLease(lease: Lease, owner: string): Promise<Lease | false>;
  /** Gives the lease up (graceful shutdown): owner removed, so another worker takes it at once. */
  evictLease(lease: Lease): Promise<Lease | false>;
  /** Records progress; only the current owner with the current counter may. */
  checkpoint(lease: Lease, checkpoint: ExtendedSequenceNumber): Promise<Lease | false>;
  /** Records a finished parent's children (resharding). */
  updateChildShards(lease: Lease, childShardIds: readonly string[]): Promise<Lease | false>;
  /** Deletes a finished lease whose children have started. */
  deleteLease(lease: Lease): Promise<boolean>;
}

/** The lease after a successful conditional write, as every implementation must return it. */
export function bumped(lease: Lease, change: Partial<Lease> = {}): Lease {
  return { ...lease, ...change, leaseCounter: lease.leaseCounter + 1 };
}
