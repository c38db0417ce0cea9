// Producer re-sends across a reshard, as a property: a shard split (or two merged) part-way through the
// stream, with re-sends at random distances, some of them landing in a child after their first copy went
// to the parent. Summed over the parent's and the children's parts (as the warehouse sums them), the panes
// and windows equal one shard's over the same events: every event counted once. The parent's hand-off is
// what makes it hold; without it a re-send straddling the reshard counts twice.
import { expect } from "chai";
import fc from "fast-check";
import { from, VirtualTimeScheduler } from "rxjs";
import { demandPipeline } from "../../../../analytics/demand/demand-pipeline";
import { mergeHandoffs } from "../../../../analytics/demand/shard-handoff";
import type {
  DemandInput,
  DemandOutput,
  PositionedEvent,
  ShardHandoffState,
} from "../../../../analytics/demand/stream-items";
import { routeOf } from "../../../../analytics/events";
import { InMemoryBaselineStore } from "../../../../analytics/rules/route-baseline";
import { eventsArb, resendsArb, withResends } from "./demand-arbitraries";
import { booking, SMALL, search } from "./demand-factories";
import { crashAndRestore } from "./demand-snapshots";

const ROUTES = ["LHR-JFK", "CDG-LHR", "DXB-LHR", "LHR-SIN"] as const;

/** In event-time order (out-of-order events are late differently on a shard that sees fewer routes). */
const reshards = [
  eventsArb({ routes: ROUTES, maxDelay: 0, minLength: 2, maxLength: 300 }),
  resendsArb(1),
  fc.nat(),
  fc.subarray([...ROUTES], { minLength: 1, maxLength: 3 }),
] as const;

/**
 * Where the reshard happens: mostly just before a re-send (0 to 2 records before it), so its first copy
 * went to the parent and it lands among a child's first events, where it is still on time.
 */
function cutBefore(stream: readonly PositionedEvent[], pick: number): number {
  const resent = stream.flatMap((e, i) => (e.position.sequenceNumber.includes("-resent-") ? [i] : []));
  const at =
    pick % 4 === 0 || resent.length === 0 ? pick : (resent[pick % resent.length] as number) - (pick % 3);
  return 1 + (Math.max(0, at - 1) % (stream.length - 1));
}

/**
 * One shard's run, batches of 7, read to its end; the hand-off it leaves, and its outputs. With `crash`,
 * its worker crashes after batch `crash % batches` and a new one goes on from the checkpoint's snapshot.
 */
function runShard(
  shardId: string,
  events: readonly PositionedEvent[],
  inherited?: ShardHandoffState,
  crash?: number,
): { outputs: DemandOutput[]; handoff: ShardHandoffState | undefined } {
  const inputs: DemandInput[] = [
    { kind: "shard-started", shardId, resumed: false, ...(inherited !== undefined ? { inherited } : {}) },
  ];
  for (let i = 0; i < events.length; i += 7)
    inputs.push({ kind: "events", shardId, events: events.slice(i, i + 7) });
  inputs.push({ kind: "shard-ended", shardId, reason: "shard-end" });
  const outputs: DemandOutput[] = [];
  if (crash !== undefined) {
    const at = 1 + (crash % (inputs.length - 1));
    const run = crashAndRestore(shardId, inputs.slice(0, at), inputs.slice(at), new InMemoryBaselineStore());
    outputs.push(...run.before, ...run.after);
  } else
    from(inputs)
      .pipe(demandPipeline(SMALL, new InMemoryBaselineStore(), new VirtualTimeScheduler()))
      .subscribe((o) => outputs.push(o));
  const handoff = outputs.find((o) => o.kind === "shard-handoff");
  return { outputs, handoff: handoff?.kind === "shard-handoff" ? handoff.state : undefined };
}

/** Pane and window figures by (route, start), summed over the shards' parts. */
function summed(outputs: readonly DemandOutput[]): Record<string, string> {
  const sums = new Map<string, number[]>();
  const add = (
    key: string,
    f: { events?: number; searches: number; bookings: number; seatsBooked: number; cancellations: number },
  ) => {
    const s = sums.get(key) ?? [0, 0, 0, 0, 0];
    sums.set(key, s);
    [f.events ?? 0, f.searches, f.bookings, f.seatsBooked, f.cancellations].forEach((v, i) => {
      s[i] = (s[i] as number) + v;
    });
  };
  for (const o of outputs) {
    if (o.kind === "pane") add(`pane ${o.pane.route} ${o.pane.start}`, o.pane);
    if (o.kind === "window") add(`window ${o.window.route} ${o.window.end}`, { ...o.window, events: 0 });
  }
  return Object.fromEntries([...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.join(",")]));
}

describe("demand pipeline across a reshard (property)", () => {
  it("counts every event once over a split's parent and children, re-sends straddling the split included", () => {
    fc.assert(
      fc.property(...reshards, (events, resends, cutAt, leftRoutes) => {
        const stream = withResends(events, resends);
        const k = cutBefore(stream, cutAt);
        const parent = runShard("shard-p", stream.slice(0, k));
        const tail = stream.slice(k);
        const left = new Set<string>(leftRoutes);
        const a = runShard(
          "shard-a",
          tail.filter((e) => left.has(routeOf(e.event))),
          parent.handoff,
        );
        const b = runShard(
          "shard-b",
          tail.filter((e) => !left.has(routeOf(e.event))),
          parent.handoff,
        );
        const whole = runShard("shard-p", stream);
        expect(summed([...parent.outputs, ...a.outputs, ...b.outputs])).to.deep.equal(summed(whole.outputs));
      }),
      { numRuns: 300 },
    );
  });

  it("counts every event once over a merge of two parents into one child", () => {
    fc.assert(
      fc.property(...reshards, (events, resends, cutAt, leftRoutes) => {
        const stream = withResends(events, resends);
        const k = cutBefore(stream, cutAt);
        const left = new Set<string>(leftRoutes);
        const head = stream.slice(0, k);
        const p1 = runShard(
          "shard-1",
          head.filter((e) => left.has(routeOf(e.event))),
        );
        const p2 = runShard(
          "shard-2",
          head.filter((e) => !left.has(routeOf(e.event))),
        );
        const states = [p1.handoff, p2.handoff].filter((s): s is ShardHandoffState => s !== undefined);
        const child = runShard("shard-3", stream.slice(k), mergeHandoffs(states));
        // One shard per parent's routes before the merge, one after: the same as each route on one shard.
        const whole = [
          runShard(
            "shard-x",
            stream.filter((e) => left.has(routeOf(e.event))),
          ),
          runShard(
            "shard-y",
            stream.filter((e) => !left.has(routeOf(e.event))),
          ),
        ].flatMap((r) => r.outputs);
        expect(summed([...p1.outputs, ...p2.outputs, ...child.outputs])).to.deep.equal(summed(whole));
      }),
      { numRuns: 300 },
    );
  });

  it("still counts every event once when the parent's and the children's workers crash and restore from snapshots", () => {
    fc.assert(
      fc.property(
        ...reshards,
        fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
        (events, resends, cutAt, leftRoutes, crashes) => {
          const [cp, ca, cb] = crashes as [number, number, number];
          const stream = withResends(events, resends);
          const k = cutBefore(stream, cutAt);
          const left = new Set<string>(leftRoutes);
          const tail = stream.slice(k);
          // A crash of the parent before it ends, then of each child: the snapshot carries the hand-off's ids.
          const parent = runShard("shard-p", stream.slice(0, k), undefined, cp);
          const a = runShard(
            "shard-a",
            tail.filter((e) => left.has(routeOf(e.event))),
            parent.handoff,
            ca,
          );
          const b = runShard(
            "shard-b",
            tail.filter((e) => !left.has(routeOf(e.event))),
            parent.handoff,
            cb,
          );
          // Each shard's own outputs are those of its uninterrupted run, so the sums are too.
          expect(parent.outputs).to.deep.equal(runShard("shard-p", stream.slice(0, k)).outputs);
          const whole = runShard("shard-p", stream);
          expect(summed([...parent.outputs, ...a.outputs, ...b.outputs])).to.deep.equal(
            summed(whole.outputs),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("still counts every event once over a merge when the parents' and the child's workers crash and restore", () => {
    fc.assert(
      fc.property(
        ...reshards,
        fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
        (events, resends, cutAt, leftRoutes, crashes) => {
          const [c1, c2, c3] = crashes as [number, number, number];
          const stream = withResends(events, resends);
          const k = cutBefore(stream, cutAt);
          const left = new Set<string>(leftRoutes);
          const head = stream.slice(0, k);
          const p1 = runShard(
            "shard-1",
            head.filter((e) => left.has(routeOf(e.event))),
            undefined,
            c1,
          );
          const p2 = runShard(
            "shard-2",
            head.filter((e) => !left.has(routeOf(e.event))),
            undefined,
            c2,
          );
          const states = [p1.handoff, p2.handoff].filter((s): s is ShardHandoffState => s !== undefined);
          const merged = mergeHandoffs(states);
          const child = runShard("shard-3", stream.slice(k), merged, c3);
          expect(child.outputs).to.deep.equal(runShard("shard-3", stream.slice(k), merged).outputs);
          const whole = [
            runShard(
              "shard-x",
              stream.filter((e) => left.has(routeOf(e.event))),
            ),
            runShard(
              "shard-y",
              stream.filter((e) => !left.has(routeOf(e.event))),
            ),
          ].flatMap((r) => r.outputs);
          expect(summed([...p1.outputs, ...p2.outputs, ...child.outputs])).to.deep.equal(summed(whole));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("hands off only the panes still open under the parent's watermark, with the watermark", () => {
    const events = [booking(1_000), booking(1_012), search(1_031, "CDG-LHR"), booking(1_044)];
    const { handoff } = runShard("shard-p", events);
    // Watermark 1_044 − 5 ms lateness: the panes from 1_030 on may still get on-time events.
    expect(handoff?.watermarkMs).to.equal(1_039);
    expect(handoff?.panes.map((p) => [p.paneStart, p.eventIds])).to.deep.equal([
      [1_030, [events[2]?.event.eventId]],
      [1_040, [events[3]?.event.eventId]],
    ]);
  });

  it("merges parents' hand-offs: every id, and the later watermark", () => {
    const merged = mergeHandoffs([
      {
        watermarkMs: 50,
        panes: [
          { paneStart: 40, eventIds: ["a"] },
          { paneStart: 50, eventIds: ["b"] },
        ],
      },
      {
        watermarkMs: 30,
        panes: [
          { paneStart: 30, eventIds: ["c"] },
          { paneStart: 50, eventIds: ["d"] },
        ],
      },
    ]);
    expect(merged).to.deep.equal({
      watermarkMs: 50,
      panes: [
        { paneStart: 30, eventIds: ["c"] },
        { paneStart: 40, eventIds: ["a"] },
        { paneStart: 50, eventIds: ["b", "d"] },
      ],
    });
    expect(mergeHandoffs([])).to.equal(undefined);
  });
});
