// Converts fare revenue to one reporting currency. Rates are a table (reporting units per one unit of the
// fare currency), configured per deployment; a currency without a rate is still counted in its own
// currency, just not in the reporting total, rather than guessed.
import { AnalyticsConfigError } from "./errors";

export interface CurrencyTable {
  readonly reporting: string;
  /** Reporting-currency units per unit of each fare currency; the reporting currency itself is 1. */
  readonly rates: Readonly<Record<string, number>>;
}

/** Reference rates to EUR (ECB, November 2026, rounded). Deployments override them from config. */
export const DEFAULT_CURRENCY_TABLE: CurrencyTable = {
  reporting: "EUR",
  rates: {
    EUR: 1,
    USD: 0.92,
    GBP: 1.16,
    CHF: 1.06,
    AED: 0.25,
    AUD: 0.6,
    CAD: 0.66,
    CNY: 0.13,
    DKK: 0.134,
    HKD: 0.118,
    INR: 0.011,
    JPY: 0.0061,
    KRW: 0.00066,
    NOK: 0.085,
    NZD: 0.55,
    PLN: 0.23,
    QAR: 0.25,
    SAR: 0.245,
    SEK: 0.087,
    SGD: 0.69,
    THB: 0.026,
    TRY: 0.027,
    ZAR: 0.051,
    BRL: 0.16,
    MXN: 0.05,
  },
};

export function validateCurrencyTable(table: CurrencyTable, setting = "currencyTable"): CurrencyTable {
  if (!/^[A-Z]{3}$/.test(table.reporting))
    throw new AnalyticsConfigError(
      `${setting}.reporting`,
      `must be an ISO 4217 code, got ${table.reporting}`,
    );
  if (table.rates[table.reporting] !== 1)
    throw new AnalyticsConfigError(
      `${setting}.rates.${table.reporting}`,
      "the reporting currency's rate must be 1",
    );
  for (const [code, rate] of Object.entries(table.rates)) {
    if (!(Number.isFinite(rate) && rate > 0))
      throw new AnalyticsConfigError(`${setting}.rates.${code}`, `must be a positive number, got ${rate}`);
  }
  return table;
}

/** Minor units in the reporting currency for per-currency minor-unit sums; deterministic (sorted keys). */
export function toReportingMinor(
  revenueMinor: Readonly<Record<string, number>>,
  table: CurrencyTable,
): number {
  let total = 0;
  for (const code of Object.keys(revenueMinor).sort()) {
    const rate = table.rates[code];
    if (rate !== undefined) total += Math.round((revenueMinor[code] ?? 0) * rate);
  }
  return total;
}
