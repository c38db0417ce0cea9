// The route's demand baseline: an exponentially weighted mean of window demand per route and hour of week
// (Monday 09:00 is not Sunday 03:00), kept behind a port so it survives restarts. Each update is fenced by
// the window end, and the state keeps a short history of values, so a replay after a restart reads the
// baseline exactly as it was before each window and never applies a window twice.

/** One applied window: the baseline after it. */
export interface BaselinePoint {
  readonly windowEnd: number;
  readonly value: number;
  readonly samples: number;
}

export interface BaselineState {
  /** Newest last; a bounded history (see HISTORY_POINTS). Appended in place: this is the hot path. */
  readonly points: BaselinePoint[];
}

/** The port. Synchronous: the pipeline is pure; an adapter loads and persists state around it. */
export interface BaselineStore {
  get(key: string): BaselineState | undefined;
  set(key: string, state: BaselineState): void;
}

export class InMemoryBaselineStore implements BaselineStore {
  readonly states = new Map<string, BaselineState>();
  get(key: string): BaselineState | undefined {
    return this.states.get(key);
  }
  set(key: string, state: BaselineState): void {
    this.states.set(key, state);
  }
}

/** Enough points to cover any replay span (window + cooldown + lateness, in hops) with room to spare. */
export const HISTORY_POINTS = 96;

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
// 1970-01-01 was a Thursday: shift so hour-of-week 0 is Monday 00:00 UTC.
const MONDAY_OFFSET = 3 * 24 * HOUR;

/** 0 (Monday 00:00–01:00 UTC) … 167 (Sunday 23:00–24:00). */
export const hourOfWeek = (t: number): number =>
  Math.floor(((((t + MONDAY_OFFSET) % WEEK) + WEEK) % WEEK) / HOUR);

/** The baseline key of the window ending at `windowEnd` (its hour is the hour of its last instant). */
export const baselineKey = (route: string, windowEnd: number): string =>
  `${route}#${hourOfWeek(windowEnd - 1)}`;

/** The baseline as it stood before the window ending at `windowEnd`, or undefined while there is none. */
export function baselineBefore(
  state: BaselineState | undefined,
  windowEnd: number,
): BaselinePoint | undefined {
  if (state === undefined) return undefined;
  let found: BaselinePoint | undefined;
  for (const p of state.points) {
    if (p.windowEnd < windowEnd) found = p;
    else break;
  }
  return found;
}

/**
 * Applies one window's demand, in place (a new state for the first window); a window already applied (a
 * replay) leaves the state unchanged. Returns the state to store.
 */
export function applyWindow(
  state: BaselineState | undefined,
  windowEnd: number,
  demand: number,
  alpha: number,
): BaselineState {
  if (state === undefined) return { points: [{ windowEnd, value: demand, samples: 1 }] };
  const points = state.points;
  const newest = points[points.length - 1];
  if (newest !== undefined && newest.windowEnd >= windowEnd) return state;
  points.push(
    newest === undefined
      ? { windowEnd, value: demand, samples: 1 }
      : { windowEnd, value: newest.value + alpha * (demand - newest.value), samples: newest.samples + 1 },
  );
  // Trim in bulk, not per window: amortised O(1).
  if (points.length > 2 * HISTORY_POINTS) points.splice(0, points.length - HISTORY_POINTS);
  return state;
}
