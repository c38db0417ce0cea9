// The lease table in memory, with exactly the DynamoDB adapter's conditional semantics (the same contract
// suite runs against both): for unit tests of the coordinator and for single-process runs.
import type { ExtendedSequenceNumber, Lease } from "./lease";
import { bumped, type LeaseRefresher } from "./lease-refresher";

export class InMemoryLeaseRefresher implements LeaseRefresher {
  private readonly leases = new Map<string, Lease>();

  private cas(lease: Lease, requireOwner: boolean, next: (current: Lease) => Lease): Lease | false {
    const current = this.leases.get(lease.leaseKey);
    if (current === undefined || current.leaseCounter !== lease.leaseCounter) return false;
    if (requireOwner && current.leaseOwner !== lease.leaseOwner) return false;
    const updated = next(current);
    this.leases.set(lease.leaseKey, updated);
    return updated;
  }

  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    if (this.leases.has(lease.leaseKey)) return false;
    this.leases.set(lease.leaseKey, lease);
    return true;
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    return this.leases.get(leaseKey);
  }

  async listLeases(): Promise<Lease[]> {
    return [...this.leases.values()];
  }

  async renewLease(lease: Lease): Promise<Lease | false> {
    return this.cas(lease, true, (c) => bumped(c));
  }

  async takeLease(lease: Lease, owner: string): Promise<Lease | false> {
    return this.cas(lease, false, (c) =>
      bumped(c, {
        leaseOwner: owner,
        ownerSwitchesSinceCheckpoint: c.ownerSwitchesSinceCheckpoint + (c.leaseOwner === owner ? 0 : 1),
      }),
    );
  }

  async evictLease(lease: Lease): Promise<Lease | false> {
    return this.cas(lease, true, (c) => {
      const { leaseOwner: _gone, ...rest } = bumped(c);
      return rest;
    });
  }

  async checkpoint(lease: Lease, checkpoint: ExtendedSequenceNumber): Promise<Lease | false> {
    return this.cas(lease, true, (c) => bumped(c, { checkpoint, ownerSwitchesSinceCheckpoint: 0 }));
  }

  async updateChildShards(lease: Lease, childShardIds: readonly string[]): Promise<Lease | false> {
    return this.cas(lease, false, (c) => bumped(c, { childShardIds: [...childShardIds] }));
  }

  async deleteLease(lease: Lease): Promise<boolean> {
    const current = this.leases.get(lease.leaseKey);
    if (current === undefined || current.leaseCounter !== lease.leaseCounter) return false;
    this.leases.delete(lease.leaseKey);
    return true;
  }
}
