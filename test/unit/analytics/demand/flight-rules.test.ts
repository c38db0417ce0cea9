import { expect } from "chai";
import { AnalyticsConfigError } from "../../../../analytics/demand/errors";
import {
  evaluateFlight,
  type FlightSnapshot,
  flightRuleOptions,
} from "../../../../analytics/rules/flight-rules";

const DAY = 86_400_000;
const flight = (over: Partial<FlightSnapshot>): FlightSnapshot => ({
  flight: "FH101:2026-12-20",
  origin: "LHR",
  destination: "JFK",
  capacity: 180,
  departureTimeMs: Date.parse("2026-12-20T10:30:00Z"),
  seatsBooked: 100,
  asOfMs: Date.parse("2026-11-30T10:30:00Z"),
  ...over,
});

describe("flight rules", () => {
  const rules = flightRuleOptions();

  it("alerts when the load factor reaches the threshold while departure is still far", () => {
    const [alert, ...rest] = evaluateFlight(flight({ seatsBooked: 162 }), rules);
    expect(rest).to.deep.equal([]);
    expect(alert).to.include({
      alertId: "FH101:2026-12-20#load_factor",
      alertType: "load_factor",
      route: "LHR-JFK",
    });
    expect(alert?.figures).to.include({ loadFactor: 0.9, daysToDeparture: 20, capacity: 180 });
    expect(alert?.summary).to.equal("FH101:2026-12-20 (LHR-JFK) is 90% full 20 days before departure");
  });

  it("stays quiet below the threshold, close to departure, or before the flight is scheduled", () => {
    expect(evaluateFlight(flight({ seatsBooked: 161 }), rules)).to.deep.equal([]);
    expect(
      evaluateFlight(flight({ seatsBooked: 170, asOfMs: Date.parse("2026-12-15T10:30:00Z") }), rules),
    ).to.deep.equal([]);
    expect(evaluateFlight(flight({ seatsBooked: 400, capacity: undefined }), rules)).to.deep.equal([]);
  });

  it("flags an oversold flight as critical, whatever the lead time", () => {
    const alerts = evaluateFlight(
      flight({ seatsBooked: 183, asOfMs: Date.parse("2026-12-20T08:00:00Z") }),
      rules,
    );
    expect(alerts.map((a) => [a.alertType, a.severity])).to.deep.equal([["oversold", "critical"]]);
    expect(alerts[0]?.figures["oversoldBy"]).to.equal(3);
  });

  it("refuses a bad threshold, naming it", () => {
    expect(() => flightRuleOptions({ loadFactorThreshold: 0 })).to.throw(
      AnalyticsConfigError,
      "loadFactorThreshold",
    );
    expect(() => flightRuleOptions({ minLeadTimeMs: -DAY })).to.throw(AnalyticsConfigError, "minLeadTimeMs");
  });
});
