import { filter } from "rxjs";
import type { DemandItem } from "../../../../analytics/demand/stream-items";
import { tumblingPanes } from "../../../../analytics/demand/tumbling-panes";
import { withWatermarks } from "../../../../analytics/demand/with-watermarks";
import {
  batch,
  booking,
  cancel,
  caughtUp,
  marbleScheduler,
  ONE_BOOKING,
  ofKind,
  paneOf,
  SMALL,
  search,
  started,
} from "./demand-factories";

describe("tumblingPanes", () => {
  it("closes a pane when the watermark passes its end, with the figures of its events", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      // Prepare: pane [0,10) gets two searches, a 3-seat booking at €120.50 and a 1-seat cancellation.
      const source = cold<DemandItem>("-a-b-c|", {
        a: batch(search(1), search(2), booking(3, "LHR-JFK", 3, 120.5)),
        b: batch(cancel(9), booking(12)),
        c: batch(booking(16)),
      });
      // Act
      const out = source.pipe(withWatermarks(SMALL, ts), tumblingPanes(SMALL), filter(ofKind("pane")));
      // Assess: wm 11 at c closes [0,10) only.
      expectObservable(out).toBe("-----a|", {
        a: paneOf("LHR-JFK", 0, {
          events: 4,
          searches: 2,
          bookings: 1,
          seatsBooked: 3,
          cancellations: 1,
          seatsCancelled: 1,
          revenueMinor: { EUR: 12_050 },
          revenueReportingMinor: 12_050,
          lookToBook: 0.5,
        }),
      });
    });
  });

  it("keeps routes apart and emits the panes of one watermark in (start, route) order", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold<DemandItem>("-a-b----|", {
        a: batch(booking(5, "LHR-JFK"), booking(12, "CDG-LHR"), booking(6, "CDG-LHR")),
        b: batch(booking(40, "LHR-JFK")),
      });
      const out = source.pipe(withWatermarks(SMALL, ts), tumblingPanes(SMALL), filter(ofKind("pane")));
      expectObservable(out).toBe("---(abc)|", {
        a: paneOf("CDG-LHR", 0, ONE_BOOKING),
        b: paneOf("LHR-JFK", 0, ONE_BOOKING),
        c: paneOf("CDG-LHR", 10, ONE_BOOKING),
      });
    });
  });

  it("never reopens a closed pane: a late event reaches the late output, not a pane", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const late = booking(4);
      const source = cold<DemandItem>("-a-b-c|", {
        a: batch(booking(2)),
        b: batch(booking(25)), // wm 20 closes [0,10) and [10,20)
        c: batch(late, booking(33)), // 4 is late; 33 moves wm to 28
      });
      const out = source.pipe(
        withWatermarks(SMALL, ts),
        tumblingPanes(SMALL),
        filter(ofKind("pane", "late")),
      );
      expectObservable(out).toBe("---a-l|", {
        a: paneOf("LHR-JFK", 0, ONE_BOOKING),
        l: {
          kind: "late",
          shardId: "shard-0",
          route: "LHR-JFK",
          paneStart: 0,
          watermarkMs: 20,
          event: late,
        },
      });
    });
  });

  it("closes the panes of an idle shard when processing time moves on", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold<DemandItem>("-ac 29ms |", { a: batch(booking(3)), c: caughtUp });
      const out = source.pipe(withWatermarks(SMALL, ts), tumblingPanes(SMALL), filter(ofKind("pane")));
      // Idle from 21, checked at 25: wm = 3 + 24 − 5 = 22 ≥ 10 closes [0,10).
      expectObservable(out).toBe("25ms a 6ms |", { a: paneOf("LHR-JFK", 0, ONE_BOOKING) });
    });
  });

  it("after a resume, builds but does not emit the panes before the fence (they were emitted already)", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      // The replay starts at 43 (fence 50); 47 still lands in [40,50), which is incomplete here.
      const source = cold<DemandItem>("a-b-c|", {
        a: started(true),
        b: batch(booking(43), booking(47), booking(52)),
        c: batch(booking(71)),
      });
      const out = source.pipe(withWatermarks(SMALL, ts), tumblingPanes(SMALL), filter(ofKind("pane")));
      expectObservable(out).toBe("----a|", { a: paneOf("LHR-JFK", 50, ONE_BOOKING) });
    });
  });

  it("closes everything on shard end (resharding), and nothing on a lost lease", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold<DemandItem>("-a-b-c-d|", {
        a: batch(booking(3, "LHR-JFK")),
        b: { kind: "shard-ended", shardId: "shard-0", reason: "lease-lost" },
        c: batch(booking(13, "LHR-JFK")),
        d: { kind: "shard-ended", shardId: "shard-0", reason: "shard-end" },
      });
      const out = source.pipe(withWatermarks(SMALL, ts), tumblingPanes(SMALL), filter(ofKind("pane")));
      expectObservable(out).toBe("-------a|", { a: paneOf("LHR-JFK", 10, ONE_BOOKING) });
    });
  });

  it("around a reshard, parent and child each emit their part of a straddling pane, under their own shard", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      // The parent reads to its end with [0,10) open; the child continues the route in the same pane.
      const child = (...events: ReturnType<typeof booking>[]) => ({
        ...batch(...events),
        shardId: "shard-1",
      });
      const source = cold<DemandItem>("-a-b-c-d|", {
        a: batch(booking(2), booking(4)),
        b: { kind: "shard-ended", shardId: "shard-0", reason: "shard-end" },
        c: child(booking(7)),
        d: { kind: "shard-ended", shardId: "shard-1", reason: "shard-end" },
      });
      const out = source.pipe(withWatermarks(SMALL, ts), tumblingPanes(SMALL), filter(ofKind("pane")));
      const two = {
        ...ONE_BOOKING,
        events: 2,
        bookings: 2,
        seatsBooked: 4,
        revenueMinor: { EUR: 20_000 },
        revenueReportingMinor: 20_000,
      };
      const childPane = paneOf("LHR-JFK", 0, ONE_BOOKING);
      expectObservable(out).toBe("---a---b|", {
        a: paneOf("LHR-JFK", 0, two),
        b: { kind: "pane", pane: { ...childPane.pane, shardId: "shard-1" } },
      });
    });
  });
});
