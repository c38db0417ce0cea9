// The seat-manifest sink: groups a batch's schedule and booking events by flight and writes each touched
// flight once (one conditional write per flight per batch), reading through a cache because a route, and
// so its flights, belongs to one shard and one worker at a time; the flights a batch finds uncached are
// read together (BatchGetItem), not one GetItem each. A lost optimistic-concurrency race (the shard moved)
// re-reads and re-applies; the fold is idempotent, so nothing is counted twice.
import { type FlightEvent, flightKey } from "../../../analytics/events";
import { sortableSequence } from "../rejected/rejected-record";
import { applyToManifest, type FlightManifest, figuresOf, type ManifestEvent } from "./flight-manifest";
import type { ManifestStore, StoredManifest } from "./manifest-store";

export interface ManifestInput {
  readonly event: FlightEvent;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber?: number;
}

export interface ManifestChange {
  readonly flight: string;
  readonly before: ReturnType<typeof figuresOf> | undefined;
  readonly after: ReturnType<typeof figuresOf>;
  readonly manifest: FlightManifest;
}

export interface ManifestSinkOptions {
  readonly store: ManifestStore;
  /** Flights kept in the read cache (default 10,000). */
  readonly cacheSize?: number;
  /** Parallel writes (default 16). */
  readonly concurrency?: number;
  /** Attempts per flight when racing another writer (default 5). */
  readonly maxRaces?: number;
}

const unchanged = (flight: string, manifest: FlightManifest): ManifestChange => {
  const figures = figuresOf(manifest);
  return { flight, before: figures, after: figures, manifest };
};

export class ManifestRaceError extends Error {
  readonly code = "MANIFEST_RACE";
  readonly retryable = true;
}

export class ManifestSink {
  private readonly cache = new Map<string, StoredManifest>();
  private readonly cacheSize: number;

  constructor(private readonly options: ManifestSinkOptions) {
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** Forget cached manifests (on lease loss, so the next owner's writes are re-read). */
  invalidate(): void {
    this.cache.clear();
  }

  /**
   * Applies the batch; resolves when every touched flight is durable. Returns the flights that changed, or
   * with `touched` every flight the batch concerns (a replayed flight then comes back with before = after:
   * whoever judges manifests, e.g. the flight rules, sees its state again after a crash).
   */
  async apply(
    inputs: readonly ManifestInput[],
    options: { touched?: boolean } = {},
  ): Promise<ManifestChange[]> {
    const byFlight = new Map<string, { events: ManifestEvent[]; maxSeq: Map<string, string> }>();
    for (const input of inputs) {
      const e = input.event;
      if (e.type === "search.performed") continue;
      const key = flightKey(e.flightNumber, e.departureDate);
      let group = byFlight.get(key);
      if (group === undefined) {
        group = { events: [], maxSeq: new Map() };
        byFlight.set(key, group);
      }
      group.events.push(e);
      const seq = sortableSequence(input.sequenceNumber, input.subSequenceNumber);
      if ((group.maxSeq.get(input.shardId) ?? "") < seq) group.maxSeq.set(input.shardId, seq);
    }
    // The flights not cached, read in one go (BatchGetItem: 100 a request instead of one GetItem each).
    const store = this.options.store;
    const uncached = [...byFlight.keys()].filter((f) => !this.cache.has(f));
    const read =
      store.getMany !== undefined && uncached.length > 1 ? await store.getMany(uncached) : undefined;
    // Per call: the shards' processors share the sink and apply their batches side by side.
    const prefetched = new Map<string, StoredManifest | undefined>();
    if (read !== undefined) for (const f of uncached) prefetched.set(f, read.get(f));
    const changes: ManifestChange[] = [];
    const queue = [...byFlight.entries()];
    const worker = async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const change = await this.applyFlight(
          next[0],
          next[1].events,
          next[1].maxSeq,
          options.touched === true,
          prefetched,
        );
        if (change !== undefined) changes.push(change);
      }
    };
    await Promise.all(Array.from({ length: Math.min(queue.length, this.options.concurrency ?? 16) }, worker));
    return changes.sort((a, b) => (a.flight < b.flight ? -1 : 1));
  }

  private async applyFlight(
    flight: string,
    events: ManifestEvent[],
    maxSeq: Map<string, string>,
    touched: boolean,
    prefetched: ReadonlyMap<string, StoredManifest | undefined>,
  ): Promise<ManifestChange | undefined> {
    const maxRaces = this.options.maxRaces ?? 5;
    for (let attempt = 0; attempt < maxRaces; attempt++) {
      const stored =
        attempt === 0 ? await this.firstRead(flight, prefetched) : await this.options.store.get(flight);
      // Everything in this batch was applied before (a replay): no write at all.
      const replay = [...maxSeq].every(([shard, seq]) => (stored?.applied[shard] ?? "") >= seq);
      if (stored !== undefined && replay) {
        this.remember(flight, stored);
        return touched ? unchanged(flight, stored.manifest) : undefined;
      }
      const manifest = applyToManifest(stored?.manifest, events);
      const applied = { ...(stored?.applied ?? {}) };
      for (const [shard, seq] of maxSeq) if ((applied[shard] ?? "") < seq) applied[shard] = seq;
      const next: StoredManifest = { manifest, version: (stored?.version ?? 0) + 1, applied };
      if (await this.options.store.put(next, stored?.version)) {
        this.remember(flight, next);
        if (stored !== undefined && manifest === stored.manifest)
          return touched ? unchanged(flight, manifest) : undefined;
        return { flight, before: stored && figuresOf(stored.manifest), after: figuresOf(manifest), manifest };
      }
      this.cache.delete(flight);
    }
    throw new ManifestRaceError(`flight ${flight}: lost ${maxRaces} optimistic-concurrency races in a row`);
  }

  /** The cached manifest, else this batch's prefetched read, else a read of its own. */
  private async firstRead(
    flight: string,
    prefetched: ReadonlyMap<string, StoredManifest | undefined>,
  ): Promise<StoredManifest | undefined> {
    const cached = this.cache.get(flight);
    if (cached !== undefined) return cached;
    if (prefetched.has(flight)) return prefetched.get(flight);
    return this.options.store.get(flight);
  }

  private remember(flight: string, stored: StoredManifest): void {
    this.cache.delete(flight);
    this.cache.set(flight, stored);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
