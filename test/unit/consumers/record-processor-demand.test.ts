// The record processor with the demand analytics: checkpoints never pass the pipeline's safe point, surge
// alerts go through the alert sink once, and panes, windows and alerts are staged for the warehouse.
import { expect } from "chai";
import { VirtualTimeScheduler } from "rxjs";
import { demandOptions } from "../../../analytics/demand/demand-options";
import type { ShardHandoffState } from "../../../analytics/demand/stream-items";
import { encodeEvent, sampleEvents } from "../../../analytics/events";
import { flightRuleOptions } from "../../../analytics/rules/flight-rules";
import { InMemoryBaselineStore } from "../../../analytics/rules/route-baseline";
import type { ExtendedSequenceNumber } from "../../../consumers/kcl/lease";
import type { UserRecord } from "../../../consumers/kcl/retrieval/kpl-aggregation";
import { silentLogger } from "../../../consumers/observability/logger";
import {
  BookingRecordProcessor,
  type ProcessorCounters,
} from "../../../consumers/processor/booking-record-processor";
import type { DurableBaselineStore } from "../../../consumers/processor/demand-stage";
import { hashKeyOf } from "../../../consumers/processor/route-ownership";
import type { ShardHandoffStore } from "../../../consumers/processor/shard-handoff-store";
import type { AlertNotice } from "../../../consumers/sinks/alerts/alert-notice";
import { AlertSink } from "../../../consumers/sinks/alerts/alert-sink";
import { InMemoryAlertStateStore } from "../../../consumers/sinks/alerts/alert-state-store";
import { ManifestSink } from "../../../consumers/sinks/manifests/manifest-sink";
import { InMemoryManifestStore } from "../../../consumers/sinks/manifests/manifest-store";
import { InMemoryRejectedSink } from "../../../consumers/sinks/rejected/dynamodb-rejected-sink";
import type { DataApi } from "../../../consumers/warehouse/data-api";
import { WarehouseLoader } from "../../../consumers/warehouse/loader";

const MIN = 60_000;
const T0 = Date.parse("2026-11-30T10:00:00Z");
const iso = (t: number) => new Date(t).toISOString();

/** A booking of `seats` on LHR-JFK at T0 + `minute` minutes, as record number `n`. */
const booking = (n: number, minute: number, seats = 2): UserRecord => ({
  data: Buffer.from(
    encodeEvent(
      sampleEvents.bookingCreated({
        eventId: `b-${n}`,
        bookingRef: `R${String(n).padStart(5, "0")}`,
        occurredAt: iso(T0 + minute * MIN),
        seats,
      }),
    ),
  ),
  partitionKey: "LHR-JFK",
  sequenceNumber: String(1_000_000 + n),
  subSequenceNumber: 0,
  aggregated: false,
});

const START = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };

/** A 10-seat flight departing in three weeks, scheduled, then 9 seats booked in three bookings. */
function fillingFlight(): UserRecord[] {
  const schedule: UserRecord = {
    ...booking(100, 0),
    data: Buffer.from(
      encodeEvent(
        sampleEvents.flightScheduled({
          eventId: "fs-1",
          occurredAt: iso(T0),
          departureDate: "2026-12-21",
          departureTime: "2026-12-21T10:30:00Z",
          arrivalTime: "2026-12-21T18:45:00Z",
          capacity: 10,
        }),
      ),
    ),
  };
  const seats = (n: number): UserRecord => {
    const r = booking(n, 1, 3);
    const e = JSON.parse(Buffer.from(r.data).toString("utf8"));
    return { ...r, data: Buffer.from(JSON.stringify({ ...e, departureDate: "2026-12-21" })) };
  };
  return [schedule, seats(101), seats(102), seats(103)];
}

function setup(
  checkpointIntervalMs = 0,
  shared: {
    manifests?: InMemoryManifestStore;
    alertState?: InMemoryAlertStateStore;
    failPublish?: boolean;
    handoffs?: ShardHandoffStore;
    counters?: ProcessorCounters;
    baselines?: DurableBaselineStore;
  } = {},
) {
  const sql: string[] = [];
  let flushes = 0;
  const api: DataApi = {
    batch: async (s) => {
      flushes++;
      sql.push(...s);
    },
    query: async () => [],
  };
  const published: AlertNotice[] = [];
  let t = 0;
  const processor = new BookingRecordProcessor({
    manifests: new ManifestSink({ store: shared.manifests ?? new InMemoryManifestStore() }),
    rejected: new InMemoryRejectedSink(),
    warehouse: new WarehouseLoader({ api, timer: { set: () => 0, clear: () => {} } }),
    // 1-minute panes, 5-minute windows, 30 s lateness, 10-minute cooldown: the safe point trails the
    // watermark by window + cooldown = 15 minutes.
    demand: {
      options: demandOptions({ windowMs: 5 * MIN, surge: { floorSeats: 10, cooldownMs: 10 * MIN } }),
      baselines: shared.baselines ?? new InMemoryBaselineStore(),
      scheduler: new VirtualTimeScheduler(),
    },
    flightRules: flightRuleOptions(),
    alerts: new AlertSink({
      state: shared.alertState ?? new InMemoryAlertStateStore(),
      publisher: {
        publish: async (a) => {
          if (shared.failPublish === true)
            throw Object.assign(new Error("worker killed"), { retryable: false });
          published.push(...a);
          return { published: a.map((x) => x.alertId), failed: [] };
        },
      },
    }),
    ...(shared.handoffs !== undefined ? { handoffs: shared.handoffs } : {}),
    ...(shared.counters !== undefined ? { counters: shared.counters } : {}),
    log: silentLogger,
    checkpointIntervalMs,
    now: () => (t += 1000),
    sleep: async () => {},
  });
  const checkpoints: (ExtendedSequenceNumber | undefined)[] = [];
  const checkpointer = { checkpoint: async (p?: ExtendedSequenceNumber) => checkpoints.push(p) > 0 };
  return { processor, checkpointer, checkpoints, published, sql, flushes: () => flushes };
}

describe("booking record processor with demand analytics", () => {
  it("checkpoints only at the safe point, never at the end of the batch", async () => {
    // Prepare: one booking a minute for 10 minutes: the watermark stays within 15 minutes of the start.
    const s = setup();
    await s.processor.initialize({
      shardId: "s",
      startingPosition: { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 },
    });
    // Act
    await s.processor.processRecords({
      records: Array.from({ length: 10 }, (_, i) => booking(i, i)),
      checkpointer: s.checkpointer,
    });
    // Assess: nothing is old enough yet.
    expect(s.checkpoints).to.deep.equal([]);
    // Act: twenty more minutes: everything before minute ~14 is now rebuilt-from-later safe.
    await s.processor.processRecords({
      records: Array.from({ length: 20 }, (_, i) => booking(10 + i, 10 + i)),
      checkpointer: s.checkpointer,
    });
    // Assess: watermark 28.5 min, next window end 29, minus window and cooldown: state before minute 14 is
    // no longer needed. Minute 13's booking (record 13) opens the newest pane ending by then, so the
    // checkpoint is record 12, far behind the batch's last record (29).
    expect(s.checkpoints).to.deep.equal([{ sequenceNumber: String(1_000_012), subSequenceNumber: 0 }]);
  });

  it("hands a split's children the parent's ids before SHARD_END, so a child drops a re-send of the parent's event", async () => {
    // Prepare: a hand-off store that records when it is written, beside the checkpoints.
    const steps: string[] = [];
    const saved = new Map<string, ShardHandoffState>();
    const handoffs: ShardHandoffStore = {
      save: async (shardId, state) => {
        steps.push(`hand-off ${shardId}`);
        saved.set(shardId, state);
      },
      load: async (shardId) => saved.get(shardId),
    };
    const parent = setup(0, { handoffs });
    await parent.processor.initialize({ shardId: "p", startingPosition: START });
    await parent.processor.processRecords({
      records: [booking(1, 0), booking(2, 0)],
      checkpointer: parent.checkpointer,
    });
    // Act: the parent is read to its end; a child starts with a re-send of record 1 among its first records.
    await parent.processor.shardEnded({
      checkpointer: { checkpoint: async () => steps.push("checkpoint SHARD_END") > 0 },
    });
    const counters: ProcessorCounters = { events: 0, rejected: 0, sinkErrors: 0 };
    const child = setup(0, { handoffs, counters });
    await child.processor.initialize({ shardId: "c", startingPosition: START, parentShardIds: ["p"] });
    await child.processor.processRecords({
      records: [{ ...booking(1, 0), sequenceNumber: "2000001" }, booking(3, 0)],
      checkpointer: child.checkpointer,
    });
    // Assess
    expect(steps).to.deep.equal(["hand-off p", "checkpoint SHARD_END"]);
    expect(saved.get("p")?.panes.flatMap((p) => p.eventIds)).to.deep.equal(["b-1", "b-2"]);
    expect(counters.duplicates).to.equal(1);
    expect(counters.events, "the re-send is still a fact and a manifest input").to.equal(2);
  });

  it("hands a split's open pane to the child owning its route: the pane is written once, whole, by the child", async () => {
    // Prepare: a store that takes routes' state; children split the hash key space between two routes.
    const saved = new Map<string, ShardHandoffState>();
    const handoffs: ShardHandoffStore = {
      maxBytes: 1_000_000,
      save: async (shardId, state) => {
        saved.set(shardId, state);
      },
      load: async (shardId) => saved.get(shardId),
    };
    const onRoute = (
      r: UserRecord,
      origin: string,
      destination: string,
      sequenceNumber: string,
    ): UserRecord => ({
      ...r,
      sequenceNumber,
      partitionKey: `${origin}-${destination}`,
      data: Buffer.from(
        JSON.stringify({ ...JSON.parse(Buffer.from(r.data).toString("utf8")), origin, destination }),
      ),
    });
    const [lo, hi] = [hashKeyOf("LHR-JFK"), hashKeyOf("CDG-LHR")].sort((x, y) => (x < y ? -1 : 1)) as [
      bigint,
      bigint,
    ];
    const low = { startingHashKey: "0", endingHashKey: String(lo) };
    const high = { startingHashKey: String(lo + 1n), endingHashKey: String(2n ** 128n - 1n) };
    expect(hi > lo).to.equal(true);
    const parent = setup(0, { handoffs });
    await parent.processor.initialize({ shardId: "p", startingPosition: START });
    await parent.processor.processRecords({
      records: [booking(1, 0, 3), onRoute(booking(2, 0, 1), "CDG", "LHR", "1000002")],
      checkpointer: parent.checkpointer,
    });
    // Act: the parent ends in minute 0; each child gets one route's next events, into minute 2.
    await parent.processor.shardEnded({ checkpointer: { checkpoint: async () => true } });
    const children = [low, high].map((range, k) => ({ range, s: setup(0, { handoffs }), id: `c${k}` }));
    for (const c of children) {
      await c.s.processor.initialize({
        shardId: c.id,
        startingPosition: START,
        parentShardIds: ["p"],
        hashKeyRange: c.range,
      });
      const own =
        hashKeyOf("LHR-JFK") <= BigInt(c.range.endingHashKey) &&
        hashKeyOf("LHR-JFK") >= BigInt(c.range.startingHashKey);
      await c.s.processor.processRecords({
        records: own
          ? [booking(3, 0, 2), booking(4, 2, 1)]
          : [onRoute(booking(5, 2, 1), "CDG", "LHR", "2000005")],
        checkpointer: c.s.checkpointer,
      });
      await c.s.processor.shutdownRequested({ checkpointer: c.s.checkpointer });
    }
    // Assess: the parent wrote no pane; minute 0's LHR-JFK pane (3 + 2 seats) and CDG-LHR pane (1 seat)
    // each come once, from the child that owns the route.
    const paneInserts = (sql: readonly string[]) =>
      sql.filter((q) => q.startsWith("INSERT INTO stage_route_panes"));
    expect(paneInserts(parent.sql)).to.deep.equal([]);
    expect(
      saved.get("p")?.routes?.open.flatMap(([, panes]) => panes.map((p) => [p.route, p.seatsBooked])),
    ).to.have.deep.members([
      ["LHR-JFK", 3],
      ["CDG-LHR", 1],
    ]);
    // (shard_id, route, pane_start, pane_end, searches, bookings, seats_booked, …) of every pane staged.
    const panes = children
      .flatMap((c) => paneInserts(c.s.sql))
      .flatMap((q) => q.slice(q.indexOf(" VALUES ") + 8).split(/(?<=\)),(?=\()/))
      .map((t) => t.slice(1, -1).split(", "))
      .filter((f) => f[2] === "'2026-11-30 10:00:00.000'")
      .map((f) => [f[0], f[1], Number(f[5]), Number(f[6])]);
    const owner = (route: string) =>
      children.find(
        (c) =>
          hashKeyOf(route) >= BigInt(c.range.startingHashKey) &&
          hashKeyOf(route) <= BigInt(c.range.endingHashKey),
      )?.id;
    expect(panes).to.have.deep.members([
      [`'${owner("LHR-JFK")}'`, "'LHR-JFK'", 2, 5],
      [`'${owner("CDG-LHR")}'`, "'CDG-LHR'", 1, 1],
    ]);
    expect(panes).to.have.length(2);
  });

  it("loads the baselines of the routes a reshard's child took over before its first batch, not only its own", async () => {
    // Prepare: the parents handed over CDG-LHR's open pane; the child's first batch is LHR-JFK only.
    const routes = {
      maxEventTime: Date.parse("2026-11-30T10:00:30Z"),
      fenceMs: Number.NEGATIVE_INFINITY,
      open: [
        [
          Date.parse("2026-11-30T10:00:00Z"),
          [
            {
              route: "CDG-LHR",
              origin: "CDG",
              destination: "LHR",
              searches: 0,
              bookings: 1,
              seatsBooked: 2,
              cancellations: 0,
              seatsCancelled: 0,
              revenueMinor: { EUR: 10_000 },
              events: 1,
            },
          ],
        ] as const,
      ],
      windows: [],
      cooldown: [],
    };
    const handoffs: ShardHandoffStore = {
      save: async () => {},
      load: async () => ({ watermarkMs: Date.parse("2026-11-30T10:00:00Z"), panes: [], routes }),
    };
    const loaded: string[] = [];
    const inner = new InMemoryBaselineStore();
    const baselines: DurableBaselineStore = {
      get: (k) => inner.get(k),
      set: (k, v) => inner.set(k, v),
      load: async (keys) => {
        loaded.push(...keys);
      },
    };
    const child = setup(0, { handoffs, baselines });
    await child.processor.initialize({
      shardId: "c",
      startingPosition: START,
      parentShardIds: ["p"],
      hashKeyRange: { startingHashKey: "0", endingHashKey: String(2n ** 128n - 1n) },
    });
    // Act
    await child.processor.processRecords({
      records: [booking(1, 0), booking(2, 3)],
      checkpointer: child.checkpointer,
    });
    // Assess: minute 0's CDG-LHR pane closed, and its route's baselines were read first.
    expect(
      loaded.some((k) => k.startsWith("CDG-LHR#")),
      "CDG-LHR's baselines loaded",
    ).to.equal(true);
    expect(
      child.sql.some((q) => q.startsWith("INSERT INTO stage_route_panes") && q.includes("'CDG-LHR'")),
    ).to.equal(true);
  });

  it("sends one surge alert through the sink, and stages panes, windows and the alert for the warehouse", async () => {
    const s = setup();
    await s.processor.initialize({
      shardId: "s",
      startingPosition: { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 },
    });
    // Ten 2-seat bookings in minute 0 (20 seats ≥ floor 10), then traffic to move the watermark on.
    await s.processor.processRecords({
      records: [...Array.from({ length: 10 }, (_, i) => booking(i, 0)), booking(10, 3, 1), booking(11, 8, 1)],
      checkpointer: s.checkpointer,
    });
    await s.processor.shutdownRequested({ checkpointer: s.checkpointer });
    expect(s.published.map((a) => [a.alertType, a.route, a.figures["seatsBooked"]])).to.deep.equal([
      ["demand_surge", "LHR-JFK", 20],
    ]);
    const merged = (table: string) => s.sql.filter((q) => q.startsWith(`MERGE INTO ${table}`)).length;
    expect(merged("route_panes")).to.be.greaterThan(0);
    expect(merged("route_windows")).to.be.greaterThan(0);
    expect(merged("alerts")).to.equal(1);
  });

  it("writes no warehouse alert for a surge in another alert's cooldown (a replay after failover can see one)", async () => {
    // Prepare: another worker sent a surge alert for LHR-JFK a minute before, in event time.
    const alertState = new InMemoryAlertStateStore();
    await alertState.claim("LHR-JFK#demand_surge", "LHR-JFK#demand_surge#earlier", T0, 10 * MIN);
    await alertState.markSent("LHR-JFK#demand_surge", "LHR-JFK#demand_surge#earlier");
    const s = setup(0, { alertState });
    await s.processor.initialize({ shardId: "s", startingPosition: START });
    // Act: the same surge as above, judged again.
    await s.processor.processRecords({
      records: [...Array.from({ length: 10 }, (_, i) => booking(i, 0)), booking(10, 3, 1), booking(11, 8, 1)],
      checkpointer: s.checkpointer,
    });
    await s.processor.shutdownRequested({ checkpointer: s.checkpointer });
    // Assess
    expect(s.published).to.deep.equal([]);
    expect(s.sql.filter((q) => q.startsWith("MERGE INTO alerts"))).to.deep.equal([]);
    expect(s.sql.filter((q) => q.startsWith("MERGE INTO route_panes")).length).to.be.greaterThan(0);
  });

  it("alerts once when a flight far from departure fills past the load-factor threshold, even when replayed", async () => {
    // Prepare: a 10-seat flight departing in three weeks, then 9 seats booked.
    const s = setup();
    const records = fillingFlight();
    await s.processor.initialize({ shardId: "s", startingPosition: START });
    // Act: the batch, then the same records again (a replay after a restart).
    await s.processor.processRecords({ records, checkpointer: s.checkpointer });
    await s.processor.processRecords({ records, checkpointer: s.checkpointer });
    // Assess
    const flightAlerts = s.published.filter((a) => a.flight !== undefined);
    expect(flightAlerts.map((a) => [a.alertType, a.flight, a.figures["loadFactor"]])).to.deep.equal([
      ["load_factor", "FH101:2026-12-21", 0.9],
    ]);
  });

  it("without a safe point yet, flushes once per checkpoint interval, not on every batch", async () => {
    // Prepare: a 10 s interval; the processor's clock moves 1 s per reading.
    const s = setup(10_000);
    await s.processor.initialize({
      shardId: "s",
      startingPosition: { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 },
    });
    // Act: 30 one-record batches over ~1 simulated minute of processing time.
    for (let i = 0; i < 30; i++)
      await s.processor.processRecords({ records: [booking(i, 0)], checkpointer: s.checkpointer });
    // Assess: a handful of flushes (one per interval), no checkpoint (nothing is old enough).
    expect(s.checkpoints).to.deep.equal([]);
    expect(s.flushes()).to.be.within(2, 8);
  });

  it("still sends a flight's alert when the worker died between the manifest write and the publish", async () => {
    // Prepare: the manifest and alert state outlive the worker, as DynamoDB does.
    const manifests = new InMemoryManifestStore();
    const alertState = new InMemoryAlertStateStore();
    const dying = setup(0, { manifests, alertState, failPublish: true });
    await dying.processor.initialize({ shardId: "s", startingPosition: START });
    // The worker is going (its lease with it) when the publish fails: the batch is given up there.
    const killed = new AbortController();
    killed.abort("worker killed");
    const failed = await dying.processor
      .processRecords({ records: fillingFlight(), checkpointer: dying.checkpointer, signal: killed.signal })
      .catch((e: Error) => e);
    expect((failed as Error).message).to.include("worker killed");
    // Act: the next owner replays the same records; the manifests are already written.
    const next = setup(0, { manifests, alertState });
    await next.processor.initialize({ shardId: "s", startingPosition: START });
    await next.processor.processRecords({ records: fillingFlight(), checkpointer: next.checkpointer });
    // Assess
    expect(next.published.filter((a) => a.flight !== undefined).map((a) => a.alertType)).to.deep.equal([
      "load_factor",
    ]);
  });
});
