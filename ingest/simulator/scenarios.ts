// Scripted demand scenarios: a surge multiplies one route's share of traffic and its look-to-book for a
// while, concentrated on near-term departures, as a concert or a strike elsewhere would.

export interface SurgeScenario {
  readonly name: string;
  /** Route key, e.g. LHR-JFK. */
  readonly route: string;
  /** Start, relative to the simulation start. */
  readonly startOffsetMs: number;
  readonly durationMs: number;
  /** Multiplier of the route's share of events. */
  readonly multiplier: number;
}

/** `ROUTE@START+DURATION*MULT`, times in seconds, e.g. `LHR-DXB@60+180*10`. */
export function parseSurge(spec: string): SurgeScenario {
  const m = /^([A-Z]{3}-[A-Z]{3})@(\d+)\+(\d+)\*(\d+(?:\.\d+)?)$/.exec(spec);
  if (m === null)
    throw new Error(
      `--surge "${spec}" must look like LHR-DXB@60+180*10 (route@start_s+duration_s*multiplier)`,
    );
  const [, route, start, duration, mult] = m;
  return {
    name: `surge ${route}`,
    route: route as string,
    startOffsetMs: Number(start) * 1000,
    durationMs: Number(duration) * 1000,
    multiplier: Number(mult),
  };
}

/** The default demo: LHR-DXB spikes ten-fold 45 s in, for three minutes. */
export const DEFAULT_SURGE: SurgeScenario = parseSurge("LHR-DXB@45+180*10");

export function multiplierAt(scenarios: readonly SurgeScenario[], route: string, offsetMs: number): number {
  let m = 1;
  for (const s of scenarios) {
    if (s.route === route && offsetMs >= s.startOffsetMs && offsetMs < s.startOffsetMs + s.durationMs)
      m *= s.multiplier;
  }
  return m;
}
