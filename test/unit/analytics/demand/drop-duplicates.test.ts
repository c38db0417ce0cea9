import { expect } from "chai";
import { filter } from "rxjs";
import { dropDuplicateEvents } from "../../../../analytics/demand/drop-duplicates";
import type { DemandItem, PositionedEvent } from "../../../../analytics/demand/stream-items";
import { tumblingPanes } from "../../../../analytics/demand/tumbling-panes";
import { withWatermarks } from "../../../../analytics/demand/with-watermarks";
import {
  batch,
  booking,
  marbleScheduler,
  ONE_BOOKING,
  ofKind,
  paneOf,
  SMALL,
  started,
} from "./demand-factories";

/** The same event sent again by a producer's retry: same eventId and time, a later sequence number. */
const resent = (e: PositionedEvent, sequenceNumber: string): PositionedEvent => ({
  ...e,
  position: { sequenceNumber },
});

describe("dropDuplicateEvents", () => {
  it("counts a re-sent event once in its pane, in the same batch or a later one", () => {
    const ts = marbleScheduler();
    let dropped = 0;
    ts.run(({ cold, expectObservable }) => {
      // Prepare: booking a at t=3 arrives three times: twice in one batch, once two batches later.
      const a = booking(3);
      const b = booking(4, "CDG-LHR");
      const source = cold<DemandItem>("-a-b-c---|", {
        a: batch(a, resent(a, "900000000001"), b),
        b: batch(booking(12, "DXB-LHR")),
        c: batch(resent(a, "900000000002"), booking(16, "DXB-LHR")),
      });
      // Act
      const out = source.pipe(
        withWatermarks(SMALL, ts),
        dropDuplicateEvents(SMALL, () => dropped++),
        tumblingPanes(SMALL),
        filter(ofKind("pane", "late")),
      );
      // Assess: [0,10) closes at c (wm 11) with one booking per route; the third copy, late by then, is
      // dropped as a duplicate rather than reported late.
      expectObservable(out).toBe("-----(ab)|", {
        a: paneOf("CDG-LHR", 0, ONE_BOOKING),
        b: paneOf("LHR-JFK", 0, ONE_BOOKING),
      });
    });
    expect(dropped).to.equal(2);
  });

  it("keeps events with different ids at the same time, and forgets ids beyond lateness + window", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const first = booking(3);
      // The copy comes back at t=60: 5 ms lateness + 30 ms window behind puts pane [0,10) past the horizon.
      const source = cold<DemandItem>("-a-b-c|", {
        a: batch(first, booking(3)),
        b: batch(booking(60)),
        c: batch(resent(first, "900000000003")),
      });
      const out = source.pipe(withWatermarks(SMALL, ts), dropDuplicateEvents(SMALL), filter(ofKind("late")));
      // Beyond the horizon the copy is not remembered: it passes, late (it changes no pane).
      expectObservable(out).toBe("-----a|", {
        a: {
          kind: "late",
          shardId: "shard-0",
          route: "LHR-JFK",
          paneStart: 0,
          watermarkMs: 55,
          event: resent(first, "900000000003"),
        },
      });
    });
  });

  it("starts each (re)started shard with no ids", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const a = booking(3);
      const later = booking(16);
      const source = cold<DemandItem>("-a-s-b-c|", {
        a: batch(a),
        s: started(true),
        b: batch(resent(a, "900000000004")),
        c: batch(later),
      });
      const out = source.pipe(dropDuplicateEvents(SMALL), filter(ofKind("events")));
      // After the restart the copy is new to this run (the replay's fence suppresses what it touches).
      expectObservable(out).toBe("-a---b-c|", {
        a: batch(a),
        b: batch(resent(a, "900000000004")),
        c: batch(later),
      });
    });
  });
});
