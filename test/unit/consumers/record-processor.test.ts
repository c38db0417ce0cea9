import { expect } from "chai";
import { encodeEvent, sampleEvents } from "../../../analytics/events";
import type { UserRecord } from "../../../consumers/kcl/retrieval/kpl-aggregation";
import { silentLogger } from "../../../consumers/observability/logger";
import {
  BookingRecordProcessor,
  type ProcessorCounters,
} from "../../../consumers/processor/booking-record-processor";
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

function setup(batchFails: unknown[] = []) {
  const store = new InMemoryManifestStore();
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
    manifests: new ManifestSink({ store }),
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
  return { store, rejected, loaded, counters, processor, checkpointer, checkpoints, clock, alerts };
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

  it("stops the shard without checkpointing on a non-retryable sink error, and alerts operations", async () => {
    const refused = Object.assign(new Error("ERROR: permission denied"), { retryable: false });
    const s = setup([refused]);
    await s.processor.initialize({ shardId: "s", startingPosition: TRIM_HORIZON });
    s.clock.advance(10_000);
    const err = await s.processor
      .processRecords({ records: events.map((e, i) => rec(encodeEvent(e), i)), checkpointer: s.checkpointer })
      .catch((e: Error) => e);
    expect((err as Error).message).to.include("permission denied");
    expect(s.checkpoints).to.deep.equal([]);
    expect(s.alerts).to.deep.equal(["flightpulse: warehouse flush failed on s"]);
  });
});
