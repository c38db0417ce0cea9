import type { DemandAlert, DemandItem } from "../../../../analytics/demand/stream-items";
import { alertCooldown } from "../../../../analytics/rules/alert-cooldown";
import { marbleScheduler, SMALL } from "./demand-factories";

const alert = (route: string, windowEnd: number): DemandAlert => ({
  alertId: `${route}#demand_surge#${windowEnd}`,
  alertType: "demand_surge",
  severity: "warning",
  route,
  origin: route.slice(0, 3),
  destination: route.slice(4),
  shardId: "shard-0",
  windowStart: windowEnd - 30,
  windowEnd,
  figures: { seatsBooked: 9 },
  summary: "surge",
});
const candidate = (route: string, end: number): DemandItem => ({
  kind: "alert-candidate",
  alert: alert(route, end),
});
const raised = (route: string, end: number): DemandItem => ({ kind: "alert", alert: alert(route, end) });

describe("alertCooldown (30 ms)", () => {
  it("raises the first candidate of a surge and holds the rest until a quiet spell longer than the cooldown", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      // Prepare: a surge holding for windows 100–140, quiet, then again at 180 (40 after 140: > 30) and
      // 200 (only 20 after 180).
      const source = cold<DemandItem>("-abcdef|", {
        a: candidate("LHR-JFK", 100),
        b: candidate("LHR-JFK", 110),
        c: candidate("LHR-JFK", 140),
        d: candidate("LHR-JFK", 170),
        e: candidate("LHR-JFK", 200),
        f: candidate("LHR-JFK", 240),
      });
      // Act
      const out = source.pipe(alertCooldown(SMALL));
      // Assess: 170 is exactly 30 after 140, still inside the cooldown; 240 is 40 after 200.
      expectObservable(out).toBe("-a----f|", { a: raised("LHR-JFK", 100), f: raised("LHR-JFK", 240) });
    });
  });

  it("keeps each route's cooldown apart", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      const source = cold<DemandItem>("-abc|", {
        a: candidate("LHR-JFK", 100),
        b: candidate("CDG-LHR", 100),
        c: candidate("LHR-JFK", 110),
      });
      expectObservable(source.pipe(alertCooldown(SMALL))).toBe("-ab-|", {
        a: raised("LHR-JFK", 100),
        b: raised("CDG-LHR", 100),
      });
    });
  });

  it("after a resume, raises nothing whose look-back reaches before the fence (decided before the checkpoint)", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      // Fence 50: a candidate at end c needs the windows ending in [c − 30, c), which start at c − 60.
      const fence: DemandItem = { kind: "resume-fence", shardId: "shard-0", fenceMs: 50 };
      const source = cold<DemandItem>("-fabc|", {
        f: fence,
        a: candidate("LHR-JFK", 100),
        b: candidate("CDG-LHR", 110),
        c: candidate("LHR-JFK", 120),
      });
      expectObservable(source.pipe(alertCooldown(SMALL))).toBe("-f-b-|", {
        f: fence,
        b: raised("CDG-LHR", 110),
      });
    });
  });

  it("a reshard's child keeps the cooldown its parent handed over for the routes it owns", () => {
    marbleScheduler().run(({ cold, expectObservable }) => {
      // The parent's last LHR-JFK candidate ended at 100; the child's at 120 is inside the cooldown.
      const started: DemandItem = {
        kind: "shard-started",
        shardId: "shard-0",
        resumed: false,
        inherited: {
          watermarkMs: 100,
          panes: [],
          routes: {
            maxEventTime: 105,
            fenceMs: Number.NEGATIVE_INFINITY,
            open: [],
            windows: [],
            cooldown: [["LHR-JFK#demand_surge", 100]],
          },
        },
      };
      const source = cold<DemandItem>("-sab|", {
        s: started,
        a: candidate("LHR-JFK", 120),
        b: candidate("CDG-LHR", 120),
      });
      expectObservable(source.pipe(alertCooldown(SMALL))).toBe("-s-b|", {
        s: started,
        b: raised("CDG-LHR", 120),
      });
    });
  });
});
