// Sliding demand windows per route (default 15 min every 1 min), built from closed panes rather than from
// events, so each event is folded once whatever the window/hop ratio. A window [end − window, end) is
// emitted when the shard's watermark reaches `end` and at least one of its panes saw traffic. After a
// resume, windows reaching back before the fence are incomplete (and were emitted before): suppressed.
import type { OperatorFunction } from "rxjs";
import { addFigures, emptyAccumulator, figuresOf } from "./demand-figures";
import type { DemandOptions } from "./demand-options";
import type { WindowsPart } from "./shard-snapshot";
import {
  followShardLifecycle,
  getOrCreate,
  type ShardStatePart,
  statefulOperator,
} from "./stateful-operator";
import type { DemandItem, PaneClosed } from "./stream-items";

type Pane = PaneClosed["pane"];

interface RoutePanes {
  /** Closed panes in start order (the pane operator emits them in order). */
  readonly panes: Pane[];
  /** Last window end emitted or passed. */
  lastEnd: number;
}

interface ShardWindows {
  readonly routes: Map<string, RoutePanes>;
  fenceMs: number;
}

const WINDOWS_PART: ShardStatePart<ShardWindows, "windows"> = {
  name: "windows",
  save: (s) => ({ fenceMs: s.fenceMs, routes: [...s.routes] }),
  load: (p) => windowPanes(p.routes, p.fenceMs),
  inherit: (routes) => windowPanes(routes.windows, routes.fenceMs),
};

function windowPanes(routes: WindowsPart["routes"], fenceMs: number): ShardWindows {
  return {
    fenceMs,
    routes: new Map(
      routes.map(([route, r]) => [route, { panes: [...r.panes], lastEnd: r.lastEnd }] as const),
    ),
  };
}

export function slidingDemand(
  options: Pick<DemandOptions, "windowMs" | "hopMs" | "currency">,
): OperatorFunction<DemandItem, DemandItem> {
  const { windowMs, hopMs, currency } = options;
  return statefulOperator<DemandItem, DemandItem>((emit) => {
    const shards = new Map<string, ShardWindows>();
    const shardOf = (shardId: string) =>
      getOrCreate(shards, shardId, () => ({
        routes: new Map<string, RoutePanes>(),
        fenceMs: Number.NEGATIVE_INFINITY,
      }));

    /** Emits every window with end in (lastEnd, upTo], in (end, route) order. */
    const emitThrough = (shardId: string, s: ShardWindows, upTo: number) => {
      const lastDue = Math.floor(upTo / hopMs) * hopMs;
      const due: { end: number; panes: Pane[] }[] = [];
      for (const route of [...s.routes.keys()].sort()) {
        const r = s.routes.get(route) as RoutePanes;
        const first = r.panes[0];
        const last = r.panes[r.panes.length - 1];
        if (first === undefined || last === undefined) continue;
        const from = Math.max(r.lastEnd + hopMs, Math.ceil(first.end / hopMs) * hopMs);
        const to = Math.min(lastDue, Math.floor((last.start + windowMs) / hopMs) * hopMs);
        // Panes are in start order, so a window's panes are one run of the array: two cursors that only
        // move forward find each window's run, instead of a filter over every pane per window.
        let lo = 0;
        let hi = 0;
        for (let end = from; end <= to; end += hopMs) {
          while (lo < r.panes.length && (r.panes[lo] as Pane).start < end - windowMs) lo++;
          if (hi < lo) hi = lo;
          while (hi < r.panes.length && (r.panes[hi] as Pane).end <= end) hi++;
          if (hi > lo && end - windowMs >= s.fenceMs) due.push({ end, panes: r.panes.slice(lo, hi) });
        }
        r.lastEnd = Math.max(r.lastEnd, lastDue);
        // Panes no future window can reach.
        const keepFrom = lastDue + hopMs - windowMs;
        while (r.panes.length > 0 && (r.panes[0] as Pane).start < keepFrom) r.panes.shift();
        if (r.panes.length === 0) s.routes.delete(route);
      }
      // A stable sort: routes stay in order within one end.
      due.sort((x, y) => x.end - y.end);
      for (const { end, panes } of due) {
        const acc = emptyAccumulator();
        for (const p of panes) addFigures(acc, p);
        const p0 = panes[0] as Pane;
        emit({
          kind: "window",
          window: {
            route: p0.route,
            origin: p0.origin,
            destination: p0.destination,
            shardId,
            start: end - windowMs,
            end,
            panes: panes.length,
            ...figuresOf(acc, currency),
          },
        });
      }
    };

    return {
      next(item) {
        // Read to its end (resharding): every window its panes reach closes now.
        if (
          followShardLifecycle(
            item,
            shards,
            shardOf,
            (id, st) => emitThrough(id, st, Number.MAX_SAFE_INTEGER),
            WINDOWS_PART,
          )
        ) {
          emit(item);
          return;
        }
        switch (item.kind) {
          case "pane": {
            const routes = shardOf(item.pane.shardId).routes;
            getOrCreate(routes, item.pane.route, () => ({
              panes: [],
              lastEnd: Number.NEGATIVE_INFINITY,
            })).panes.push(item.pane);
            break;
          }
          // The watermark operator announces only advances.
          case "watermark":
            emitThrough(item.shardId, shardOf(item.shardId), item.watermarkMs);
            break;
        }
        emit(item);
      },
    };
  });
}
