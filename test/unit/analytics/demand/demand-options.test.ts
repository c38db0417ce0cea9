import { expect } from "chai";
import { DEFAULT_CURRENCY_TABLE, toReportingMinor } from "../../../../analytics/demand/currency-table";
import {
  DEFAULT_DEMAND_OPTIONS,
  demandOptions,
  nextWindowEnd,
} from "../../../../analytics/demand/demand-options";
import { AnalyticsConfigError } from "../../../../analytics/demand/errors";
import { baselineKey, hourOfWeek } from "../../../../analytics/rules/route-baseline";

describe("demand options", () => {
  it("defaults to 1-minute panes, 30 s lateness, 15-minute windows every minute", () => {
    const o = demandOptions();
    expect(o).to.deep.equal(DEFAULT_DEMAND_OPTIONS);
    expect([o.paneMs, o.allowedLatenessMs, o.windowMs, o.hopMs]).to.deep.equal([
      60_000, 30_000, 900_000, 60_000,
    ]);
  });

  it("merges partial surge settings over the defaults", () => {
    const o = demandOptions({ surge: { floorSeats: 500 } });
    expect(o.surge.floorSeats).to.equal(500);
    expect(o.surge.cooldownMs).to.equal(DEFAULT_DEMAND_OPTIONS.surge.cooldownMs);
  });

  const bad: [string, Parameters<typeof demandOptions>[0]][] = [
    ["paneMs", { paneMs: 0 }],
    ["hopMs", { hopMs: 90_000 }],
    ["windowMs", { windowMs: 150_000, hopMs: 60_000 }],
    ["allowedLatenessMs", { allowedLatenessMs: -1 }],
    ["surge.baselineAlpha", { surge: { baselineAlpha: 0 } }],
    ["surge.floorSeats", { surge: { floorSeats: Number.NaN } }],
    ["currency.rates.EUR", { currency: { reporting: "EUR", rates: { EUR: 2 } } }],
    ["currency.rates.USD", { currency: { reporting: "EUR", rates: { EUR: 1, USD: -1 } } }],
  ];
  for (const [setting, input] of bad) {
    it(`refuses a bad ${setting}, naming it`, () => {
      expect(() => demandOptions(input))
        .to.throw(AnalyticsConfigError)
        .with.property("setting", setting);
    });
  }

  it("puts the next window end on the hop after the watermark (a window closes at wm ≥ end)", () => {
    expect(nextWindowEnd(59_999, 60_000)).to.equal(60_000);
    expect(nextWindowEnd(60_000, 60_000)).to.equal(120_000);
  });
});

describe("currency table", () => {
  it("converts per-currency minor units to the reporting currency, skipping currencies without a rate", () => {
    expect(toReportingMinor({ EUR: 1000, GBP: 1000, XAF: 5000 }, DEFAULT_CURRENCY_TABLE)).to.equal(
      1000 + 1160,
    );
  });
});

describe("baseline keys", () => {
  it("number the hours of the week from Monday 00:00 UTC", () => {
    expect(hourOfWeek(Date.parse("2026-11-30T00:30:00Z"))).to.equal(0); // a Monday
    expect(hourOfWeek(Date.parse("2026-12-06T23:59:59Z"))).to.equal(167); // the Sunday after
    expect(hourOfWeek(Date.parse("2026-12-02T09:00:00Z"))).to.equal(2 * 24 + 9);
  });

  it("key a window by the hour of its last instant", () => {
    expect(baselineKey("LHR-JFK", Date.parse("2026-11-30T10:00:00Z"))).to.equal("LHR-JFK#9");
  });
});
