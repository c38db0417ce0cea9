// One shard's demand analytics inside the record processor: feeds decoded batches into the RxJS pipeline,
// collects what it emits (also between batches, when an idle shard's watermark moves on its timer), loads
// the route baselines a batch can touch before feeding it, and remembers the shard's latest safe point.
import { type SchedulerLike, Subject, type Subscription } from "rxjs";
import type { DemandOptions } from "../../analytics/demand/demand-options";
import { demandPipeline } from "../../analytics/demand/demand-pipeline";
import { routeStatesOf } from "../../analytics/demand/shard-handoff";
import {
  completeSnapshot,
  type DemandSnapshot,
  encodeSnapshot,
  type SnapshotParts,
} from "../../analytics/demand/shard-snapshot";
import type {
  DemandInput,
  DemandOutput,
  PositionedEvent,
  RouteStates,
  SafePoint,
  ShardEnded,
  ShardHandoffState,
  ShardPosition,
} from "../../analytics/demand/stream-items";
import { routeOf } from "../../analytics/events/keys";
import { type BaselineStore, baselineKey } from "../../analytics/rules/route-baseline";

/** A baseline store the processor can prepare before a batch and make durable before a checkpoint. */
export interface DurableBaselineStore extends BaselineStore {
  load?(keys: Iterable<string>): Promise<void>;
  flush?(): Promise<void>;
}

export interface DemandStageOptions {
  readonly options: DemandOptions;
  readonly baselines: DurableBaselineStore;
  readonly scheduler?: SchedulerLike;
  /** Called for each producer duplicate the pipeline drops. */
  readonly onDuplicate?: () => void;
}

const HOUR = 3_600_000;
/** A week of hours: beyond that, every hour of week is already in the range. */
const MAX_HOURS = 168;

export class DemandStage {
  private readonly input = new Subject<DemandInput>();
  private readonly subscription: Subscription;
  private pending: DemandOutput[] = [];
  private readonly routes = new Set<string>();
  private watermark = Number.NEGATIVE_INFINITY;
  private failure: unknown;
  /** The newest safe point reported: where a checkpoint may go. */
  safePoint: SafePoint | undefined;

  constructor(
    private readonly shardId: string,
    resumed: boolean,
    private readonly o: DemandStageOptions,
    /** A reshard's child: the state its parents handed off. */
    inherited?: ShardHandoffState,
    /** The state as of the checkpoint the shard resumes from. */
    restored?: DemandSnapshot,
  ) {
    this.subscription = this.input
      .pipe(demandPipeline(o.options, o.baselines, o.scheduler, o.onDuplicate))
      .subscribe({
        next: (out) => {
          if (out.kind === "safe-point") this.safePoint = out;
          else if (out.kind === "watermark") this.watermark = out.watermarkMs;
          this.pending.push(out);
        },
        error: (e) => {
          this.failure = e;
        },
      });
    // The baselines a batch loads are those of the routes and hours its windows can close: after a restore
    // or a reshard, the routes of the carried-over panes and the watermark they were at count too.
    const carried =
      restored !== undefined
        ? {
            open: restored.parts.panes.open,
            windows: restored.parts.windows.routes,
            watermark: restored.parts.clock.announced,
          }
        : inherited?.routes !== undefined
          ? {
              open: inherited.routes.open,
              windows: inherited.routes.windows,
              watermark: inherited.watermarkMs,
            }
          : undefined;
    if (carried !== undefined) {
      for (const [, panes] of carried.open) for (const p of panes) this.routes.add(p.route);
      for (const [route] of carried.windows) this.routes.add(route);
      this.watermark = carried.watermark;
    }
    this.input.next({
      kind: "shard-started",
      shardId,
      resumed,
      ...(inherited !== undefined ? { inherited } : {}),
      ...(restored !== undefined ? { restored } : {}),
    });
  }

  /** Feeds one batch (after loading the baselines its windows may read); outputs wait in take(). */
  async push(events: readonly PositionedEvent[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (events.length === 0) return;
    let minT = Number.POSITIVE_INFINITY;
    let maxT = Number.NEGATIVE_INFINITY;
    for (const e of events) {
      this.routes.add(routeOf(e.event));
      if (e.eventTimeMs < minT) minT = e.eventTimeMs;
      if (e.eventTimeMs > maxT) maxT = e.eventTimeMs;
    }
    // Windows this batch can close end after the current watermark (after the first event on a first batch)
    // and at most at the newest event time.
    const from = Math.floor((Number.isFinite(this.watermark) ? this.watermark : minT) / HOUR);
    const to = Math.floor(maxT / HOUR) + 1;
    const keys: string[] = [];
    for (let h = Math.max(from, to - MAX_HOURS); h <= to; h++)
      for (const route of this.routes) keys.push(baselineKey(route, h * HOUR + 1));
    await this.o.baselines.load?.(keys);
    this.input.next({ kind: "events", shardId: this.shardId, events });
    if (this.failure !== undefined) throw this.failure;
  }

  /** The runtime delivered an empty read: the shard is caught up, so its watermark may advance when idle. */
  caughtUp(): void {
    this.input.next({ kind: "caught-up", shardId: this.shardId });
  }

  /** Everything emitted since the last take, in order. */
  take(): DemandOutput[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /**
   * Everything emitted since the last take, and the state's bytes as of the same instant (after the last
   * batch, `position` its last record): a restore from them goes on with exactly what comes after.
   */
  takeWithSnapshot(position: ShardPosition): { outputs: DemandOutput[]; snapshot: Buffer } {
    if (this.failure !== undefined) throw this.failure;
    return { outputs: this.take(), snapshot: encodeSnapshot(this.snapshot(position)) };
  }

  private snapshot(position: ShardPosition): DemandSnapshot {
    const parts: Partial<SnapshotParts> = {};
    this.input.next({ kind: "snapshot", shardId: this.shardId, parts });
    return completeSnapshot(this.shardId, position, this.o.options, parts);
  }

  /**
   * Ends the shard's pipeline. At `shard-end`, with `handOffUnder` (the hand-off store's limit), the routes'
   * open state goes to the children when the whole state is under it (with some room for the hand-off's
   * own layout): returned, with the ids as the `shard-handoff` output. Otherwise the open panes and windows
   * close now (take() has them).
   */
  end(reason: ShardEnded["reason"], handOffUnder?: number): RouteStates | undefined {
    let routes: RouteStates | undefined;
    if (reason === "shard-end" && handOffUnder !== undefined && this.failure === undefined) {
      const state = this.snapshot({ sequenceNumber: "SHARD_END" });
      if (encodeSnapshot(state).length <= handOffUnder * 0.9) routes = routeStatesOf(state.parts);
    }
    this.input.next({
      kind: "shard-ended",
      shardId: this.shardId,
      reason,
      ...(routes !== undefined ? { handOff: true } : {}),
    });
    this.input.complete();
    this.subscription.unsubscribe();
    return routes;
  }
}
