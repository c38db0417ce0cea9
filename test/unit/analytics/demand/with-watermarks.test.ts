import { filter } from "rxjs";
import type { DemandItem } from "../../../../analytics/demand/stream-items";
import { withWatermarks } from "../../../../analytics/demand/with-watermarks";
import { batch, booking, caughtUp, marbleScheduler, ofKind, SMALL, started } from "./demand-factories";

const wm = (watermarkMs: number, idle = false): DemandItem => ({
  kind: "watermark",
  shardId: "shard-0",
  watermarkMs,
  idle,
});

describe("withWatermarks", () => {
  it("advances the watermark to max event time − allowed lateness, never backwards", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      // Prepare: the second event is older than the first, so it must not move the watermark.
      const source = cold<DemandItem>("-a-b-c|", {
        a: batch(booking(20)),
        b: batch(booking(18)),
        c: batch(booking(31)),
      });
      // Act
      const out = source.pipe(withWatermarks(SMALL, marbleScheduler()), filter(ofKind("watermark")));
      // Assess
      expectObservable(out).toBe("-a---c|", { a: wm(15), c: wm(26) });
    });
  });

  it("splits off events whose pane had already closed as late, and passes the on-time ones", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const late = booking(12);
      const onTime = booking(27);
      const first = booking(30);
      const source = cold<DemandItem>("-a-b---|", { a: batch(first), b: batch(late, onTime) });
      const out = source.pipe(withWatermarks(SMALL, ts), filter(ofKind("late", "events")));
      expectObservable(out).toBe("-a-(bc)|", {
        a: batch(first),
        b: batch(onTime),
        c: {
          kind: "late",
          shardId: "shard-0",
          route: "LHR-JFK",
          paneStart: 10,
          watermarkMs: 25,
          event: late,
        },
      });
    });
  });

  it("judges each event against the watermark as it stood before it, whatever the batching", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      // 40 raises the watermark to 35 inside the batch, so 21 (pane [20,30)) right after it is late.
      const e21 = booking(21);
      const source = cold<DemandItem>("-a|", { a: batch(booking(22), booking(40), e21) });
      const out = source.pipe(withWatermarks(SMALL, ts), filter(ofKind("late")));
      expectObservable(out).toBe("-a|", {
        a: { kind: "late", shardId: "shard-0", route: "LHR-JFK", paneStart: 20, watermarkMs: 35, event: e21 },
      });
    });
  });

  it("advances an idle shard's watermark by processing time after the idle timeout", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      // The runtime's empty read right after the batch: caught up, so silence is idleness.
      const source = cold<DemandItem>("-ac 39ms |", { a: batch(booking(100)), c: caughtUp });
      const out = source.pipe(withWatermarks(SMALL, ts), filter(ofKind("watermark")));
      // Arrived at 1; idle from 21, first checked at 25: 100 + (25 − 1) − 5 = 119, then +5 per check.
      expectObservable(out).toBe("-a 23ms b 4ms c 4ms d 4ms e 1ms |", {
        a: wm(95),
        b: wm(119, true),
        c: wm(124, true),
        d: wm(129, true),
        e: wm(134, true),
      });
    });
  });

  it("does not advance the watermark of a shard held up by its processor (no empty read since its batch)", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      // A failing sink holds the batches after this one: nothing arrives, but the shard is not idle.
      const source = cold<DemandItem>("-a 40ms |", { a: batch(booking(100)) });
      const out = source.pipe(withWatermarks(SMALL, ts), filter(ofKind("watermark")));
      expectObservable(out).toBe("-a 40ms |", { a: wm(95) });
    });
  });

  it("reports the safe point: the newest boundary record old enough for the window and the cooldown", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const [e1, e2, e3, e4, e5] = [booking(1), booking(12), booking(25), booking(80), booking(95)];
      const source = cold<DemandItem>("-a-b-c-d-e|", {
        a: batch(e1 as never),
        b: batch(e2 as never),
        c: batch(e3 as never),
        d: batch(e4 as never),
        e: batch(e5 as never),
      });
      const out = source.pipe(withWatermarks(SMALL, ts), filter(ofKind("safe-point")));
      // Retention = window 30 + cooldown 30. At wm 75 the next window ends at 80: panes ending ≤ 20 are
      // done, so a replay may start at e2 (checkpoint e1). At wm 90: ≤ 40, start at e3 (checkpoint e2).
      expectObservable(out).toBe("-------d-e|", {
        d: { kind: "safe-point", shardId: "shard-0", checkpointAt: e1?.position, firstNeeded: e2?.position },
        e: { kind: "safe-point", shardId: "shard-0", checkpointAt: e2?.position, firstNeeded: e3?.position },
      });
    });
  });

  it("after a resume, announces the fence at the end of the first event's pane", () => {
    const ts = marbleScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold<DemandItem>("a-b-c|", {
        a: started(true),
        b: batch(booking(43)),
        c: batch(booking(55)),
      });
      const out = source.pipe(withWatermarks(SMALL, ts), filter(ofKind("resume-fence")));
      expectObservable(out).toBe("--b--|", { b: { kind: "resume-fence", shardId: "shard-0", fenceMs: 50 } });
    });
  });
});
