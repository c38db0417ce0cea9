import { expect } from "chai";
import { encodeEvent, sampleEvents } from "../../../analytics/events";
import type { UserRecord } from "../../../consumers/kcl/retrieval/kpl-aggregation";
import { silentLogger } from "../../../consumers/observability/logger";
import {
  BookingRecordProcessor,
  type ProcessorCounters,
} from "../../../consumers/processor/booking-record-processor";
import { ShardStoppedError } from "../../../consumers/processor/errors";
import { figuresOf } from "../../../consumers/sinks/manifests/flight-manifest";
import { ManifestSink } from "../../../consumers/sinks/manifests/manifest-sink";
import { InMemoryManifestStore } from "../../../consumers/sinks/manifests/manifest-store";
import { InMemoryRejectedSink } from "../../../consumers/sinks/rejected/dynamodb-rejected-sink";
import type { DataApi } from "../../../consumers/warehouse/data-api";
import { WarehouseLoader } from "../../../consumers/warehouse/loader";

const TRIM_HORIZON = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };

const rec = (data: Uint8Array | string, seq: number): UserRecord => ({
  data: typeof data === "string" ? Buffer.from(data) : data,
  partitionKey: "LHR-JFK",
  sequenceNumber: String(1000 + seq),
  subSequenceNumber: 0,
  aggregated: false,
});

function setup(
  batchFails: unknown[] = [],
  manifestWrites: "batch" | "flush" = "batch",
  store = new InMemoryManifestStore(),
  manifests = new ManifestSink({ store, writeAt: manifestWrites }),
) {
  const rejected = new InMemoryRejectedSink();
  const loaded: string[][] = [];
  const api: DataApi = {
    batch: async (sqls) => {
      const f = batchFails.shift();
      if (f !== undefined) throw f;
      loaded.push([...sqls]);
    },
    query: async () => [],
  };
  const warehouse = new WarehouseLoader({ api, timer: { set: () => 0, clear: () => {} } });
  const counters: ProcessorCounters = { events: 0, rejected: 0, sinkErrors: 0 };
  const alerts: string[] = [];
  let t = 0;
  const clock = {
    advance: (ms: number) => {
      t += ms;
    },
  };
  const processor = new BookingRecordProcessor({
    manifests,
    rejected,
    warehouse,
    log: silentLogger,
    counters,
    checkpointIntervalMs: 10_000,
    now: () => t,
    sleep: async () => {},
    operationsAlert: async (subject) => void alerts.push(subject),
  });
  const checkpoints: number[] = [];
  const checkpointer = { checkpoint: async () => checkpoints.push(t) > 0 };
  return {
    store,
    manifests,
    rejected,
    loaded,
    counters,
    processor,
    checkpointer,
    checkpoints,
    clock,
    alerts,
  };
}

describe("booking record processor", () => {
  const events = [
    sampleEvents.flightScheduled({ eventId: "fs", capacity: 10 }),
    sampleEvents.bookingCreated({ eventId: "b1", bookingRef: "AAAAAA", seats: 3 }),
    sampleEvents.searchPerformed({ eventId: "s1" }),
  ];

  it("updates manifests, rejects bad records with their reason, and stages warehouse facts", async () => {
    const s = setup();
    await s.processor.initialize({ shardId: "shardId-000000000001", startingPosition: TRIM_HORIZON });
    await s.processor.processRecords({
      records: [...events.map((e, i) => rec(encodeEvent(e), i)), rec('{"type":"nope"}', 9)],
      checkpointer: s.checkpointer,
    });
    expect(figuresOf((await s.store.get("FH101:2026-12-01"))!.manifest)).to.include({
      capacity: 10,
      seatsBooked: 3,
    });
    const [bad] = [...s.rejected.records.values()];
    expect(bad).to.include({ code: "unknown_type", shardId: "shardId-000000000001", sequenceNumber: "1009" });
    expect(s.counters).to.deep.equal({ events: 3, rejected: 1, sinkErrors: 0 });
    expect(s.checkpoints, "no checkpoint before the interval").to.deep.equal([]);
    expect(s.loaded).to.deep.equal([]);
  });

  it("flushes the warehouse before every checkpoint, and checkpoints at most once per interval", async () => {
    const s = setup();
    await s.processor.initialize({ shardId: "s", startingPosition: TRIM_HORIZON });
    s.clock.advance(10_000);
    await s.processor.processRecords({
      records: events.map((e, i) => rec(encodeEvent(e), i)),
      checkpointer: s.checkpointer,
    });
    expect(s.checkpoints).to.deep.equal([10_000]);
    expect(s.loaded.flat().some((sql) => sql.startsWith("MERGE INTO booking_facts"))).to.equal(true);
    expect(s.loaded.flat().some((sql) => sql.startsWith("MERGE INTO flights"))).to.equal(true);
    await s.processor.processRecords({
      records: [rec(encodeEvent(sampleEvents.bookingCreated({ eventId: "b2", bookingRef: "BBBBBB" })), 5)],
      checkpointer: s.checkpointer,
    });
    expect(s.checkpoints).to.have.length(1);
    await s.processor.shutdownRequested({ checkpointer: s.checkpointer });
    expect(s.checkpoints).to.have.length(2);
  });

  const transient = () => Object.assign(new Error("ThrottlingException: Rate exceeded"), { retryable: true });

  it("with manifests written at the checkpoint: none before it, every one before it is recorded, retried until written", async () => {
    const s = setup([], "flush");
    await s.processor.initialize({ shardId: "s", startingPosition: TRIM_HORIZON });
    await s.processor.processRecords({
      records: events.map((e, i) => rec(encodeEvent(e), i)),
      checkpointer: s.checkpointer,
    });
    expect(s.store.writes, "nothing written before the checkpoint").to.equal(0);
    // The store refuses twice when the checkpoint comes: the shard holds its checkpoint meanwhile.
    let refusals = 2;
    const put = s.store.put.bind(s.store);
    s.store.put = async (next, expected) => {
      if (refusals-- > 0) throw transient();
      return put(next, expected);
    };
    const seatsAtCheckpoint: (number | undefined)[] = [];
    const checkpointer = {
      checkpoint: async () => {
        const stored = await s.store.get("FH101:2026-12-01");
        seatsAtCheckpoint.push(stored === undefined ? undefined : figuresOf(stored.manifest).seatsBooked);
        return s.checkpointer.checkpoint();
      },
    };
    s.clock.advance(10_000);
    await s.processor.processRecords({
      records: [
        rec(encodeEvent(sampleEvents.bookingCreated({ eventId: "b2", bookingRef: "BBBBBB", seats: 2 })), 5),
      ],
      checkpointer,
    });
    expect(seatsAtCheckpoint, "both batches durable when the checkpoint is written").to.deep.equal([5]);
    expect(s.counters.sinkErrors).to.equal(2);
    expect(s.store.writes, "one write for the flight's two batches").to.equal(1);
  });

  it("at a shard's checkpoint writes the manifests its events changed, not another shard's on the same sink", async () => {
    const a = setup([], "flush");
    const b = setup([], "flush", a.store, a.manifests);
    await a.processor.initialize({ shardId: "shardId-000000000000", startingPosition: TRIM_HORIZON });
    await b.processor.initialize({ shardId: "shardId-000000000001", startingPosition: TRIM_HORIZON });
    const booking = (eventId: string, flightNumber: string) =>
      rec(
        encodeEvent(
          sampleEvents.bookingCreated({ eventId, bookingRef: eventId.toUpperCase(), flightNumber }),
        ),
        1,
      );
    await b.processor.processRecords({ records: [booking("bbbbbb", "FH202")], checkpointer: b.checkpointer });
    await a.processor.processRecords({ records: [booking("aaaaaa", "FH101")], checkpointer: a.checkpointer });
    a.clock.advance(10_000);
    await a.processor.processRecords({ records: [], checkpointer: a.checkpointer });
    expect(a.checkpoints).to.have.length(1);
    expect([...a.store.items.keys()], "shard 1's flight waits for shard 1's checkpoint").to.deep.equal([
      "FH101:2026-12-01",
    ]);
    b.clock.advance(10_000);
    await b.processor.processRecords({ records: [], checkpointer: b.checkpointer });
    expect([...a.store.items.keys()].sort()).to.deep.equal(["FH101:2026-12-01", "FH202:2026-12-01"]);
  });

  it("holds the shard while the warehouse keeps failing: no checkpoint, one operations alert, resumes when it recovers", async () => {
    // Prepare: twelve failed flushes in a row, then the warehouse is back.
    const s = setup(Array.from({ length: 12 }, transient));
    await s.processor.initialize({ shardId: "s", startingPosition: TRIM_HORIZON });
    s.clock.advance(10_000);
    const checkpointsDuring: number[][] = [];
    const checkpointer = {
      checkpoint: async () => {
        checkpointsDuring.push([s.counters.sinkErrors]);
        return s.checkpointer.checkpoint();
      },
    };
    // Act
    await s.processor.processRecords({ records: events.map((e, i) => rec(encodeEvent(e), i)), checkpointer });
    // Assess: the checkpoint came only after the twelfth failure, i.e. once the flush got through.
    expect(s.counters.sinkErrors).to.equal(12);
    expect(checkpointsDuring).to.deep.equal([[12]]);
    expect(s.alerts).to.deep.equal(["flightpulse: warehouse flush failing on s"]);
    expect(s.loaded.flat().some((sql) => sql.startsWith("MERGE INTO booking_facts"))).to.equal(true);
  });

  it("alerts at once on a non-retryable failure, and still resumes once it is fixed", async () => {
    const refused = () => Object.assign(new Error("ERROR: permission denied"), { retryable: false });
    const s = setup([refused(), refused(), refused()]);
    await s.processor.initialize({ shardId: "s", startingPosition: TRIM_HORIZON });
    s.clock.advance(10_000);
    await s.processor.processRecords({
      records: events.map((e, i) => rec(encodeEvent(e), i)),
      checkpointer: s.checkpointer,
    });
    expect(s.alerts).to.deep.equal(["flightpulse: warehouse flush failing on s"]);
    expect(s.counters.sinkErrors).to.equal(3);
    expect(s.checkpoints).to.deep.equal([10_000]);
  });

  it("gives a blocked batch up when the lease goes: no checkpoint, no more attempts", async () => {
    const lost = new AbortController();
    // A warehouse that never recovers; the lease is lost during the third attempt.
    const failures = {
      length: 1,
      shift: () => {
        if (s.counters.sinkErrors === 2) lost.abort("lease lost");
        return transient();
      },
    } as unknown as unknown[];
    const s = setup(failures);
    await s.processor.initialize({ shardId: "s", startingPosition: TRIM_HORIZON });
    s.clock.advance(10_000);
    const err = await s.processor
      .processRecords({
        records: events.map((e, i) => rec(encodeEvent(e), i)),
        checkpointer: s.checkpointer,
        signal: lost.signal,
      })
      .catch((e: Error) => e);
    expect(err).to.be.instanceOf(ShardStoppedError);
    expect(s.counters.sinkErrors).to.equal(3);
    expect(s.checkpoints).to.deep.equal([]);
  });

  it("on shutdown, tries the final flush a bounded number of times, then stops without checkpointing", async () => {
    const s = setup(Array.from({ length: 100 }, transient));
    await s.processor.initialize({ shardId: "s", startingPosition: TRIM_HORIZON });
    await s.processor.processRecords({
      records: events.map((e, i) => rec(encodeEvent(e), i)),
      checkpointer: s.checkpointer,
    });
    const err = await s.processor.shutdownRequested({ checkpointer: s.checkpointer }).catch((e: Error) => e);
    expect((err as Error).message).to.include("Rate exceeded");
    expect(s.counters.sinkErrors).to.equal(6);
    expect(s.checkpoints).to.deep.equal([]);
    expect(s.alerts).to.deep.equal(["flightpulse: warehouse flush failing on s"]);
  });
});
