// The hand-off between a reshard's parent and child shards (see ShardHandoffState): a merge's child starts
// from both parents' at once, and from a split the parent's ids go to both children (each sees only its
// own routes' events, so the other routes' ids are simply never matched) while each route's open panes,
// window panes and cooldown go to the one child that owns the route.
import type { SnapshotParts } from "./shard-snapshot";
import type { RouteStates, ShardHandoffState } from "./stream-items";

const routeOfCooldownKey = (key: string) => key.slice(0, key.indexOf("#"));

/** The per-route part of a shard's state, from the parts a snapshot request collected at its end. */
export function routeStatesOf(
  parts: Pick<SnapshotParts, "clock" | "panes" | "windows" | "cooldown">,
): RouteStates {
  return {
    maxEventTime: parts.clock.maxEventTime,
    fenceMs: Math.max(parts.panes.fenceMs, parts.windows.fenceMs, parts.cooldown.fenceMs),
    open: parts.panes.open,
    windows: parts.windows.routes,
    cooldown: parts.cooldown.last,
  };
}

/** The routes' state a child owning `owns` continues; the ids and the watermark are every child's. */
export function handoffFor(state: ShardHandoffState, owns: (route: string) => boolean): ShardHandoffState {
  const r = state.routes;
  if (r === undefined) return state;
  return {
    ...state,
    routes: {
      ...r,
      open: r.open
        .map(([start, panes]) => [start, panes.filter((p) => owns(p.route))] as const)
        .filter(([, panes]) => panes.length > 0),
      windows: r.windows.filter(([route]) => owns(route)),
      cooldown: r.cooldown.filter(([key]) => owns(routeOfCooldownKey(key))),
    },
  };
}

/**
 * One state from several parents: every id, pane by pane, every route's state (each route is one
 * parent's: the partition key is the route), and the latest watermark. Each parent handed off the ids of
 * the panes open under its own watermark, so under the latest one a re-send is either late or its first
 * copy's id is there, whichever parent had it. (An event of the lagging parent's routes older than that is
 * late in the child: a merge puts its parents on one clock.) Undefined when no parent left one.
 */
export function mergeHandoffs(states: readonly ShardHandoffState[]): ShardHandoffState | undefined {
  if (states.length === 0) return undefined;
  if (states.length === 1) return states[0];
  const panes = new Map<number, Set<string>>();
  for (const s of states)
    for (const p of s.panes) {
      const ids = panes.get(p.paneStart) ?? new Set<string>();
      panes.set(p.paneStart, ids);
      for (const id of p.eventIds) ids.add(id);
    }
  const routes = states.flatMap((s) => (s.routes === undefined ? [] : [s.routes]));
  const open = new Map<number, RouteStates["open"][number][1][number][]>();
  for (const r of routes)
    for (const [start, accs] of r.open) open.set(start, [...(open.get(start) ?? []), ...accs]);
  return {
    watermarkMs: Math.max(...states.map((s) => s.watermarkMs)),
    panes: [...panes]
      .sort(([a], [b]) => a - b)
      .map(([paneStart, ids]) => ({ paneStart, eventIds: [...ids] })),
    ...(routes.length > 0
      ? {
          routes: {
            maxEventTime: Math.max(...routes.map((r) => r.maxEventTime)),
            fenceMs: Math.max(...routes.map((r) => r.fenceMs)),
            open: [...open].sort(([a], [b]) => a - b),
            windows: routes.flatMap((r) => r.windows),
            cooldown: routes.flatMap((r) => r.cooldown),
          },
        }
      : {}),
  };
}
