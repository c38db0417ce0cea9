// The high-demand rule on sliding windows: a route surges when the seats booked in a window reach an
// absolute floor and k × the route's baseline for that hour of week (until the baseline has enough
// samples, the floor alone decides). Emits candidates; the cooldown operator decides which become alerts.
// Every window, surging or not, then feeds the baseline.
import type { OperatorFunction } from "rxjs";
import type { DemandOptions } from "../demand/demand-options";
import { statefulOperator } from "../demand/stateful-operator";
import type { DemandAlert, DemandItem, WindowClosed } from "../demand/stream-items";
import { applyWindow, type BaselineStore, baselineBefore, baselineKey } from "./route-baseline";

type Window = WindowClosed["window"];

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** The surge alert for a window, or undefined when the rule does not hold. */
export function evaluateSurge(
  w: Window,
  baseline: { value: number; samples: number } | undefined,
  rule: DemandOptions["surge"],
): DemandAlert | undefined {
  const demand = w.seatsBooked;
  if (demand < rule.floorSeats || demand === 0) return undefined;
  const trusted = baseline !== undefined && baseline.samples >= rule.baselineMinSamples;
  const threshold = trusted
    ? Math.max(rule.floorSeats, rule.baselineFactor * baseline.value)
    : rule.floorSeats;
  if (demand < threshold) return undefined;
  const ratio = trusted && baseline.value > 0 ? demand / baseline.value : undefined;
  const severity = demand >= 2 * threshold ? "critical" : "warning";
  const figures: Record<string, number> = {
    seatsBooked: demand,
    bookings: w.bookings,
    searches: w.searches,
    floorSeats: rule.floorSeats,
    threshold,
    revenueReportingMinor: w.revenueReportingMinor,
  };
  if (trusted) {
    figures["baseline"] = Math.round(baseline.value * 100) / 100;
    figures["baselineFactor"] = rule.baselineFactor;
  }
  if (w.lookToBook !== null) figures["lookToBook"] = Math.round(w.lookToBook * 10_000) / 10_000;
  const size = minutes(w.end - w.start);
  return {
    alertId: `${w.route}#demand_surge#${w.end}`,
    alertType: "demand_surge",
    severity,
    route: w.route,
    origin: w.origin,
    destination: w.destination,
    shardId: w.shardId,
    windowStart: w.start,
    windowEnd: w.end,
    figures,
    summary:
      ratio === undefined
        ? `${demand} seats booked on ${w.route} in ${size} (floor ${rule.floorSeats})`
        : `${demand} seats booked on ${w.route} in ${size}, ${ratio.toFixed(1)}× the usual ${baseline?.value.toFixed(1)}`,
  };
}

export function surgeRule(
  options: Pick<DemandOptions, "surge">,
  baselines: BaselineStore,
): OperatorFunction<DemandItem, DemandItem> {
  const rule = options.surge;
  return statefulOperator<DemandItem, DemandItem>((emit) => ({
    next(item) {
      emit(item);
      if (item.kind !== "window") return;
      const w = item.window;
      const key = baselineKey(w.route, w.end);
      const state = baselines.get(key);
      const alert = evaluateSurge(w, baselineBefore(state, w.end), rule);
      baselines.set(key, applyWindow(state, w.end, w.seatsBooked, rule.baselineAlpha));
      if (alert !== undefined) emit({ kind: "alert-candidate", alert });
    },
  }));
}
