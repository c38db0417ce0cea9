// Per-shard event-time watermarks: watermark = max event time − allowed lateness, advanced by processing
// time when a shard has been silent for the idle timeout and is caught up (the runtime's reads come back
// empty; a shard held up by a failing sink is silent too, but its records wait), so its last panes still
// close. Splits each
// batch into on-time events and late ones (their pane had closed), and reports the shard's safe point: the
// latest checkpoint from which a replay rebuilds exactly the state needed for every output not yet emitted.
//
// Why the safe point is a "boundary record": a replay that starts at an event whose time exceeds every
// earlier event's time sees, from then on, the same running maximum (so the same watermarks and the same
// late/on-time split) as the original run. Starting in the pane after that event, every pane holds only
// replayed events. The record is chosen old enough that everything built from earlier data (panes,
// windows, the cooldown history of alerts) was emitted before the report.
import { asyncScheduler, type OperatorFunction, type SchedulerLike } from "rxjs";
import { routeOf } from "../events/keys";
import { type DemandOptions, nextWindowEnd, paneStartOf } from "./demand-options";
import type { ClockPart } from "./shard-snapshot";
import { getOrCreate, statefulOperator } from "./stateful-operator";
import type { DemandItem, EventBatch, LateEvent, PositionedEvent, ShardPosition } from "./stream-items";

interface BoundaryRecord {
  /** End of the pane the record falls in: the replay fence if a replay starts here. */
  readonly paneEnd: number;
  readonly position: ShardPosition;
  /** The event before it; undefined when it is the first event this run has seen. */
  readonly before: ShardPosition | undefined;
}

interface ShardClock {
  maxEventTime: number;
  /** Pane of maxEventTime: a new maximum in a later pane is a boundary record. */
  maxPaneStart: number;
  /** Running watermark, per event: what late/on-time is judged against. */
  watermark: number;
  /** Last watermark announced downstream (panes close on announcements). */
  announced: number;
  lastArrival: number;
  /** An empty read came after the last batch: the shard is idle, not held up (see CaughtUp). */
  caughtUp: boolean;
  resumed: boolean;
  /** Position of the last event seen; undefined until the first. */
  lastPosition: ShardPosition | undefined;
  boundaries: BoundaryRecord[];
  reported: BoundaryRecord | undefined;
}

const newClock = (now: number, resumed: boolean): ShardClock => ({
  maxEventTime: Number.NEGATIVE_INFINITY,
  maxPaneStart: Number.NEGATIVE_INFINITY,
  watermark: Number.NEGATIVE_INFINITY,
  announced: Number.NEGATIVE_INFINITY,
  lastArrival: now,
  caughtUp: false,
  resumed,
  lastPosition: undefined,
  boundaries: [],
  reported: undefined,
});

const clockPart = (c: ShardClock): ClockPart => ({
  maxEventTime: c.maxEventTime,
  maxPaneStart: c.maxPaneStart,
  watermark: c.watermark,
  announced: c.announced,
  resumed: c.resumed,
  lastPosition: c.lastPosition,
  boundaries: c.boundaries,
  reported: c.reported,
});

/** The clock of a snapshot; `reported` is one of the boundaries again when it was (compared by identity). */
function restoredClock(p: ClockPart, now: number): ShardClock {
  // JSON drops an undefined `before` (the first event of a run); it comes back as undefined.
  const boundary = (b: ClockPart["boundaries"][number]): BoundaryRecord => ({
    paneEnd: b.paneEnd,
    position: b.position,
    before: b.before,
  });
  const boundaries = p.boundaries.map(boundary);
  const r = p.reported;
  const same = (b: BoundaryRecord) =>
    r !== undefined &&
    b.paneEnd === r.paneEnd &&
    b.position.sequenceNumber === r.position.sequenceNumber &&
    b.position.subSequenceNumber === r.position.subSequenceNumber;
  return {
    maxEventTime: p.maxEventTime,
    maxPaneStart: p.maxPaneStart,
    watermark: p.watermark,
    announced: p.announced,
    lastArrival: now,
    caughtUp: false,
    resumed: p.resumed,
    lastPosition: p.lastPosition,
    boundaries,
    reported: r === undefined ? undefined : (boundaries.find(same) ?? boundary(r)),
  };
}

export function withWatermarks(
  options: Pick<
    DemandOptions,
    "paneMs" | "allowedLatenessMs" | "idleTimeoutMs" | "idleCheckMs" | "windowMs" | "hopMs"
  > & {
    readonly surge: Pick<DemandOptions["surge"], "cooldownMs">;
  },
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<DemandItem, DemandItem> {
  const { paneMs, allowedLatenessMs, idleTimeoutMs, idleCheckMs, windowMs, hopMs } = options;
  const retentionMs = windowMs + options.surge.cooldownMs;
  return statefulOperator<DemandItem, DemandItem>((emit) => {
    const shards = new Map<string, ShardClock>();
    const clockOf = (shardId: string) => getOrCreate(shards, shardId, () => newClock(scheduler.now(), false));

    const announce = (shardId: string, c: ShardClock, watermark: number, idle: boolean) => {
      if (!(watermark > c.announced)) return;
      c.announced = watermark;
      if (watermark > c.watermark) c.watermark = watermark;
      emit({ kind: "watermark", shardId, watermarkMs: watermark, idle });
      const needFrom = nextWindowEnd(watermark, hopMs) - retentionMs;
      let chosen = -1;
      for (let i = 0; i < c.boundaries.length && (c.boundaries[i] as BoundaryRecord).paneEnd <= needFrom; i++)
        chosen = i;
      if (chosen < 0) return;
      const b = c.boundaries[chosen] as BoundaryRecord;
      c.boundaries.splice(0, chosen);
      if (b === c.reported || b.before === undefined) return;
      c.reported = b;
      emit({ kind: "safe-point", shardId, checkpointAt: b.before, firstNeeded: b.position });
    };

    const onBatch = (batch: EventBatch) => {
      const c = clockOf(batch.shardId);
      c.lastArrival = scheduler.now();
      c.caughtUp = false;
      let late: LateEvent[] | undefined;
      let onTime: PositionedEvent[] | undefined;
      const events = batch.events;
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as PositionedEvent;
        const t = e.eventTimeMs;
        const paneStart = paneStartOf(t, paneMs);
        if (c.lastPosition === undefined && c.resumed)
          emit({ kind: "resume-fence", shardId: batch.shardId, fenceMs: paneStart + paneMs });
        if (paneStart + paneMs <= c.watermark) {
          if (late === undefined) {
            late = [];
            onTime = events.slice(0, i);
          }
          late.push({
            kind: "late",
            shardId: batch.shardId,
            route: routeOf(e.event),
            paneStart,
            watermarkMs: c.watermark,
            event: e,
          });
        } else {
          onTime?.push(e);
          if (t > c.maxEventTime) {
            if (paneStart > c.maxPaneStart) {
              c.maxPaneStart = paneStart;
              c.boundaries.push({
                paneEnd: paneStart + paneMs,
                position: e.position,
                before: c.lastPosition,
              });
            }
            c.maxEventTime = t;
            // Per-event watermark, so a batch splits exactly as the same events one by one would.
            if (t - allowedLatenessMs > c.watermark) c.watermark = t - allowedLatenessMs;
          }
        }
        c.lastPosition = e.position;
      }
      emit(onTime === undefined ? batch : { ...batch, events: onTime });
      if (late !== undefined) for (const l of late) emit(l);
      announce(batch.shardId, c, c.watermark, false);
    };

    const idleCheck = scheduler.schedule(function tick() {
      const now = scheduler.now();
      for (const [shardId, c] of shards) {
        if (!c.caughtUp || c.maxEventTime === Number.NEGATIVE_INFINITY || now - c.lastArrival < idleTimeoutMs)
          continue;
        announce(shardId, c, c.maxEventTime + (now - c.lastArrival) - allowedLatenessMs, true);
      }
      this.schedule(undefined, idleCheckMs);
    }, idleCheckMs);

    return {
      next(item) {
        switch (item.kind) {
          case "events":
            onBatch(item);
            return;
          case "caught-up":
            clockOf(item.shardId).caughtUp = true;
            return;
          case "snapshot": {
            item.parts.clock = clockPart(clockOf(item.shardId));
            emit(item);
            return;
          }
          case "shard-started": {
            if (item.restored !== undefined) {
              shards.set(item.shardId, restoredClock(item.restored.parts.clock, scheduler.now()));
              emit(item);
              return;
            }
            const c = newClock(scheduler.now(), item.resumed);
            // A reshard's child judges lateness from where its parents stopped (never announced: the
            // parents' panes up to there are closed, the child's own close as its events come).
            if (item.inherited !== undefined) c.watermark = item.inherited.watermarkMs;
            // With its routes' open panes: idle advance (processing time) starts from the parents' newest
            // event, so those panes close even if no event of theirs ever comes.
            const maxEventTime = item.inherited?.routes?.maxEventTime;
            if (maxEventTime !== undefined && maxEventTime > c.maxEventTime) {
              c.maxEventTime = maxEventTime;
              c.maxPaneStart = paneStartOf(maxEventTime, paneMs);
            }
            shards.set(item.shardId, c);
            emit(item);
            return;
          }
          case "shard-ended": {
            const c = shards.get(item.shardId);
            shards.delete(item.shardId);
            emit(c === undefined ? item : { ...item, watermarkMs: c.watermark });
            return;
          }
          default:
            emit(item);
        }
      },
      teardown: () => idleCheck.unsubscribe(),
    };
  });
}
