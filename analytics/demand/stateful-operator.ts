// The shape every demand operator shares: per-subscription state, one handler per item, errors and
// completion passed through, and a teardown (timers) when the subscriber leaves.
import { Observable, type OperatorFunction } from "rxjs";
import type { SnapshotParts } from "./shard-snapshot";
import type { DemandItem, RouteStates } from "./stream-items";

export interface ItemHandler<I> {
  readonly next: (item: I) => void;
  readonly teardown?: () => void;
}

export function statefulOperator<I, O>(
  create: (emit: (o: O) => void) => ItemHandler<I>,
): OperatorFunction<I, O> {
  return (source) =>
    new Observable<O>((subscriber) => {
      const handler = create((o) => subscriber.next(o));
      const sub = source.subscribe({
        next: (item) => handler.next(item),
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        handler.teardown?.();
        sub.unsubscribe();
      };
    });
}

/** The value under `key`, created on first use. */
export function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = create();
    map.set(key, v);
  }
  return v;
}

/** How a windowing operator's shard state goes into a snapshot's part and comes back from it. */
export interface ShardStatePart<S, N extends keyof SnapshotParts> {
  readonly name: N;
  save(state: S): SnapshotParts[N];
  load(part: SnapshotParts[N]): S;
  /** A reshard's child: the state of the routes it took over from its parents. */
  inherit(routes: RouteStates): S;
}

/**
 * The shard lifecycle every windowing operator follows: a resume fence is recorded, a (re)started shard
 * forgets its state (or takes it from the snapshot it resumes from, or a reshard's child its routes' from
 * its parents), a snapshot request gets the state's part, a shard read to its end (resharding) flushes
 * what is open unless it hands it to its children, a lost or released lease drops it for the next owner
 * to restore or rebuild. Returns false for items that are not lifecycle items.
 */
export function followShardLifecycle<S extends { fenceMs: number }, N extends keyof SnapshotParts>(
  item: DemandItem,
  shards: Map<string, S>,
  stateOf: (shardId: string) => S,
  flush: (shardId: string, state: S) => void,
  part: ShardStatePart<S, N>,
): boolean {
  switch (item.kind) {
    case "resume-fence":
      stateOf(item.shardId).fenceMs = item.fenceMs;
      return true;
    case "snapshot":
      item.parts[part.name] = part.save(stateOf(item.shardId));
      return true;
    case "shard-started": {
      shards.delete(item.shardId);
      const restored = item.restored?.parts[part.name];
      const inherited = item.inherited?.routes;
      if (restored !== undefined) shards.set(item.shardId, part.load(restored));
      else if (inherited !== undefined) shards.set(item.shardId, part.inherit(inherited));
      return true;
    }
    case "shard-ended": {
      const s = shards.get(item.shardId);
      // Handed off: the children finish what is open.
      if (s !== undefined && item.reason === "shard-end" && item.handOff !== true) flush(item.shardId, s);
      shards.delete(item.shardId);
      return true;
    }
    default:
      return false;
  }
}
