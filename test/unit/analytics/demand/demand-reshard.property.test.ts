// Producer re-sends across a reshard, as a property: a shard split (or two merged) part-way through the
// stream, with re-sends at random distances, some of them landing in a child after their first copy went
// to the parent. Summed over the parent's and the children's parts (as the warehouse sums them), the panes
// and windows equal one shard's over the same events: every event counted once. The parent's hand-off is
// what makes it hold; without it a re-send straddling the reshard counts twice.
import { expect } from "chai";
import fc from "fast-check";
import { from, VirtualTimeScheduler } from "rxjs";
import { demandPipeline } from "../../../../analytics/demand/demand-pipeline";
import { handoffFor, mergeHandoffs, routeStatesOf } from "../../../../analytics/demand/shard-handoff";
import type { SnapshotParts } from "../../../../analytics/demand/shard-snapshot";
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

interface ShardRun {
  /** The parents' hand-off (merged, and for the routes this shard owns). */
  readonly inherited?: ShardHandoffState | undefined;
  /** The worker crashes after batch `crash % batches`; a new one goes on from the checkpoint's snapshot. */
  readonly crash?: number;
  /** At its end, the shard hands its routes' open state to its children instead of closing it. */
  readonly handOff?: boolean;
  /** The baselines (shared across a reshard's shards, as the table is). */
  readonly baselines?: InMemoryBaselineStore;
}

/** One shard's run, batches of 7, read to its end; the hand-off it leaves, and its outputs. */
function runShard(
  shardId: string,
  events: readonly PositionedEvent[],
  o: ShardRun = {},
): { outputs: DemandOutput[]; handoff: ShardHandoffState | undefined } {
  const inherited = o.inherited;
  const inputs: DemandInput[] = [
    { kind: "shard-started", shardId, resumed: false, ...(inherited !== undefined ? { inherited } : {}) },
  ];
  for (let i = 0; i < events.length; i += 7)
    inputs.push({ kind: "events", shardId, events: events.slice(i, i + 7) });
  // A hand-off reads the state just before the end, as the worker does.
  const parts: Partial<SnapshotParts> = {};
  if (o.handOff === true) inputs.push({ kind: "snapshot", shardId, parts });
  inputs.push({
    kind: "shard-ended",
    shardId,
    reason: "shard-end",
    ...(o.handOff === true ? { handOff: true } : {}),
  });
  const outputs: DemandOutput[] = [];
  const baselines = o.baselines ?? new InMemoryBaselineStore();
  if (o.crash !== undefined) {
    // After a batch, never between the hand-off's read and the end.
    const batches = inputs.filter((i) => i.kind === "events").length;
    const at = 1 + (o.crash % Math.max(1, batches));
    const run = crashAndRestore(shardId, inputs.slice(0, at), inputs.slice(at), baselines);
    outputs.push(...run.before, ...run.after);
  } else
    from(inputs)
      .pipe(demandPipeline(SMALL, baselines, new VirtualTimeScheduler()))
      .subscribe((out) => outputs.push(out));
  const ids = outputs.find((out) => out.kind === "shard-handoff");
  const handoff = ids?.kind === "shard-handoff" ? ids.state : undefined;
  return {
    outputs,
    handoff:
      handoff !== undefined && o.handOff === true
        ? { ...handoff, routes: routeStatesOf(parts as SnapshotParts) }
        : handoff,
  };
}

/** Panes, windows and alerts by what they are about, the shard left out: a reshard's against one shard's. */
function exactly(outputs: readonly DemandOutput[]): string[] {
  return outputs
    .flatMap((out) => {
      if (out.kind === "pane") return [JSON.stringify({ ...out.pane, shardId: "" })];
      if (out.kind === "window") return [JSON.stringify({ ...out.window, shardId: "" })];
      if (out.kind === "alert") return [JSON.stringify({ ...out.alert, shardId: "" })];
      return [];
    })
    .sort();
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
          { inherited: parent.handoff },
        );
        const b = runShard(
          "shard-b",
          tail.filter((e) => !left.has(routeOf(e.event))),
          { inherited: parent.handoff },
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
        const child = runShard("shard-3", stream.slice(k), { inherited: mergeHandoffs(states) });
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

  it("hands a split's open panes and windows to the child owning each route: one shard's exact outputs, through crashes", () => {
    let handed = 0;
    let cooled = 0;
    let alerted = 0;
    fc.assert(
      fc.property(
        ...reshards,
        fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
        (events, resends, cutAt, leftRoutes, crashes) => {
          const [cp, ca, cb] = crashes as [number, number, number];
          const stream = withResends(events, resends);
          const k = cutBefore(stream, cutAt);
          const left = new Set<string>(leftRoutes);
          const owns = (route: string) => left.has(route);
          const tail = stream.slice(k);
          // Each worker crashes once and a new one restores its snapshot; the baselines are one table.
          const baselines = new InMemoryBaselineStore();
          const parent = runShard("shard-p", stream.slice(0, k), { crash: cp, handOff: true, baselines });
          const handoff = parent.handoff as ShardHandoffState;
          const a = runShard(
            "shard-a",
            tail.filter((e) => owns(routeOf(e.event))),
            {
              inherited: handoffFor(handoff, owns),
              crash: ca,
              baselines,
            },
          );
          const b = runShard(
            "shard-b",
            tail.filter((e) => !owns(routeOf(e.event))),
            {
              inherited: handoffFor(handoff, (route) => !owns(route)),
              crash: cb,
              baselines,
            },
          );
          // Every pane, window and alert exactly as one shard reading the whole stream emits it.
          const whole = runShard("shard-p", stream);
          expect(exactly([...parent.outputs, ...a.outputs, ...b.outputs])).to.deep.equal(
            exactly(whole.outputs),
          );
          if ((handoff.routes?.open.length ?? 0) > 0) handed++;
          if ((handoff.routes?.cooldown.length ?? 0) > 0) cooled++;
          if (whole.outputs.some((o) => o.kind === "alert")) alerted++;
        },
      ),
      { numRuns: 200 },
    );
    expect(handed, "splits with panes open at the split").to.be.greaterThan(100);
    expect(cooled, "splits handing over an alert's cooldown").to.be.greaterThan(50);
    expect(alerted, "streams with alerts").to.be.greaterThan(100);
  });

  it("hands a merge's parents' open panes and windows to the child: each route's exact outputs, through crashes", () => {
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
          const baselines = new InMemoryBaselineStore();
          const p1 = runShard(
            "shard-1",
            head.filter((e) => left.has(routeOf(e.event))),
            {
              crash: c1,
              handOff: true,
              baselines,
            },
          );
          const p2 = runShard(
            "shard-2",
            head.filter((e) => !left.has(routeOf(e.event))),
            {
              crash: c2,
              handOff: true,
              baselines,
            },
          );
          const states = [p1.handoff, p2.handoff].filter((s): s is ShardHandoffState => s !== undefined);
          const child = runShard("shard-3", stream.slice(k), {
            inherited: mergeHandoffs(states),
            crash: c3,
            baselines,
          });
          // One shard per parent's routes, all the way: the same routes, events and outputs.
          const wholeBaselines = new InMemoryBaselineStore();
          const whole = [
            runShard(
              "shard-x",
              stream.filter((e) => left.has(routeOf(e.event))),
              { baselines: wholeBaselines },
            ),
            runShard(
              "shard-y",
              stream.filter((e) => !left.has(routeOf(e.event))),
              { baselines: wholeBaselines },
            ),
          ].flatMap((r) => r.outputs);
          expect(exactly([...p1.outputs, ...p2.outputs, ...child.outputs])).to.deep.equal(exactly(whole));
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
