// Exactly-once under replay, as a property: the outputs depend only on the events, never on how they were
// cut into batches; a restart from the state snapshot of a checkpoint at any batch continues with exactly
// the outputs of the uninterrupted run; and a restart from any reported safe point (the path without a
// snapshot), with the baseline store surviving as it does behind its port, rebuilds exactly the outputs
// not yet emitted.
import { expect } from "chai";
import fc from "fast-check";
import { from, VirtualTimeScheduler } from "rxjs";
import { demandPipeline } from "../../../../analytics/demand/demand-pipeline";
import type {
  DemandInput,
  DemandOutput,
  PositionedEvent,
  SafePoint,
} from "../../../../analytics/demand/stream-items";
import { InMemoryBaselineStore } from "../../../../analytics/rules/route-baseline";
import * as arbitraries from "./demand-arbitraries";
import { outputKey, SMALL } from "./demand-factories";
import { crashAndRestore } from "./demand-snapshots";

const ROUTES = ["LHR-JFK", "CDG-LHR", "DXB-LHR"] as const;

// Out of order by up to 15 ms against 5 ms of allowed lateness: some events are late.
const eventsArb = arbitraries.eventsArb({ routes: ROUTES, maxDelay: 15, minLength: 1, maxLength: 400 });
const resendsArb = arbitraries.resendsArb();
const { withResends } = arbitraries;

const sizesArb = fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 40 });

function cut(events: readonly PositionedEvent[], sizes: readonly number[]): DemandInput[] {
  const out: DemandInput[] = [];
  let i = 0;
  for (let k = 0; i < events.length; k++) {
    const n = sizes[k % sizes.length] as number;
    out.push({ kind: "events", shardId: "shard-0", events: events.slice(i, i + n) });
    i += n;
  }
  return out;
}

function run(inputs: readonly DemandInput[], baselines: InMemoryBaselineStore): DemandOutput[] {
  const outputs: DemandOutput[] = [];
  // A virtual clock that never runs: no idle advance, which is the one processing-time behaviour.
  from(inputs)
    .pipe(demandPipeline(SMALL, baselines, new VirtualTimeScheduler()))
    .subscribe((o) => outputs.push(o));
  return outputs;
}

const ended: DemandInput = { kind: "shard-ended", shardId: "shard-0", reason: "shard-end" };
const keyed = (outputs: readonly DemandOutput[], kind: DemandOutput["kind"]) =>
  outputs.filter((o) => o.kind === kind).map((o) => [outputKey(o), o] as const);

/**
 * Runs `events` to a cut at batch `cutAt`, "crashes", restarts after the last reported safe point with the
 * same baselines, and checks against `reference`: every output of the replay equals the reference's output
 * of that key, and with what was emitted before the crash, every reference output is there. True when a
 * safe point had been reported (a real replay, not a restart from the beginning).
 */
function restartMatches(
  events: readonly PositionedEvent[],
  sizes: readonly number[],
  cutAt: number,
  reference: readonly DemandOutput[],
): boolean {
  const inputs = cut(events, sizes);
  const baselines = new InMemoryBaselineStore();
  const before = run(inputs.slice(0, cutAt % inputs.length), baselines);
  const safe = before.filter((o): o is SafePoint => o.kind === "safe-point").at(-1);
  const from =
    safe === undefined
      ? 0
      : events.findIndex((e) => e.position.sequenceNumber === safe.checkpointAt.sequenceNumber) + 1;
  const after = run(
    [
      { kind: "shard-started", shardId: "shard-0", resumed: safe !== undefined },
      ...cut(events.slice(from), sizes),
      ended,
    ],
    baselines,
  );
  const byKey = new Map(reference.map((o) => [outputKey(o), o]));
  for (const kind of ["pane", "window", "alert"] as const) {
    for (const [key, o] of keyed(after, kind)) expect(o, key).to.deep.equal(byKey.get(key));
    const seen = new Set([...keyed(before, kind), ...keyed(after, kind)].map(([key]) => key));
    expect([...seen].sort()).to.deep.equal(
      keyed(reference, kind)
        .map(([key]) => key)
        .sort(),
    );
  }
  return safe !== undefined;
}

describe("demand pipeline under re-batching and replay (property)", () => {
  it("gives the same panes, windows, alerts and late events whatever the batching", () => {
    fc.assert(
      fc.property(eventsArb, sizesArb, (events, sizes) => {
        // Prepare
        const oneByOne = cut(events, [1]);
        const batched = cut(events, sizes);
        // Act
        const a = run([...oneByOne, ended], new InMemoryBaselineStore());
        const b = run([...batched, ended], new InMemoryBaselineStore());
        // Assess
        for (const kind of ["pane", "window", "alert", "late"] as const)
          expect(b.filter((o) => o.kind === kind)).to.deep.equal(a.filter((o) => o.kind === kind));
      }),
      { numRuns: 150 },
    );
  });

  it("restarted from the state snapshot of a checkpoint at any batch, emits exactly the rest of the uninterrupted run", () => {
    let restoredOpen = 0;
    fc.assert(
      fc.property(eventsArb, resendsArb, sizesArb, fc.nat(), (original, resends, sizes, cutAt) => {
        // Prepare: re-sends included, so the duplicate filter's ids must travel in the snapshot too.
        const inputs = cut(withResends(original, resends), sizes);
        const reference = run([...inputs, ended], new InMemoryBaselineStore());
        const k = cutAt % (inputs.length + 1);
        // Act: crash after batch k, the checkpoint's snapshot taken there, and a new pipeline goes on from it.
        const { before, after } = crashAndRestore(
          "shard-0",
          inputs.slice(0, k),
          [...inputs.slice(k), ended],
          new InMemoryBaselineStore(),
        );
        // Assess: every output (watermarks, safe points, late events, panes, windows, alerts), in order.
        expect([...before, ...after]).to.deep.equal(reference);
        if (before.some((o) => o.kind === "pane") && after.some((o) => o.kind === "pane")) restoredOpen++;
      }),
      { numRuns: 200 },
    );
    // Most crashes fell mid-stream, with panes emitted on both sides of the restore.
    expect(restoredOpen).to.be.greaterThan(100);
  });

  it("rebuilds exactly the outputs not yet emitted when restarted from the last safe point", () => {
    let replays = 0;
    let alerts = 0;
    fc.assert(
      fc.property(eventsArb, sizesArb, fc.nat(), (events, sizes, cutAt) => {
        // Prepare: the uninterrupted run is the reference.
        const reference = run([...cut(events, sizes), ended], new InMemoryBaselineStore());
        // Act and assess: crash at a random batch, restart after the last safe point.
        if (restartMatches(events, sizes, cutAt, reference)) replays++;
        alerts += keyed(reference, "alert").length;
      }),
      { numRuns: 150 },
    );
    // The property must have exercised real restarts and real alerts, not only trivial cases.
    expect(replays).to.be.greaterThan(30);
    expect(alerts).to.be.greaterThan(30);
  });

  it("counts producer re-sends once: the panes, windows and alerts of the stream without them", () => {
    let resent = 0;
    fc.assert(
      fc.property(eventsArb, resendsArb, sizesArb, (events, resends, sizes) => {
        // Prepare
        const duplicated = withResends(events, resends);
        resent += duplicated.length - events.length;
        // Act
        const clean = run([...cut(events, sizes), ended], new InMemoryBaselineStore());
        const noisy = run([...cut(duplicated, sizes), ended], new InMemoryBaselineStore());
        // Assess
        for (const kind of ["pane", "window", "alert"] as const)
          expect(noisy.filter((o) => o.kind === kind)).to.deep.equal(clean.filter((o) => o.kind === kind));
      }),
      { numRuns: 150 },
    );
    expect(resent, "re-sends generated").to.be.greaterThan(300);
  });

  it("with re-sends, a restart from the last safe point still rebuilds exactly the outputs not yet emitted", () => {
    let replays = 0;
    fc.assert(
      fc.property(eventsArb, resendsArb, sizesArb, fc.nat(), (original, resends, sizes, cutAt) => {
        // Prepare: the uninterrupted run of the stream without re-sends is the reference.
        const reference = run([...cut(original, sizes), ended], new InMemoryBaselineStore());
        // Act and assess: the stream with re-sends, crashed at a random batch and restarted.
        if (restartMatches(withResends(original, resends), sizes, cutAt, reference)) replays++;
      }),
      { numRuns: 150 },
    );
    expect(replays).to.be.greaterThan(30);
  });
});
