import { expect } from "chai";
import { decodeRecord, encodeEvent, type FlightEvent, routeOf } from "../../../analytics/events";
import { ROUTES } from "../../../ingest/simulator/network";
import { parseSurge } from "../../../ingest/simulator/scenarios";
import { demandFactor, type SimRecord, TrafficSimulator } from "../../../ingest/simulator/traffic";

const START = Date.UTC(2026, 10, 22, 12, 0);
const sim = (over: Partial<ConstructorParameters<typeof TrafficSimulator>[0]> = {}) =>
  new TrafficSimulator({ seed: 42, startTime: START, ratePerSecond: 200, ...over });
const events = (records: SimRecord[]): FlightEvent[] =>
  records.flatMap((r) => (r.kind === "event" ? [r.event] : []));

describe("traffic simulator", () => {
  it("flies a real network of at least 50 routes from two hubs", () => {
    expect(ROUTES.length).to.be.at.least(50);
    const keys = new Set(ROUTES.map((r) => `${r.origin}-${r.destination}`));
    expect(keys.size).to.equal(ROUTES.length);
    for (const r of ROUTES)
      expect(keys.has(`${r.destination}-${r.origin}`), `${r.origin}-${r.destination} return`).to.equal(true);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = sim().take(3000);
    const b = sim().take(3000);
    const c = sim({ seed: 43 }).take(3000);
    const bytes = (rs: SimRecord[]) =>
      rs.map((r) => (r.kind === "event" ? JSON.stringify(r.event) : Buffer.from(r.data).toString()));
    expect(bytes(a)).to.deep.equal(bytes(b));
    expect(bytes(a)).not.to.deep.equal(bytes(c));
  });

  it("publishes the schedule first, then valid traffic with searches far outnumbering bookings", () => {
    const s = sim({ badRecordShare: 0 });
    const records = s.take(20_000);
    const evs = events(records);
    const scheduled = s.schedule().length;
    expect(evs.slice(0, scheduled).every((e) => e.type === "flight.scheduled")).to.equal(true);
    const count = (t: string) => evs.filter((e) => e.type === t).length;
    expect(count("search.performed")).to.be.greaterThan(5 * count("booking.created"));
    expect(count("booking.created")).to.be.greaterThan(0);
    expect(count("booking.cancelled")).to.be.greaterThan(0);
    for (const e of evs) {
      const r = decodeRecord(encodeEvent(e));
      expect(r.ok, r.ok ? "" : `${r.rejection.reason} in ${JSON.stringify(e)}`).to.equal(true);
    }
  });

  it("cancels only bookings it made, with the same seats and flight", () => {
    const evs = events(sim({ badRecordShare: 0 }).take(30_000));
    const made = new Map(evs.filter((e) => e.type === "booking.created").map((e) => [e.bookingRef, e]));
    const cancels = evs.filter((e) => e.type === "booking.cancelled");
    expect(cancels.length).to.be.greaterThan(10);
    for (const c of cancels) {
      const b = made.get(c.bookingRef);
      expect(b, c.bookingRef).to.not.equal(undefined);
      expect({ seats: b?.seats, flight: b?.flightNumber }).to.deep.equal({
        seats: c.seats,
        flight: c.flightNumber,
      });
    }
  });

  it("makes about 1% bad records, every one refused by the decoder", () => {
    const records = sim().take(20_000);
    const bad = records.filter((r) => r.kind === "bad");
    expect(bad.length).to.be.within(120, 300);
    for (const r of bad) expect(decodeRecord(r.data).ok, `${r.kind === "bad" && r.defect}`).to.equal(false);
  });

  it("produces the requested rate in event time, shaped by the time of day", () => {
    const s = sim({ badRecordShare: 0 });
    s.advanceTo(START);
    const noon = s.advanceTo(START + 60_000).length;
    const night = sim({ startTime: Date.UTC(2026, 10, 22, 3, 0), badRecordShare: 0 });
    night.advanceTo(Date.UTC(2026, 10, 22, 3, 0));
    const threeAm = night.advanceTo(Date.UTC(2026, 10, 22, 3, 1)).length;
    expect(noon).to.be.closeTo(200 * 60 * demandFactor(START), 1);
    expect(threeAm).to.be.below(noon / 3);
  });

  it("a surge multiplies the route's bookings while it lasts", () => {
    const surge = parseSurge("LHR-DXB@0+600*10");
    const bookingsOn = (s: TrafficSimulator) =>
      events(s.take(20_000)).filter((e) => e.type === "booking.created" && routeOf(e) === "LHR-DXB").length;
    const quiet = bookingsOn(sim({ badRecordShare: 0 }));
    const surging = bookingsOn(sim({ badRecordShare: 0, scenarios: [surge] }));
    expect(surging).to.be.greaterThan(quiet * 5);
  });

  it("explains a malformed --surge", () => {
    expect(() => parseSurge("LHR-DXB")).to.throw("LHR-DXB@60+180*10");
  });
});
