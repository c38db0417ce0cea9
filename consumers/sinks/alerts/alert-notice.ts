// What the alert sink sends: one high-demand or operations alert, already decided by the analytics. The
// sink's own contract, so it stays independent of how the rules evolve.

export type AlertSeverity = "info" | "warning" | "critical";

export interface AlertNotice {
  /** Deterministic id: the same surge replayed gives the same id. */
  readonly alertId: string;
  /** e.g. demand_surge, load_factor, oversold, sink_failure. */
  readonly alertType: string;
  readonly severity: AlertSeverity;
  readonly route: string;
  readonly origin: string;
  readonly destination: string;
  /** Flight key (`FH123:2026-12-01`) for flight-level alerts. */
  readonly flight?: string;
  /** Event-time window the figures cover (epoch ms). */
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The figures that triggered the alert, by name (e.g. bookings, baseline, loadFactor). */
  readonly figures: Readonly<Record<string, number>>;
  /** One-line human summary, e.g. "Bookings 3.4× baseline on LHR-JFK". */
  readonly summary: string;
  /** This alert's cooldown, when not the sink's default (flight alerts hold for days). */
  readonly cooldownMs?: number;
}

/** Alerts are de-duplicated per subject (a route or a flight) and type, within a cooldown. */
export const dedupeKeyOf = (a: AlertNotice): string => `${a.flight ?? a.route}#${a.alertType}`;
