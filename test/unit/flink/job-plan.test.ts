// The deploy's state-compatibility rule on plans as the runner prints them: identities and definitions
// of the operators that can hold state, the planner's renumbering ignored, and the longest window.
import { expect } from "chai";
import {
  compareState,
  type JobPlan,
  longestWindowMs,
  stateSignature,
} from "../../../analytics/flink/job-plan";

const plan = (...ops: [string, string, string | null, boolean][]): JobPlan => ({
  operators: ops.map(([id, name, description, stateful]) => ({ id, name, description, stateful })),
});

const BASE = plan(
  ["s1", "Source: booking_events[1]", "[1]:TableSourceScan(table=[[booking_events]], fields=[a, b])", true],
  ["c2", "Calc[2]", "[2]:Calc(where=[(channel IN ('web'))])", false],
  ["w3", "GlobalWindowAggregate[9]", "[9]:GlobalWindowAggregate(window=[TUMBLE(size=[5 min])])", true],
  [
    "h4",
    "LocalWindowAggregate[21]",
    "[21]:LocalWindowAggregate(window=[HOP(size=[15 min], slide=[1 min])])",
    false,
  ],
  ["k5", "top_route_insights[28]: Writer", "top_route_insights[28]: Writer", true],
);

describe("state compatibility of a new plan", () => {
  it("keeps only operators that can hold state in the signature, definitions for keyed ones", () => {
    const signature = stateSignature(BASE).split(",");
    expect(signature.map((e) => e.split(":")[0])).to.deep.equal(["k5", "s1", "w3"]);
    expect(signature.find((e) => e.startsWith("w3"))).to.match(/^w3:[0-9a-f]{8}$/);
    expect(signature).to.include("s1").and.include("k5");
  });

  it("accepts changed filters and fields, and the planner's new transformation numbers", () => {
    const next = plan(
      [
        "s1",
        "Source: booking_events[1]",
        "[1]:TableSourceScan(table=[[booking_events]], fields=[a, b, c])",
        true,
      ],
      ["c2", "Calc[3]", "[3]:Calc(where=[(channel IN ('web', 'agent'))])", false],
      ["w3", "GlobalWindowAggregate[12]", "[12]:GlobalWindowAggregate(window=[TUMBLE(size=[5 min])])", true],
      ["k5", "top_route_insights[31]: Writer", "top_route_insights[31]: Writer", true],
    );
    expect(compareState(stateSignature(BASE), next)).to.deep.include({
      compatible: true,
      missing: [],
      changed: [],
    });
  });

  it("refuses a keyed operator whose definition changed, and state whose operator is gone", () => {
    const resized = plan(
      ["s1", "Source: booking_events[1]", null, true],
      ["w3", "GlobalWindowAggregate[9]", "[9]:GlobalWindowAggregate(window=[TUMBLE(size=[10 min])])", true],
      ["k5", "top_route_insights[28]: Writer", null, true],
    );
    const c = compareState(stateSignature(BASE), resized);
    expect(c.compatible).to.equal(false);
    expect(c.changed.map((o) => o.id)).to.deep.equal(["w3"]);
    const moved = plan(
      ["s1", "Source: booking_events[1]", null, true],
      ["zz", "GlobalWindowAggregate[9]", "x", true],
    );
    const m = compareState(stateSignature(BASE), moved);
    expect(m.missing).to.deep.equal(["k5", "w3"]);
    expect(m.added.map((o) => o.id)).to.deep.equal(["zz"]);
    expect(m.compatible).to.equal(false);
  });

  it("finds the longest window in the plan's definitions", () => {
    expect(longestWindowMs(BASE)).to.equal(15 * 60_000);
    expect(longestWindowMs(plan(["a", "x", "HOP(size=[2 h], slide=[30 s])", true]))).to.equal(2 * 3_600_000);
    expect(longestWindowMs(plan(["a", "x", null, true]))).to.equal(0);
  });
});
