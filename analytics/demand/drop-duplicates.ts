// Producer duplicates counted once: Kinesis producers re-send a record when a PutRecords answer is lost,
// so one event (one eventId) can reach the stream twice. The facts and manifests absorb it by key; panes,
// windows and alerts count, so this operator drops a repeated eventId before anything is counted.
//
// Per shard, keyed by event time: a duplicate is the same event, so it has the same event time and lands
// in the same pane as the first copy; ids are kept per pane, and a pane's ids are forgotten once the pane
// lies more than allowed lateness + window behind the shard's newest event (the horizon). A copy arriving
// later than that falls in a pane closed long ago: it is late, and late events change no pane, window or
// alert, so forgetting it loses nothing they depend on.
//
// It runs after withWatermarks, which must see every record (the safe point is "the record before the
// boundary record": a checkpoint there replays from the boundary itself); a duplicate never moves the
// watermark, since its time equals its first copy's. After a restart the ids are rebuilt by the replay
// from the safe point: a first copy before the safe point is older than the boundary record, so it lies
// before the resume fence, and its duplicate, replayed undetected, can only touch fenced panes and
// windows, which are never emitted again.
//
// Across a reshard the ids travel with the shard: a parent read to its end hands its children the ids of
// the panes still open under its watermark (the `shard-handoff` output, made durable before SHARD_END),
// and a child starts with them, so a re-send that lands in a child after its first copy went to the parent
// is dropped too. Older re-sends are late in the child, as they would have been in the parent.
import type { OperatorFunction } from "rxjs";
import { type DemandOptions, paneStartOf } from "./demand-options";
import type { DuplicatesPart } from "./shard-snapshot";
import { getOrCreate, statefulOperator } from "./stateful-operator";
import type { DemandItem, EventBatch, PositionedEvent, ShardHandoffState } from "./stream-items";

interface ShardIds {
  /** Pane start → eventIds seen in that pane. */
  readonly panes: Map<number, Set<string>>;
  /** The pane of the previous event and its ids: consecutive events mostly share one. */
  lastPane: number;
  lastIds: Set<string> | undefined;
  newest: number;
  /** Oldest pane start still kept (eviction runs only when the horizon moved past it). */
  oldest: number;
}

export function dropDuplicateEvents(
  options: Pick<DemandOptions, "paneMs" | "allowedLatenessMs" | "windowMs">,
  /** Called for each duplicate dropped (the worker counts them). */
  onDuplicate: () => void = () => {},
): OperatorFunction<DemandItem, DemandItem> {
  const { paneMs } = options;
  const horizonMs = options.allowedLatenessMs + options.windowMs;
  return statefulOperator<DemandItem, DemandItem>((emit) => {
    const shards = new Map<string, ShardIds>();
    const fresh = (): ShardIds => ({
      panes: new Map(),
      lastPane: Number.NaN,
      lastIds: undefined,
      newest: Number.NEGATIVE_INFINITY,
      oldest: Number.POSITIVE_INFINITY,
    });

    /** True the first time (shard, pane, eventId) is seen within the horizon. */
    const firstCopy = (s: ShardIds, e: PositionedEvent): boolean => {
      const t = e.eventTimeMs;
      const pane = paneStartOf(t, paneMs);
      if (pane + paneMs <= s.newest - horizonMs) return true; // beyond the horizon: late, not remembered
      let ids = s.lastIds;
      if (pane !== s.lastPane || ids === undefined) {
        ids = getOrCreate(s.panes, pane, () => new Set<string>());
        s.lastPane = pane;
        s.lastIds = ids;
      }
      // One hash lookup: a Set that does not grow on add already held the id.
      const before = ids.size;
      ids.add(e.event.eventId);
      if (ids.size === before) {
        onDuplicate();
        return false;
      }
      if (pane < s.oldest) s.oldest = pane;
      return true;
    };

    const evict = (s: ShardIds) => {
      if (!(s.oldest + paneMs <= s.newest - horizonMs)) return;
      let oldest = Number.POSITIVE_INFINITY;
      for (const pane of s.panes.keys()) {
        if (pane + paneMs <= s.newest - horizonMs) s.panes.delete(pane);
        else if (pane < oldest) oldest = pane;
      }
      s.oldest = oldest;
      s.lastIds = undefined;
    };

    const withPanes = (panes: Iterable<readonly [number, readonly string[]]>, newest: number): ShardIds => {
      const s = fresh();
      s.newest = newest;
      for (const [paneStart, eventIds] of panes) {
        const ids = getOrCreate(s.panes, paneStart, () => new Set<string>());
        for (const id of eventIds) ids.add(id);
        if (paneStart < s.oldest) s.oldest = paneStart;
      }
      return s;
    };
    const inherit = (state: ShardHandoffState): ShardIds =>
      withPanes(
        state.panes.map((p) => [p.paneStart, p.eventIds] as const),
        Number.NEGATIVE_INFINITY,
      );
    const part = (s: ShardIds): DuplicatesPart => ({
      newest: s.newest,
      panes: [...s.panes].map(([pane, ids]) => [pane, [...ids]] as const),
    });

    /** The ids of the panes a child could still receive on-time events for: those ending after the watermark. */
    const handoff = (s: ShardIds | undefined, watermarkMs = Number.NEGATIVE_INFINITY): ShardHandoffState => ({
      watermarkMs,
      panes: [...(s?.panes ?? [])]
        .filter(([start]) => start + paneMs > watermarkMs)
        .sort(([a], [b]) => a - b)
        .map(([paneStart, ids]) => ({ paneStart, eventIds: [...ids] })),
    });

    const onBatch = (batch: EventBatch) => {
      const s = getOrCreate(shards, batch.shardId, fresh);
      const events = batch.events;
      let kept: PositionedEvent[] | undefined;
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as PositionedEvent;
        if (firstCopy(s, e)) {
          kept?.push(e);
          if (e.eventTimeMs > s.newest) s.newest = e.eventTimeMs;
        } else if (kept === undefined) kept = events.slice(0, i);
      }
      evict(s);
      emit(kept === undefined ? batch : { ...batch, events: kept });
    };

    return {
      next(item) {
        switch (item.kind) {
          case "events":
            onBatch(item);
            return;
          case "late":
            if (firstCopy(getOrCreate(shards, item.shardId, fresh), item.event)) emit(item);
            return;
          case "snapshot":
            item.parts.duplicates = part(getOrCreate(shards, item.shardId, fresh));
            emit(item);
            return;
          case "shard-started": {
            shards.delete(item.shardId);
            const restored = item.restored?.parts.duplicates;
            if (restored !== undefined) shards.set(item.shardId, withPanes(restored.panes, restored.newest));
            else if (item.inherited !== undefined) shards.set(item.shardId, inherit(item.inherited));
            emit(item);
            return;
          }
          case "shard-ended": {
            const s = shards.get(item.shardId);
            shards.delete(item.shardId);
            if (item.reason === "shard-end")
              emit({ kind: "shard-handoff", shardId: item.shardId, state: handoff(s, item.watermarkMs) });
            emit(item);
            return;
          }
          default:
            emit(item);
        }
      },
    };
  });
}
