// Flight-level high-demand rules, judged on a flight's manifest after a batch: its load factor reached a
// threshold while departure is still far (revenue management may want to raise fares), or it is oversold
// (more seats held than capacity; the booking system is the source of truth, so this is an alert, never a
// rejection). State-based, so re-judging after a replay gives the same alert id and the alert sink's
// per-flight de-duplication keeps it to one.
import { AnalyticsConfigError } from "../demand/errors";

export interface FlightRuleOptions {
  /** Load factor (seats held ÷ capacity) at or above which a far-out flight alerts (default 0.9). */
  readonly loadFactorThreshold: number;
  /** "Far": departure at least this long after the booking (default 7 days). */
  readonly minLeadTimeMs: number;
}

export const DEFAULT_FLIGHT_RULES: FlightRuleOptions = {
  loadFactorThreshold: 0.9,
  minLeadTimeMs: 7 * 24 * 3_600_000,
};

export function flightRuleOptions(input: Partial<FlightRuleOptions> = {}): FlightRuleOptions {
  const o = { ...DEFAULT_FLIGHT_RULES, ...input };
  if (!(o.loadFactorThreshold > 0 && o.loadFactorThreshold <= 2))
    throw new AnalyticsConfigError("loadFactorThreshold", `must be in (0, 2], got ${o.loadFactorThreshold}`);
  if (!(Number.isFinite(o.minLeadTimeMs) && o.minLeadTimeMs >= 0))
    throw new AnalyticsConfigError("minLeadTimeMs", `must be a number ≥ 0, got ${o.minLeadTimeMs}`);
  return o;
}

export interface FlightSnapshot {
  readonly flight: string;
  readonly origin: string;
  readonly destination: string;
  /** Undefined until the flight is scheduled (bookings may arrive first). */
  readonly capacity: number | undefined;
  readonly departureTimeMs: number | undefined;
  readonly seatsBooked: number;
  /** Event time of the latest event applied. */
  readonly asOfMs: number;
}

export type FlightAlertType = "load_factor" | "oversold";

export interface FlightAlert {
  readonly alertId: string;
  readonly alertType: FlightAlertType;
  readonly severity: "warning" | "critical";
  readonly flight: string;
  readonly route: string;
  readonly origin: string;
  readonly destination: string;
  readonly asOfMs: number;
  readonly figures: Readonly<Record<string, number>>;
  readonly summary: string;
}

const days = (ms: number) => Math.floor(ms / 86_400_000);

export function evaluateFlight(f: FlightSnapshot, o: FlightRuleOptions): FlightAlert[] {
  if (f.capacity === undefined || f.capacity <= 0) return [];
  const loadFactor = f.seatsBooked / f.capacity;
  const base = {
    flight: f.flight,
    route: `${f.origin}-${f.destination}`,
    origin: f.origin,
    destination: f.destination,
    asOfMs: f.asOfMs,
  };
  const figures = {
    seatsBooked: f.seatsBooked,
    capacity: f.capacity,
    loadFactor: Math.round(loadFactor * 10_000) / 10_000,
  };
  const out: FlightAlert[] = [];
  if (f.seatsBooked > f.capacity) {
    out.push({
      ...base,
      alertId: `${f.flight}#oversold`,
      alertType: "oversold",
      severity: "critical",
      figures: { ...figures, oversoldBy: f.seatsBooked - f.capacity },
      summary: `${f.flight} (${base.route}) is oversold: ${f.seatsBooked} seats on ${f.capacity}`,
    });
  }
  const lead = f.departureTimeMs === undefined ? undefined : f.departureTimeMs - f.asOfMs;
  if (loadFactor >= o.loadFactorThreshold && lead !== undefined && lead >= o.minLeadTimeMs) {
    out.push({
      ...base,
      alertId: `${f.flight}#load_factor`,
      alertType: "load_factor",
      severity: "warning",
      figures: { ...figures, threshold: o.loadFactorThreshold, daysToDeparture: days(lead) },
      summary: `${f.flight} (${base.route}) is ${Math.round(loadFactor * 100)}% full ${days(lead)} days before departure`,
    });
  }
  return out;
}
