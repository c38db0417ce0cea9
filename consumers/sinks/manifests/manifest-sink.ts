// The seat-manifest sink: folds a batch's schedule and booking events into each touched flight's manifest
// in memory and writes each flight with one conditional write, either at the end of every batch or, with
// `writeAt: "flush"`, once per flush (each shard's processor flushes the flights its events changed before
// its checkpoint, so a checkpoint still covers only durable manifests, with a flight written once per
// checkpoint interval instead of once per batch). Flights are held in a cache because a route, and so its
// flights, belongs to one shard and one worker at a time; the flights a batch finds uncached are read
// together (BatchGetItem). A lost optimistic-concurrency race (the shard moved) re-reads and re-applies the
// events not yet written; the fold is idempotent and order-independent, so nothing is counted twice and
// nothing is lost.
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
  /**
   * When manifests are written: "batch" (default) before `apply` resolves; "flush" when `flush` is called,
   * each changed flight once, however many batches changed it since the last flush.
   */
  readonly writeAt?: "batch" | "flush";
  /** Flights kept in the cache (default 10,000); flights not yet written are kept beyond it. */
  readonly cacheSize?: number;
  /** With writeAt "flush": unwritten events past which `apply` flushes by itself (default 50,000). */
  readonly maxUnwrittenEvents?: number;
  /** Parallel writes (default 16). */
  readonly concurrency?: number;
  /** Attempts per flight when racing another writer (default 5). */
  readonly maxRaces?: number;
}

export class ManifestRaceError extends Error {
  readonly code = "MANIFEST_RACE";
  readonly retryable = true;
}

/** A flight as this sink knows it: what the store holds and what the events since then make of it. */
interface HeldFlight {
  readonly flight: string;
  /** The store's item as last read or written (undefined: none yet); a write expects its version. */
  durable: StoredManifest | undefined;
  /** `durable` with every event applied since (the version is `durable`'s). */
  current: HeldState;
  /**
   * Events in `current` that the store may not have (none: the store has `current`): re-applied to a fresh
   * read after a lost race.
   */
  unwritten: ManifestEvent[];
  /** The write under way, if any (one at a time per flight). */
  writing: Promise<void> | undefined;
}

type HeldState = Pick<StoredManifest, "manifest" | "applied">;

interface BatchGroup {
  readonly events: ManifestEvent[];
  readonly maxSeq: Map<string, string>;
}

/**
 * Whether the flight holds events of `shard` the store lacks: what it has applied of the shard is past
 * what its durable item has (after a lost race the fresh item may already have them: then it lacks none).
 */
const lacksShard = (h: HeldFlight, shard: string): boolean =>
  (h.current.applied[shard] ?? "") > (h.durable?.applied[shard] ?? "");

export class ManifestSink {
  private readonly held = new Map<string, HeldFlight>();
  /** Flights with unwritten events. */
  private readonly dirty = new Set<HeldFlight>();
  private unwrittenEvents = 0;
  private readonly cacheSize: number;

  constructor(private readonly options: ManifestSinkOptions) {
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /**
   * Forgets the flights the store has (on lease loss, so the next owner's writes are re-read). Flights not
   * written yet stay until a flush writes them: their writes expect the version they were read at, so a
   * flight the next owner has written since loses the race and is re-read.
   */
  invalidate(): void {
    for (const [flight, h] of this.held) if (!this.dirty.has(h)) this.held.delete(flight);
  }

  /**
   * Applies the batch. With writeAt "batch" it resolves when every touched flight is durable; with "flush"
   * when the changes are held (durable at the next `flush`). Returns the flights that changed, or with
   * `touched` every flight the batch concerns (a replayed flight then comes back with before = after:
   * whoever judges manifests, e.g. the flight rules, sees its state again after a crash).
   */
  async apply(
    inputs: readonly ManifestInput[],
    options: { touched?: boolean } = {},
  ): Promise<ManifestChange[]> {
    const byFlight = this.group(inputs);
    await this.load([...byFlight.keys()]);
    const changed: { h: HeldFlight; before: FlightManifest | undefined }[] = [];
    const replayed: HeldFlight[] = [];
    for (const [flight, group] of byFlight) {
      const h = this.held.get(flight);
      // Most recently used last: the cache drops from the front.
      if (h !== undefined) {
        this.held.delete(flight);
        this.held.set(flight, h);
      }
      const stored = h?.current;
      // Everything in this batch was applied before (a replay): nothing to write.
      if (
        stored !== undefined &&
        [...group.maxSeq].every(([shard, seq]) => (stored.applied[shard] ?? "") >= seq)
      ) {
        replayed.push(h as HeldFlight);
        continue;
      }
      const manifest = applyToManifest(stored?.manifest, group.events);
      const applied = { ...(stored?.applied ?? {}) };
      for (const [shard, seq] of group.maxSeq) if ((applied[shard] ?? "") < seq) applied[shard] = seq;
      const current = { manifest, applied };
      const target = h ?? this.hold(flight, undefined, current);
      target.current = current;
      for (const e of group.events) target.unwritten.push(e);
      this.dirty.add(target);
      this.unwrittenEvents += group.events.length;
      changed.push({ h: target, before: stored?.manifest });
    }
    // A replayed flight may still be unwritten, its first write having failed: written now too.
    if (this.options.writeAt !== "flush")
      await this.pooled([...changed.map((c) => c.h), ...replayed], (h) => this.writeFlight(h));
    else if (this.unwrittenEvents > (this.options.maxUnwrittenEvents ?? 50_000)) await this.flush();
    this.trim();
    const touched = options.touched === true;
    const changes: ManifestChange[] = [];
    for (const h of replayed) if (touched) changes.push(unchanged(h.flight, h.current.manifest));
    for (const { h, before } of changed) {
      const manifest = h.current.manifest;
      if (manifest !== before)
        changes.push({
          flight: h.flight,
          before: before && figuresOf(before),
          after: figuresOf(manifest),
          manifest,
        });
      else if (touched) changes.push(unchanged(h.flight, manifest));
    }
    return changes.sort((a, b) => (a.flight < b.flight ? -1 : 1));
  }

  /**
   * Writes every flight changed before the call; resolves when the store has them all. With `shardId`, only
   * the flights holding that shard's unwritten events, which are what its checkpoint must cover: a route's
   * flights belong to one shard, and written at every shard's checkpoint a busy flight would be written
   * once per shard per interval (four times with four shards) instead of once at its own shard's. Flights
   * left behind by a shard this worker lost go at a full flush (`maxUnwrittenEvents`) or their shard's next.
   */
  async flush(shardId?: string): Promise<void> {
    const due =
      shardId === undefined ? [...this.dirty] : [...this.dirty].filter((h) => lacksShard(h, shardId));
    await this.pooled(due, (h) => this.writeFlight(h));
    this.trim();
  }

  /** Flights changed and not yet written. */
  get unwrittenFlights(): number {
    return this.dirty.size;
  }

  private group(inputs: readonly ManifestInput[]): Map<string, BatchGroup> {
    const byFlight = new Map<string, BatchGroup>();
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
    return byFlight;
  }

  /** Reads the flights not held, in one go where the store can (BatchGetItem: 100 a request). */
  private async load(flights: readonly string[]): Promise<void> {
    const store = this.options.store;
    const missing = flights.filter((f) => !this.held.has(f));
    if (missing.length === 0) return;
    const read = new Map<string, StoredManifest | undefined>();
    if (store.getMany !== undefined && missing.length > 1) {
      const found = await store.getMany(missing);
      for (const f of missing) read.set(f, found.get(f));
    } else await this.pooled(missing, async (f) => void read.set(f, await store.get(f)));
    // Another shard's batch may have loaded (and changed) a flight meanwhile: that one stands.
    for (const [flight, stored] of read)
      if (stored !== undefined && !this.held.has(flight)) this.hold(flight, stored, stored);
  }

  private hold(flight: string, durable: StoredManifest | undefined, current: HeldState): HeldFlight {
    const h: HeldFlight = {
      flight,
      durable,
      current,
      unwritten: [],
      writing: undefined,
    };
    this.held.set(flight, h);
    return h;
  }

  /** Runs `op` on every item, `concurrency` at a time; all are tried before the first failure is thrown. */
  private async pooled<T>(items: readonly T[], op: (item: T) => Promise<void>): Promise<void> {
    const queue = [...items];
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        try {
          await op(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(queue.length, this.options.concurrency ?? 16) }, worker));
    if (failure !== undefined) throw failure.error;
  }

  /** Writes what the store lacks of one flight; a write already under way is waited for first. */
  private async writeFlight(h: HeldFlight): Promise<void> {
    while (h.writing !== undefined) await h.writing;
    if (h.unwritten.length === 0) return;
    h.writing = this.put(h);
    try {
      await h.writing;
    } finally {
      h.writing = undefined;
    }
  }

  private async put(h: HeldFlight): Promise<void> {
    const maxRaces = this.options.maxRaces ?? 5;
    for (let attempt = 0; attempt < maxRaces; attempt++) {
      // Batches applied while this write is out are not in `count`: still unwritten after it.
      const count = h.unwritten.length;
      const next: StoredManifest = { ...h.current, version: (h.durable?.version ?? 0) + 1 };
      if (await this.options.store.put(next, h.durable?.version)) {
        h.durable = next;
        h.unwritten.splice(0, count);
        this.unwrittenEvents -= count;
        if (h.unwritten.length === 0) this.dirty.delete(h);
        return;
      }
      // Another writer got there first: its item, plus what it lacks of ours.
      const fresh = await this.options.store.get(h.flight);
      const applied = { ...(fresh?.applied ?? {}) };
      for (const [shard, seq] of Object.entries(h.current.applied))
        if ((applied[shard] ?? "") < seq) applied[shard] = seq;
      h.durable = fresh;
      h.current = { manifest: applyToManifest(fresh?.manifest, h.unwritten), applied };
    }
    throw new ManifestRaceError(`flight ${h.flight}: lost ${maxRaces} optimistic-concurrency races in a row`);
  }

  /** Drops the least recently used flights the store has, down to the cache size. */
  private trim(): void {
    if (this.held.size <= this.cacheSize) return;
    for (const [flight, h] of this.held) {
      if (this.held.size <= this.cacheSize) return;
      if (!this.dirty.has(h)) this.held.delete(flight);
    }
  }
}

const unchanged = (flight: string, manifest: FlightManifest): ManifestChange => {
  const figures = figuresOf(manifest);
  return { flight, before: figures, after: figures, manifest };
};
