import { filter } from "rxjs";
import { slidingDemand } from "../../../../analytics/demand/sliding-demand";
import type { DemandItem } from "../../../../analytics/demand/stream-items";
import { marbleScheduler, ofKind, paneOf, SMALL, windowOf } from "./demand-factories";

const wm = (watermarkMs: number): DemandItem => ({
  kind: "watermark",
  shardId: "shard-0",
  watermarkMs,
  idle: false,
});
const seats = (n: number) => ({ events: 1, ...demand(n) });
/** Window figures of `n` seats in `bookings` bookings at €1 a seat. */
const demand = (n: number, bookings = 1) => ({
  bookings,
  seatsBooked: n,
  revenueMinor: { EUR: n * 100 },
  revenueReportingMinor: n * 100,
});

describe("slidingDemand", () => {
  it("sums the panes of each 30 ms window every 10 ms hop, while any pane of the window saw traffic", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      // Prepare: panes [0,10) with 2 seats and [10,20) with 5 seats close at wm 10 and 20.
      const source = cold<DemandItem>("-ab-cd-e---|", {
        a: paneOf("LHR-JFK", 0, seats(2)),
        b: wm(10),
        c: paneOf("LHR-JFK", 10, seats(5)),
        d: wm(20),
        e: wm(60),
      });
      // Act
      const out = source.pipe(slidingDemand(SMALL), filter(ofKind("window")));
      // Assess: windows end at 10, 20, 30 (both panes), 40 (only [10,20)); none at 50: no pane in [20,50).
      expectObservable(out).toBe("--a--b-(cd)|", {
        a: windowOf("LHR-JFK", 10, { ...demand(2), panes: 1 }),
        b: windowOf("LHR-JFK", 20, { ...demand(7, 2), panes: 2 }),
        c: windowOf("LHR-JFK", 30, { ...demand(7, 2), panes: 2 }),
        d: windowOf("LHR-JFK", 40, { ...demand(5), panes: 1 }),
      });
    });
  });

  it("emits the windows of one watermark in (end, route) order", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      const source = cold<DemandItem>("-abc----|", {
        a: paneOf("LHR-JFK", 0, seats(1)),
        b: paneOf("CDG-LHR", 10, seats(3)),
        c: wm(20),
      });
      const out = source.pipe(slidingDemand({ ...SMALL, windowMs: 20 }), filter(ofKind("window")));
      const w = (route: string, end: number, n: number) =>
        windowOf(route, end, { ...demand(n), panes: 1 }, 20);
      expectObservable(out).toBe("---(abc)|", {
        a: w("LHR-JFK", 10, 1),
        b: w("CDG-LHR", 20, 3),
        c: w("LHR-JFK", 20, 1),
      });
    });
  });

  it("after a resume, suppresses windows that reach back before the fence", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      const source = cold<DemandItem>("-fabcd|", {
        f: { kind: "resume-fence", shardId: "shard-0", fenceMs: 50 },
        a: paneOf("LHR-JFK", 40, seats(2)),
        b: paneOf("LHR-JFK", 50, seats(1)),
        c: wm(60),
        d: wm(90),
      });
      const out = source.pipe(slidingDemand(SMALL), filter(ofKind("window")));
      // Windows ending 50 to 70 reach back before 50, into [40,50), which the replay cannot rebuild in
      // full (and which were emitted before the checkpoint); 80 is the first built from replayed panes only.
      expectObservable(out).toBe("-----a|", { a: windowOf("LHR-JFK", 80, { ...demand(1), panes: 1 }) });
    });
  });
});
