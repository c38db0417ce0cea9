// Event-time tumbling panes per route. On-time events (the watermark operator has already split off late
// ones) fold into their pane; a pane is emitted, once, when its shard's watermark reaches its end. After a
// resume, panes that start before the resume fence are incomplete and were emitted before the checkpoint:
// they are built (their events must not open new panes) but not emitted.
import type { OperatorFunction } from "rxjs";
import { routeKey } from "../events/keys";
import { addEvent, emptyAccumulator, type FigureAccumulator, figuresOf } from "./demand-figures";
import { type DemandOptions, paneStartOf } from "./demand-options";
import type { OpenPanePart, PanesPart } from "./shard-snapshot";
import {
  followShardLifecycle,
  getOrCreate,
  type ShardStatePart,
  statefulOperator,
} from "./stateful-operator";
import type { DemandItem, EventBatch, PositionedEvent } from "./stream-items";

interface PaneAccumulator extends FigureAccumulator {
  readonly route: string;
  readonly origin: string;
  readonly destination: string;
}

const newPaneAccumulator = (origin: string, destination: string): PaneAccumulator =>
  Object.assign(emptyAccumulator(), { route: routeKey(origin, destination), origin, destination });

/** origin → destination → accumulator: two lookups on the event's own strings, no route string built. */
type PaneRoutes = Map<string, Map<string, PaneAccumulator>>;

interface ShardPanes {
  /** paneStart → routes. Few panes are open at once (lateness / pane + 1). */
  readonly open: Map<number, PaneRoutes>;
  fenceMs: number;
}

const restoredAccumulator = (p: OpenPanePart): PaneAccumulator => ({
  ...newPaneAccumulator(p.origin, p.destination),
  searches: p.searches,
  bookings: p.bookings,
  seatsBooked: p.seatsBooked,
  cancellations: p.cancellations,
  seatsCancelled: p.seatsCancelled,
  revenueMinor: { ...p.revenueMinor },
  events: p.events,
});

const PANES_PART: ShardStatePart<ShardPanes, "panes"> = {
  name: "panes",
  save: (s) => ({
    fenceMs: s.fenceMs,
    open: [...s.open].map(([start, routes]) => {
      const accs: PaneAccumulator[] = [];
      for (const byDestination of routes.values()) accs.push(...byDestination.values());
      return [start, accs] as const;
    }),
  }),
  load: (p) => openPanes(p),
  inherit: (routes) => openPanes(routes),
};

function openPanes(p: Pick<PanesPart, "open" | "fenceMs">): ShardPanes {
  const open = new Map<number, PaneRoutes>();
  for (const [start, accs] of p.open) {
    const routes: PaneRoutes = new Map();
    for (const a of accs)
      getOrCreate(routes, a.origin, () => new Map()).set(a.destination, restoredAccumulator(a));
    open.set(start, routes);
  }
  return { open, fenceMs: p.fenceMs };
}

export function tumblingPanes(
  options: Pick<DemandOptions, "paneMs" | "currency">,
): OperatorFunction<DemandItem, DemandItem> {
  const { paneMs, currency } = options;
  return statefulOperator<DemandItem, DemandItem>((emit) => {
    const shards = new Map<string, ShardPanes>();
    const shardOf = (shardId: string) =>
      getOrCreate(shards, shardId, () => ({
        open: new Map<number, PaneRoutes>(),
        fenceMs: Number.NEGATIVE_INFINITY,
      }));

    const onBatch = (batch: EventBatch) => {
      const s = shardOf(batch.shardId);
      let lastStart = Number.NaN;
      let routes: PaneRoutes | undefined;
      for (const pe of batch.events as PositionedEvent[]) {
        const e = pe.event;
        const start = paneStartOf(pe.eventTimeMs, paneMs);
        if (start !== lastStart) {
          routes = s.open.get(start);
          if (routes === undefined) {
            routes = new Map();
            s.open.set(start, routes);
          }
          lastStart = start;
        }
        let byDestination = (routes as PaneRoutes).get(e.origin);
        if (byDestination === undefined) {
          byDestination = new Map();
          (routes as PaneRoutes).set(e.origin, byDestination);
        }
        let acc = byDestination.get(e.destination);
        if (acc === undefined) {
          acc = newPaneAccumulator(e.origin, e.destination);
          byDestination.set(e.destination, acc);
        }
        addEvent(acc, e);
      }
    };

    const close = (shardId: string, s: ShardPanes, upTo: number) => {
      const due = [...s.open.keys()].filter((start) => start + paneMs <= upTo).sort((a, b) => a - b);
      for (const start of due) {
        const routes = s.open.get(start) as PaneRoutes;
        s.open.delete(start);
        if (start < s.fenceMs) continue;
        const accs: PaneAccumulator[] = [];
        for (const byDestination of routes.values()) for (const acc of byDestination.values()) accs.push(acc);
        accs.sort((a, b) => (a.route < b.route ? -1 : a.route > b.route ? 1 : 0));
        for (const acc of accs) {
          emit({
            kind: "pane",
            pane: {
              route: acc.route,
              origin: acc.origin,
              destination: acc.destination,
              shardId,
              start,
              end: start + paneMs,
              events: acc.events,
              ...figuresOf(acc, currency),
            },
          });
        }
      }
    };

    return {
      next(item) {
        // Read to its end (resharding): nothing more will come, so the last panes close now.
        if (
          followShardLifecycle(
            item,
            shards,
            shardOf,
            (id, st) => close(id, st, Number.POSITIVE_INFINITY),
            PANES_PART,
          )
        ) {
          emit(item);
          return;
        }
        switch (item.kind) {
          case "events":
            onBatch(item);
            break;
          case "watermark":
            close(item.shardId, shardOf(item.shardId), item.watermarkMs);
            break;
        }
        emit(item);
      },
    };
  });
}
