// Event-time tumbling panes per route. On-time events (the watermark operator has already split off late
// ones) fold into their pane; a pane is emitted, once, when its shard's watermark reaches its end. After a
// resume, panes that start before the resume fence are incomplete and were emitted before the checkpoint:
// they are built (their events must not open new panes) but not emitted.
import { Observable, type OperatorFunction } from "rxjs";
import { addEvent, emptyAccumulator, type FigureAccumulator, figuresOf } from "./demand-figures";
import { type DemandOptions, paneStartOf } from "./demand-options";
import type { DemandItem, EventBatch, PositionedEvent } from "./stream-items";

interface PaneAccumulator extends FigureAccumulator {
  readonly origin: string;
  readonly destination: string;
}

interface ShardPanes {
  /** paneStart → route → accumulator. Few panes are open at once (lateness / pane + 1). */
  readonly open: Map<number, Map<string, PaneAccumulator>>;
  fenceMs: number;
}

export function tumblingPanes(
  options: Pick<DemandOptions, "paneMs" | "currency">,
): OperatorFunction<DemandItem, DemandItem> {
  const { paneMs, currency } = options;
  return (source) =>
    new Observable<DemandItem>((subscriber) => {
      const shards = new Map<string, ShardPanes>();
      const shardOf = (shardId: string) => {
        let s = shards.get(shardId);
        if (s === undefined) {
          s = { open: new Map(), fenceMs: Number.NEGATIVE_INFINITY };
          shards.set(shardId, s);
        }
        return s;
      };

      const onBatch = (batch: EventBatch) => {
        const s = shardOf(batch.shardId);
        let lastStart = Number.NaN;
        let byRoute: Map<string, PaneAccumulator> | undefined;
        for (const pe of batch.events as PositionedEvent[]) {
          const e = pe.event;
          const start = paneStartOf(pe.eventTimeMs, paneMs);
          if (start !== lastStart) {
            byRoute = s.open.get(start);
            if (byRoute === undefined) {
              byRoute = new Map();
              s.open.set(start, byRoute);
            }
            lastStart = start;
          }
          const route = `${e.origin}-${e.destination}`;
          let acc = (byRoute as Map<string, PaneAccumulator>).get(route);
          if (acc === undefined) {
            acc = { ...emptyAccumulator(), origin: e.origin, destination: e.destination };
            (byRoute as Map<string, PaneAccumulator>).set(route, acc);
          }
          addEvent(acc, e);
        }
      };

      const close = (shardId: string, s: ShardPanes, upTo: number) => {
        const due = [...s.open.keys()].filter((start) => start + paneMs <= upTo).sort((a, b) => a - b);
        for (const start of due) {
          const byRoute = s.open.get(start) as Map<string, PaneAccumulator>;
          s.open.delete(start);
          if (start < s.fenceMs) continue;
          for (const route of [...byRoute.keys()].sort()) {
            const acc = byRoute.get(route) as PaneAccumulator;
            subscriber.next({
              kind: "pane",
              pane: {
                route,
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

      const sub = source.subscribe({
        next(item) {
          switch (item.kind) {
            case "events":
              onBatch(item);
              break;
            case "watermark":
              close(item.shardId, shardOf(item.shardId), item.watermarkMs);
              break;
            case "resume-fence":
              shardOf(item.shardId).fenceMs = item.fenceMs;
              break;
            case "shard-started":
              shards.delete(item.shardId);
              break;
            case "shard-ended": {
              const s = shards.get(item.shardId);
              // Read to its end (resharding): nothing more will come, so the last panes close now.
              // On a lost lease or shutdown the next owner replays them from the checkpoint instead.
              if (s !== undefined && item.reason === "shard-end")
                close(item.shardId, s, Number.POSITIVE_INFINITY);
              shards.delete(item.shardId);
              break;
            }
          }
          subscriber.next(item);
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => sub.unsubscribe();
    });
}
