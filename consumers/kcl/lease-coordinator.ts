// The lease coordinator (KCL's LeaseCoordinator, renewer and taker): keeps this worker's leases alive and
// takes its fair share of the rest. Expiry is judged locally, as the KCL does: a lease whose counter has not
// changed for failoverTimeMillis by this worker's own clock is expired (no clock sync between workers
// needed). Balance target is ceil(leases / workers); unowned and longest-stale leases go first; when none
// are free, leases are stolen from the most loaded worker, several per round when far from balance.
// Operations on one lease are serialised, so a renewal never races this worker's own checkpoint.
import type { ExtendedSequenceNumber, Lease } from "./lease";
import type { LeaseRefresher } from "./lease-refresher";

export interface Clock {
  now(): number;
}

export interface CoordinatorConfig {
  readonly workerId: string;
  /** A lease not renewed for this long is expired (KCL failoverTimeMillis, default 10 s). */
  readonly failoverTimeMillis?: number;
  /** Never hold more than this many leases (default: no limit). */
  readonly maxLeasesForWorker?: number;
  /** Leases stolen per round when one short of balance (KCL default 1); more when further off. */
  readonly maxLeasesToStealAtOneTime?: number;
}

export interface TakeResult {
  readonly taken: readonly string[];
  readonly stolen: readonly string[];
}

export interface CoordinatorEvents {
  /** A held lease was lost (taken by another worker, or not renewable for the failover time). */
  onLeaseLost?(leaseKey: string): void;
  onLeaseTaken?(lease: Lease, stolen: boolean): void;
}

const SHARD_END = "SHARD_END";

export class LeaseCoordinator {
  private readonly heldLeases = new Map<string, { lease: Lease; renewedAt: number }>();
  /** leaseKey → [last counter seen, local time it last changed]. */
  private readonly seen = new Map<string, { counter: number; changedAt: number }>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly failover: number;
  readonly metrics = { takes: 0, steals: 0, renewals: 0, lost: 0 };

  constructor(
    private readonly refresher: LeaseRefresher,
    private readonly config: CoordinatorConfig,
    private readonly clock: Clock = { now: Date.now },
    private readonly events: CoordinatorEvents = {},
  ) {
    this.failover = config.failoverTimeMillis ?? 10_000;
  }

  get workerId(): string {
    return this.config.workerId;
  }

  /** The leases this worker holds now (latest known state). */
  held(): Lease[] {
    return [...this.heldLeases.values()]
      .map((h) => h.lease)
      .sort((a, b) => (a.leaseKey < b.leaseKey ? -1 : 1));
  }

  /** Runs `op` on the current state of a held lease, after any operation already running on it. */
  private serial<T>(leaseKey: string, op: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(leaseKey) ?? Promise.resolve()).then(op, op);
    this.chains.set(
      leaseKey,
      run.catch(() => undefined),
    );
    return run;
  }

  private lose(leaseKey: string): void {
    if (this.heldLeases.delete(leaseKey)) {
      this.metrics.lost++;
      this.events.onLeaseLost?.(leaseKey);
    }
  }

  /** One renewer round: renew every held lease; drop the ones lost or unrenewable past failover. */
  async renewOnce(): Promise<void> {
    await Promise.all(
      [...this.heldLeases.keys()].map((key) =>
        this.serial(key, async () => {
          const held = this.heldLeases.get(key);
          if (held === undefined) return;
          try {
            const renewed = await this.refresher.renewLease(held.lease);
            if (renewed === false) this.lose(key);
            else {
              this.metrics.renewals++;
              this.heldLeases.set(key, { lease: renewed, renewedAt: this.clock.now() });
            }
          } catch {
            // The table is unreachable: keep processing until the lease would have expired for others.
            if (this.clock.now() - held.renewedAt > this.failover) this.lose(key);
          }
        }),
      ),
    );
  }

  /** Checkpoints a held lease; false when this worker no longer holds it (fenced by the counter). */
  checkpoint(leaseKey: string, checkpoint: ExtendedSequenceNumber): Promise<boolean> {
    return this.serial(leaseKey, async () => {
      const held = this.heldLeases.get(leaseKey);
      if (held === undefined) return false;
      const updated = await this.refresher.checkpoint(held.lease, checkpoint);
      if (updated === false) {
        this.lose(leaseKey);
        return false;
      }
      this.heldLeases.set(leaseKey, { lease: updated, renewedAt: this.clock.now() });
      return true;
    });
  }

  /** Gives one lease up (a finished shard, or a consumer that stopped); true when evicted. */
  release(leaseKey: string): Promise<boolean> {
    return this.serial(leaseKey, async () => {
      const held = this.heldLeases.get(leaseKey);
      if (held === undefined) return false;
      this.heldLeases.delete(leaseKey);
      return (await this.refresher.evictLease(held.lease)) !== false;
    });
  }

  /** True while this worker holds the lease. */
  holds(leaseKey: string): boolean {
    return this.heldLeases.has(leaseKey);
  }

  /** Graceful hand-off: evicts every held lease so other workers take them at once, not after failover. */
  async releaseAll(): Promise<string[]> {
    const released: string[] = [];
    await Promise.all(
      [...this.heldLeases.keys()].map((key) =>
        this.serial(key, async () => {
          const held = this.heldLeases.get(key);
          if (held === undefined) return;
          this.heldLeases.delete(key);
          if ((await this.refresher.evictLease(held.lease)) !== false) released.push(key);
        }),
      ),
    );
    return released.sort();
  }

  /** One taker round. */
  async takeOnce(): Promise<TakeResult> {
    const now = this.clock.now();
    const all = (await this.refresher.listLeases()).filter((l) => l.checkpoint.sequenceNumber !== SHARD_END);
    for (const lease of all) {
      const prev = this.seen.get(lease.leaseKey);
      if (prev === undefined || prev.counter !== lease.leaseCounter) {
        // First sight counts as a change: a lease is only judged expired after a full failover observed here.
        this.seen.set(lease.leaseKey, { counter: lease.leaseCounter, changedAt: now });
      }
    }
    const staleFor = (l: Lease) => now - (this.seen.get(l.leaseKey)?.changedAt ?? now);
    const expired = (l: Lease) => l.leaseOwner === undefined || staleFor(l) > this.failover;
    const me = this.config.workerId;
    // Leases another worker took from us show up here first.
    for (const l of all) if (this.heldLeases.has(l.leaseKey) && l.leaseOwner !== me) this.lose(l.leaseKey);

    const byOwner = new Map<string, Lease[]>();
    for (const l of all) {
      if (expired(l) || l.leaseOwner === undefined) continue;
      byOwner.set(l.leaseOwner, [...(byOwner.get(l.leaseOwner) ?? []), l]);
    }
    const workers = new Set([...byOwner.keys(), me]).size;
    const target = Math.min(
      Math.ceil(all.length / workers),
      this.config.maxLeasesForWorker ?? Number.POSITIVE_INFINITY,
    );
    const mine = byOwner.get(me)?.length ?? 0;
    let needed = target - mine;
    if (needed <= 0) return { taken: [], stolen: [] };

    const free = all
      .filter((l) => expired(l) && l.leaseOwner !== me)
      .sort(
        (a, b) =>
          (a.leaseOwner === undefined ? 0 : 1) - (b.leaseOwner === undefined ? 0 : 1) ||
          staleFor(b) - staleFor(a),
      );
    const taken: string[] = [];
    for (const lease of free) {
      if (needed <= 0) break;
      if (await this.take(lease, false)) {
        taken.push(lease.leaseKey);
        needed--;
      }
    }
    const stolen: string[] = [];
    if (needed > 0 && free.length === 0) {
      const [victim, theirs] = [...byOwner.entries()]
        .filter(([owner]) => owner !== me)
        .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0] ?? [undefined, []];
      const surplus = theirs.length - target;
      // KCL's rule: steal from a worker above target, or at target while this one is two or more short.
      if (victim !== undefined && (surplus > 0 || (surplus === 0 && needed > 1))) {
        const base = this.config.maxLeasesToStealAtOneTime ?? 1;
        const count = Math.min(needed, Math.max(surplus, 1), Math.max(base, Math.floor(needed / 2)));
        for (const lease of [...theirs].sort((a, b) => staleFor(b) - staleFor(a)).slice(0, count)) {
          if (await this.take(lease, true)) stolen.push(lease.leaseKey);
        }
      }
    }
    return { taken, stolen };
  }

  private async take(lease: Lease, steal: boolean): Promise<boolean> {
    const won = await this.refresher.takeLease(lease, this.config.workerId);
    if (won === false) return false;
    this.heldLeases.set(won.leaseKey, { lease: won, renewedAt: this.clock.now() });
    this.seen.set(won.leaseKey, { counter: won.leaseCounter, changedAt: this.clock.now() });
    if (steal) this.metrics.steals++;
    else this.metrics.takes++;
    this.events.onLeaseTaken?.(won, steal);
    return true;
  }
}
