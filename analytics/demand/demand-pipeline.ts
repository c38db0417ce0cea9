// The demand pipeline: watermarks → producer duplicates dropped → tumbling panes → sliding windows → surge rule → cooldown. Input is
// batches of decoded events per shard; output is panes, windows, alerts, late events, watermarks and safe
// points, in an order that depends only on the events (never on batching or arrival), so a replay from a
// reported safe point reproduces the outputs exactly (idle advance by processing time is the exception:
// it exists precisely to act on the absence of events).
import { asyncScheduler, filter, type Observable, type OperatorFunction, type SchedulerLike } from "rxjs";
import { alertCooldown } from "../rules/alert-cooldown";
import type { BaselineStore } from "../rules/route-baseline";
import { surgeRule } from "../rules/surge-rule";
import type { DemandOptions } from "./demand-options";
import { dropDuplicateEvents } from "./drop-duplicates";
import { slidingDemand } from "./sliding-demand";
import type { DemandInput, DemandItem, DemandOutput } from "./stream-items";
import { tumblingPanes } from "./tumbling-panes";
import { withWatermarks } from "./with-watermarks";

const OUTPUT_KINDS: ReadonlySet<DemandItem["kind"]> = new Set([
  "watermark",
  "late",
  "safe-point",
  "pane",
  "window",
  "alert",
  "resume-fence",
  "shard-handoff",
]);

export function demandPipeline(
  options: DemandOptions,
  baselines: BaselineStore,
  scheduler: SchedulerLike = asyncScheduler,
  /** Called for each producer duplicate dropped (the worker's metrics). */
  onDuplicate?: () => void,
): OperatorFunction<DemandInput, DemandOutput> {
  return (source: Observable<DemandInput>) =>
    source.pipe(
      withWatermarks(options, scheduler),
      dropDuplicateEvents(options, onDuplicate),
      tumblingPanes(options),
      slidingDemand(options),
      surgeRule(options, baselines),
      alertCooldown(options),
      filter((item): item is DemandOutput => OUTPUT_KINDS.has(item.kind)),
    );
}
