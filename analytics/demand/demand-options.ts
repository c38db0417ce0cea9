// Options of the demand pipeline, with the documented defaults, validated once: a bad value fails at
// start-up naming the setting instead of producing odd windows later.
import { type CurrencyTable, DEFAULT_CURRENCY_TABLE, validateCurrencyTable } from "./currency-table";
import { AnalyticsConfigError } from "./errors";

export interface DemandOptions {
  /** Tumbling pane length (default 60 s). */
  readonly paneMs: number;
  /** Allowed lateness: watermark = max event time − this (default 30 s). */
  readonly allowedLatenessMs: number;
  /** A shard silent this long (processing time) advances its watermark by processing time (default 60 s). */
  readonly idleTimeoutMs: number;
  /** How often idle shards are checked (default 1 s). */
  readonly idleCheckMs: number;
  /** Sliding window length (default 15 min) and hop (default 1 min); both multiples of the pane. */
  readonly windowMs: number;
  readonly hopMs: number;
  readonly currency: CurrencyTable;
  readonly surge: SurgeRuleOptions;
}

export interface SurgeRuleOptions {
  /** Seats booked in one window at or above which a route may be surging (default 40). */
  readonly floorSeats: number;
  /** … and at or above k × the route's baseline for this hour of week (default 3). */
  readonly baselineFactor: number;
  /** Weight of the newest window in the exponentially weighted baseline (default 0.05). */
  readonly baselineAlpha: number;
  /** Windows a baseline needs before it is trusted; until then only the floor applies (default 30). */
  readonly baselineMinSamples: number;
  /** A new alert for a route needs this long without the rule holding (event time, default 30 min). */
  readonly cooldownMs: number;
}

export const DEFAULT_DEMAND_OPTIONS: DemandOptions = {
  paneMs: 60_000,
  allowedLatenessMs: 30_000,
  idleTimeoutMs: 60_000,
  idleCheckMs: 1_000,
  windowMs: 15 * 60_000,
  hopMs: 60_000,
  currency: DEFAULT_CURRENCY_TABLE,
  surge: {
    floorSeats: 40,
    baselineFactor: 3,
    baselineAlpha: 0.05,
    baselineMinSamples: 30,
    cooldownMs: 30 * 60_000,
  },
};

export type DemandOptionsInput = Partial<Omit<DemandOptions, "surge">> & {
  readonly surge?: Partial<SurgeRuleOptions>;
};

const positiveInt = (setting: string, v: number) => {
  if (!(Number.isInteger(v) && v > 0))
    throw new AnalyticsConfigError(setting, `must be a positive whole number, got ${v}`);
};
const nonNegative = (setting: string, v: number) => {
  if (!(Number.isFinite(v) && v >= 0))
    throw new AnalyticsConfigError(setting, `must be a number ≥ 0, got ${v}`);
};

export function demandOptions(input: DemandOptionsInput = {}): DemandOptions {
  const o: DemandOptions = {
    ...DEFAULT_DEMAND_OPTIONS,
    ...input,
    surge: { ...DEFAULT_DEMAND_OPTIONS.surge, ...input.surge },
  };
  positiveInt("paneMs", o.paneMs);
  nonNegative("allowedLatenessMs", o.allowedLatenessMs);
  positiveInt("idleTimeoutMs", o.idleTimeoutMs);
  positiveInt("idleCheckMs", o.idleCheckMs);
  positiveInt("windowMs", o.windowMs);
  positiveInt("hopMs", o.hopMs);
  if (o.hopMs % o.paneMs !== 0)
    throw new AnalyticsConfigError("hopMs", `must be a multiple of paneMs (${o.paneMs})`);
  if (o.windowMs % o.hopMs !== 0)
    throw new AnalyticsConfigError("windowMs", `must be a multiple of hopMs (${o.hopMs})`);
  validateCurrencyTable(o.currency, "currency");
  nonNegative("surge.floorSeats", o.surge.floorSeats);
  nonNegative("surge.baselineFactor", o.surge.baselineFactor);
  if (!(o.surge.baselineAlpha > 0 && o.surge.baselineAlpha <= 1))
    throw new AnalyticsConfigError("surge.baselineAlpha", `must be in (0, 1], got ${o.surge.baselineAlpha}`);
  nonNegative("surge.baselineMinSamples", o.surge.baselineMinSamples);
  nonNegative("surge.cooldownMs", o.surge.cooldownMs);
  return o;
}

/** Start of the pane holding `t`. */
export const paneStartOf = (t: number, paneMs: number): number => Math.floor(t / paneMs) * paneMs;

/** The first window end (a hop boundary) the watermark has not yet passed: windows close at wm ≥ end. */
export const nextWindowEnd = (watermarkMs: number, hopMs: number): number =>
  Math.floor(watermarkMs / hopMs) * hopMs + hopMs;
