// Alert de-duplication per (route, alert type) with a cooldown in event time: a candidate becomes an
// alert only when no candidate of the same subject and type came in the cooldown before it. One surge,
// however many windows it spans, gives one alert; a new alert needs a quiet spell first. Judged on
// candidates (not on sent alerts), so the decision depends only on the last cooldown of windows, which a
// replay from the safe point rebuilds (or a state snapshot carries over); after a resume, candidates whose
// look-back reaches before the fence were decided before the checkpoint and are not re-emitted.
import type { OperatorFunction } from "rxjs";
import type { DemandOptions } from "../demand/demand-options";
import { getOrCreate, statefulOperator } from "../demand/stateful-operator";
import type { DemandItem } from "../demand/stream-items";

export function alertCooldown(
  options: Pick<DemandOptions, "windowMs"> & { readonly surge: Pick<DemandOptions["surge"], "cooldownMs"> },
): OperatorFunction<DemandItem, DemandItem> {
  const { windowMs } = options;
  const { cooldownMs } = options.surge;
  return statefulOperator<DemandItem, DemandItem>((emit) => {
    // Per shard, so a shard that restarts forgets exactly what a fresh replay would not know.
    const lastCandidate = new Map<string, Map<string, number>>();
    const fences = new Map<string, number>();
    return {
      next(item) {
        switch (item.kind) {
          case "alert-candidate": {
            const a = item.alert;
            const key = `${a.route}#${a.alertType}`;
            const byKey = getOrCreate(lastCandidate, a.shardId, () => new Map<string, number>());
            const last = byKey.get(key);
            byKey.set(key, a.windowEnd);
            const quiet = last === undefined || a.windowEnd - last > cooldownMs;
            const fence = fences.get(a.shardId) ?? Number.NEGATIVE_INFINITY;
            if (quiet && a.windowEnd - windowMs - cooldownMs >= fence) emit({ kind: "alert", alert: a });
            return;
          }
          case "resume-fence":
            fences.set(item.shardId, item.fenceMs);
            break;
          case "snapshot":
            item.parts.cooldown = {
              fenceMs: fences.get(item.shardId) ?? Number.NEGATIVE_INFINITY,
              last: [...(lastCandidate.get(item.shardId) ?? [])],
            };
            break;
          case "shard-started": {
            fences.delete(item.shardId);
            lastCandidate.delete(item.shardId);
            // From the snapshot it resumes from, or (a reshard's child) its routes' from its parents.
            const inherited = item.inherited?.routes;
            const from =
              item.restored?.parts.cooldown ??
              (inherited === undefined
                ? undefined
                : { fenceMs: inherited.fenceMs, last: inherited.cooldown });
            if (from !== undefined) {
              fences.set(item.shardId, from.fenceMs);
              lastCandidate.set(item.shardId, new Map(from.last));
            }
            break;
          }
          case "shard-ended":
            fences.delete(item.shardId);
            lastCandidate.delete(item.shardId);
            break;
        }
        emit(item);
      },
    };
  });
}
