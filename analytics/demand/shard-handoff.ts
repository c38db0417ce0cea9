// The hand-off between a reshard's parent and child shards (see ShardHandoffState): a merge's child starts
// from both parents' at once, and from a split the parent's goes to both children (each sees only its own
// routes' events, so the other routes' ids are simply never matched).
import type { ShardHandoffState } from "./stream-items";

/**
 * One state from several parents: every id, pane by pane, and the latest watermark. Each parent handed
 * off the ids of the panes open under its own watermark, so under the latest one a re-send is either
 * late or its first copy's id is there, whichever parent had it. (An event of the lagging parent's routes
 * older than that is late in the child: a merge puts its parents on one clock.) Undefined when no parent
 * left one.
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
  return {
    watermarkMs: Math.max(...states.map((s) => s.watermarkMs)),
    panes: [...panes]
      .sort(([a], [b]) => a - b)
      .map(([paneStart, ids]) => ({ paneStart, eventIds: [...ids] })),
  };
}
