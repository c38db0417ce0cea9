import { expect } from "chai";
import { filter } from "rxjs";
import type { DemandItem } from "../../../../analytics/demand/stream-items";
import {
  baselineBefore,
  baselineKey,
  InMemoryBaselineStore,
} from "../../../../analytics/rules/route-baseline";
import { evaluateSurge, surgeRule } from "../../../../analytics/rules/surge-rule";
import { marbleScheduler, ofKind, SMALL, windowOf } from "./demand-factories";

const win = (end: number, seatsBooked: number, route = "LHR-JFK") =>
  windowOf(route, end, { bookings: seatsBooked, seatsBooked, panes: 3 });

describe("surgeRule", () => {
  it("holds on the absolute floor alone while the baseline has too few samples", () => {
    const rule = SMALL.surge; // floor 6, k 2, 3 samples
    expect(evaluateSurge(win(100, 5).window, undefined, rule)).to.equal(undefined);
    const a = evaluateSurge(win(100, 6).window, undefined, rule);
    expect(a?.alertId).to.equal("LHR-JFK#demand_surge#100");
    expect(a?.figures).to.include({ seatsBooked: 6, floorSeats: 6, threshold: 6 });
    expect(evaluateSurge(win(100, 12).window, undefined, rule)?.severity).to.equal("critical");
  });

  it("needs k × the baseline once the baseline is trusted", () => {
    const rule = SMALL.surge;
    const baseline = { value: 10, samples: 3 };
    expect(evaluateSurge(win(100, 19).window, baseline, rule)).to.equal(undefined);
    const a = evaluateSurge(win(100, 20).window, baseline, rule);
    expect(a?.figures).to.include({ baseline: 10, baselineFactor: 2, threshold: 20 });
    expect(a?.summary).to.equal("20 seats booked on LHR-JFK in 0 min, 2.0× the usual 10.0");
  });

  it("emits candidates in window order and learns the baseline from every window", () => {
    const store = new InMemoryBaselineStore();
    marbleScheduler().run(({ cold, expectObservable }) => {
      // Prepare: 4, 4, 4 seats teach a baseline of 4 (3 samples); 7 is over the floor (6) but under
      // 2 × 4; it moves the baseline to 5.5, and 12 is over 2 × 5.5.
      const source = cold<DemandItem>("-abcde|", {
        a: win(10, 4),
        b: win(20, 4),
        c: win(30, 4),
        d: win(40, 7),
        e: win(50, 12),
      });
      // Act
      const out = source.pipe(surgeRule(SMALL, store), filter(ofKind("alert-candidate")));
      // Assess
      const expected = evaluateSurge(win(50, 12).window, { value: 5.5, samples: 4 }, SMALL.surge);
      expect(expected?.figures).to.include({ baseline: 5.5, threshold: 11 });
      expectObservable(out).toBe("-----e|", { e: { kind: "alert-candidate", alert: expected as never } });
    });
    const state = store.get(baselineKey("LHR-JFK", 50));
    expect(baselineBefore(state, 50)?.value).to.equal(5.5);
    expect(baselineBefore(state, 51)?.value).to.equal(8.75);
  });

  it("does not learn a replayed window twice, and judges it against the baseline as it stood before", () => {
    const store = new InMemoryBaselineStore();
    const run = (ends: number[]) =>
      marbleScheduler().run(({ cold, expectObservable }) => {
        const values = Object.fromEntries(
          ends.map((e, i) => [String.fromCharCode(97 + i), win(e, e === 40 ? 9 : 4)]),
        );
        const source = cold<DemandItem>(`-${Object.keys(values).join("")}|`, values);
        const out = source.pipe(surgeRule(SMALL, store), filter(ofKind("alert-candidate")));
        const alert = evaluateSurge(win(40, 9).window, { value: 4, samples: 3 }, SMALL.surge);
        expectObservable(out).toBe(
          `-${"-".repeat(ends.indexOf(40))}a${"-".repeat(ends.length - ends.indexOf(40) - 1)}|`,
          {
            a: { kind: "alert-candidate", alert: alert as never },
          },
        );
      });
    run([10, 20, 30, 40]);
    const before = JSON.stringify(store.get(baselineKey("LHR-JFK", 40)));
    run([30, 40]); // a replay from a safe point: same candidate, baseline untouched
    expect(JSON.stringify(store.get(baselineKey("LHR-JFK", 40)))).to.equal(before);
  });
});
