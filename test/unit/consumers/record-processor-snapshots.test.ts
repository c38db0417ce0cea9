// The record processor with state snapshots: the shard's demand state is written before each checkpoint,
// which then goes to the end of the batch; a new owner of the lease restores it, so a crash changes no
// pane, window or alert and re-reads nothing before the checkpoint. A snapshot it cannot use is refused
// by name (replay from the checkpoint instead), a worker fenced by a later owner writes nothing, and a
// state over the store's limit falls back to the safe point.
import { expect } from "chai";
import { VirtualTimeScheduler } from "rxjs";
import { type DemandOptionsInput, demandOptions } from "../../../analytics/demand/demand-options";
import { encodeEvent, sampleEvents } from "../../../analytics/events";
import { InMemoryBaselineStore } from "../../../analytics/rules/route-baseline";
import type { ExtendedSequenceNumber } from "../../../consumers/kcl/lease";
import type { UserRecord } from "../../../consumers/kcl/retrieval/kpl-aggregation";
import { silentLogger } from "../../../consumers/observability/logger";
import {
  BookingRecordProcessor,
  type ProcessorCounters,
} from "../../../consumers/processor/booking-record-processor";
import {
  InMemoryShardSnapshotStore,
  type ShardSnapshotStore,
} from "../../../consumers/processor/shard-snapshot-store";
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
const START = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };

/** A booking of `seats` on `route` at T0 + `minute` minutes, as record number `n`. */
const booking = (n: number, minute: number, seats = 2, route = "LHR-JFK"): UserRecord => {
  const [origin, destination] = route.split("-") as [string, string];
  return {
    data: Buffer.from(
      encodeEvent(
        sampleEvents.bookingCreated({
          eventId: `b-${n}`,
          bookingRef: `R${String(n).padStart(5, "0")}`,
          occurredAt: new Date(T0 + minute * MIN).toISOString(),
          origin,
          destination,
          seats,
        }),
      ),
    ),
    partitionKey: route,
    sequenceNumber: String(1_000_000 + n),
    subSequenceNumber: 0,
    aggregated: false,
  };
};

/** 24 minutes of traffic on two routes with a surge on LHR-JFK in minutes 6–7, in batches of 5. */
const BATCHES: UserRecord[][] = (() => {
  const records: UserRecord[] = [];
  let n = 0;
  for (let m = 0; m < 24; m += 0.5) {
    records.push(booking(n++, m, 1, m % 2 === 0 ? "LHR-JFK" : "CDG-LHR"));
    if (m >= 6 && m < 8) records.push(booking(n++, m, 4));
  }
  return Array.from({ length: Math.ceil(records.length / 5) }, (_, i) => records.slice(i * 5, i * 5 + 5));
})();

interface Shared {
  readonly snapshots: ShardSnapshotStore;
  readonly baselines: InMemoryBaselineStore;
  readonly alertState: InMemoryAlertStateStore;
  readonly manifests: InMemoryManifestStore;
}

const shared = (snapshots: ShardSnapshotStore = new InMemoryShardSnapshotStore()): Shared => ({
  snapshots,
  baselines: new InMemoryBaselineStore(),
  alertState: new InMemoryAlertStateStore(),
  manifests: new InMemoryManifestStore(),
});

/** A worker's processor for shard "s" (checkpointing after every batch) over the stores that outlive it. */
function worker(s: Shared, options: DemandOptionsInput = {}, publishing = { fails: false }) {
  const sql: string[] = [];
  const api: DataApi = {
    batch: async (statements) => {
      sql.push(...statements);
    },
    query: async () => [],
  };
  const published: AlertNotice[] = [];
  const operations: string[] = [];
  const steps: string[] = [];
  const counters: ProcessorCounters = { events: 0, rejected: 0, sinkErrors: 0 };
  const snapshots: ShardSnapshotStore = {
    claim: (shardId, fence) => s.snapshots.claim(shardId, fence),
    save: async (shardId, fence, position, bytes, checkpointed) => {
      await s.snapshots.save(shardId, fence, position, bytes, checkpointed);
      steps.push(`state at ${position.sequenceNumber}`);
    },
    load: (shardId, position) => s.snapshots.load(shardId, position),
  };
  let t = 0;
  const processor = new BookingRecordProcessor({
    manifests: new ManifestSink({ store: s.manifests }),
    rejected: new InMemoryRejectedSink(),
    warehouse: new WarehouseLoader({ api, timer: { set: () => 0, clear: () => {} } }),
    demand: {
      options: demandOptions({
        windowMs: 5 * MIN,
        surge: { floorSeats: 10, cooldownMs: 10 * MIN },
        ...options,
      }),
      baselines: s.baselines,
      scheduler: new VirtualTimeScheduler(),
    },
    snapshots,
    alerts: new AlertSink({
      state: s.alertState,
      publisher: {
        publish: async (a) => {
          if (publishing.fails) throw Object.assign(new Error("SNS is down"), { retryable: true });
          published.push(...a);
          return { published: a.map((x) => x.alertId), failed: [] };
        },
      },
    }),
    operationsAlert: async (subject, message) => {
      operations.push(`${subject}: ${message}`);
    },
    counters,
    log: silentLogger,
    checkpointIntervalMs: 0,
    now: () => (t += 1000),
    sleep: async () => {},
  });
  const checkpoints: ExtendedSequenceNumber[] = [];
  const checkpointer = {
    checkpoint: async (p?: ExtendedSequenceNumber) => {
      if (p !== undefined) {
        checkpoints.push(p);
        steps.push(`checkpoint at ${p.sequenceNumber}`);
      }
      return true;
    },
  };
  /** The warehouse rows of `table` this worker staged, as their SQL tuples. */
  const rows = (table: string) =>
    sql
      .filter((q) => q.startsWith(`INSERT INTO stage_${table} `))
      .flatMap((q) => q.slice(q.indexOf(" VALUES ") + 8).split(/(?<=\)),(?=\()/));
  const run = async (batches: readonly UserRecord[][]) => {
    for (const records of batches) await processor.processRecords({ records, checkpointer });
  };
  return { processor, checkpointer, checkpoints, steps, published, operations, counters, rows, run };
}

const last = (records: readonly UserRecord[]) => ({
  sequenceNumber: (records.at(-1) as UserRecord).sequenceNumber,
  subSequenceNumber: 0,
});

describe("booking record processor with state snapshots", () => {
  it("writes the state, then checkpoints at the end of each batch", async () => {
    const s = shared();
    const w = worker(s);
    await w.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
    await w.run(BATCHES.slice(0, 3));
    expect(w.checkpoints).to.deep.equal(BATCHES.slice(0, 3).map(last));
    expect(w.steps).to.deep.equal(
      BATCHES.slice(0, 3).flatMap((b) => [
        `state at ${last(b).sequenceNumber}`,
        `checkpoint at ${last(b).sequenceNumber}`,
      ]),
    );
    expect(w.counters.stateBytes?.["s"]).to.be.greaterThan(500);
  });

  for (const crashAfter of [2, 6, 10])
    it(`a new owner restores the state after a crash at batch ${crashAfter}: every pane, window and alert exactly once`, async () => {
      // Prepare: the uninterrupted run is the reference.
      const reference = worker(shared());
      await reference.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
      await reference.run(BATCHES);
      await reference.processor.shutdownRequested({ checkpointer: reference.checkpointer });
      // Act: one worker dies after batch `crashAfter`; the next takes the lease at its last checkpoint.
      const s = shared();
      const first = worker(s);
      await first.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
      await first.run(BATCHES.slice(0, crashAfter));
      const second = worker(s);
      await second.processor.initialize({
        shardId: "s",
        startingPosition: first.checkpoints.at(-1) as ExtendedSequenceNumber,
        leaseCounter: 4,
      });
      await second.run(BATCHES.slice(crashAfter));
      await second.processor.shutdownRequested({ checkpointer: second.checkpointer });
      // Assess: nothing before the checkpoint was re-read, and together they staged what one worker did.
      expect(first.checkpoints.at(-1)).to.deep.equal(last(BATCHES[crashAfter - 1] as UserRecord[]));
      for (const table of ["route_panes", "route_windows", "alerts"]) {
        const together = [...first.rows(table), ...second.rows(table)];
        expect(together.sort(), table).to.deep.equal(reference.rows(table).sort());
      }
      expect(reference.rows("route_windows").length).to.be.greaterThan(10);
      expect([...first.published, ...second.published].map((a) => a.alertId)).to.deep.equal(
        reference.published.map((a) => a.alertId),
      );
      expect(reference.published).to.have.length(1);
    });

  it("refuses a state written with other window options, by name: replay from the checkpoint, one operations alert", async () => {
    const s = shared();
    const first = worker(s);
    await first.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
    await first.run(BATCHES.slice(0, 4));
    const second = worker(s, { windowMs: 10 * MIN });
    await second.processor.initialize({
      shardId: "s",
      startingPosition: first.checkpoints.at(-1) as ExtendedSequenceNumber,
      leaseCounter: 2,
    });
    await second.run(BATCHES.slice(4));
    expect(second.operations).to.have.length(1);
    expect(second.operations[0]).to.include("state snapshot of s refused");
    expect(second.operations[0]).to.include(
      "written with windowMs 300000, and this worker runs windowMs 600000",
    );
    // It goes on, writing its own state from there.
    expect(second.checkpoints.length).to.equal(BATCHES.length - 4);
  });

  it("writes neither state nor checkpoint once a later owner of the lease has claimed the shard", async () => {
    const s = shared();
    const stale = worker(s);
    await stale.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
    await stale.run(BATCHES.slice(0, 2));
    const next = worker(s);
    await next.processor.initialize({
      shardId: "s",
      startingPosition: last(BATCHES[1] as UserRecord[]),
      leaseCounter: 3,
    });
    // Act: the stale worker goes on for a batch before it learns it lost the lease.
    await stale.run(BATCHES.slice(2, 3));
    // Assess
    expect(stale.checkpoints).to.deep.equal(BATCHES.slice(0, 2).map(last));
    const kept = await s.snapshots.load("s", last(BATCHES[2] as UserRecord[]));
    expect("missing" in kept, "no state at the stale worker's batch").to.equal(true);
  });

  it("writes no state after a batch given up half-way (its outputs not all sent): the checkpoint stays put", async () => {
    // Prepare: the batches before the surge's alert checkpointed with their state; then SNS fails.
    const reference = worker(shared());
    await reference.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
    let alerting = 0;
    while (reference.published.length === 0) await reference.run([BATCHES[alerting++] as UserRecord[]]);
    alerting--;
    expect(alerting, "the batch that raises the surge alert").to.be.greaterThan(2);
    const s = shared();
    const publishing = { fails: false };
    const w = worker(s, {}, publishing);
    await w.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
    await w.run(BATCHES.slice(0, alerting));
    const writes = w.steps.filter((x) => x.startsWith("state")).length;
    publishing.fails = true;
    const stop = new AbortController();
    stop.abort("shutdown");
    // Act: the worker is shutting down while the publish fails: the batch is given up, then the shutdown.
    let givenUp: unknown;
    await w.processor
      .processRecords({
        records: BATCHES[alerting] as UserRecord[],
        checkpointer: w.checkpointer,
        signal: stop.signal,
      })
      .catch((e) => {
        givenUp = e;
      });
    publishing.fails = false;
    await w.processor.shutdownRequested({ checkpointer: w.checkpointer });
    // Assess: the last checkpoint and state are still those of the batch before.
    const before = last(BATCHES[alerting - 1] as UserRecord[]);
    expect((givenUp as Error)?.name).to.equal("ShardStoppedError");
    expect(w.checkpoints.at(-1)).to.deep.equal(before);
    expect(
      w.steps.filter((x) => x.startsWith("state")),
      "no state written since",
    ).to.have.length(writes);
  });

  it("checkpoints at the safe point when the state is over the store's limit, with one operations alert", async () => {
    const w = worker(shared(new InMemoryShardSnapshotStore(100)));
    await w.processor.initialize({ shardId: "s", startingPosition: START, leaseCounter: 1 });
    await w.run(BATCHES);
    // The safe point trails the watermark by window + cooldown (15 min): at minute 24, before minute 10
    // (record 24).
    expect(w.checkpoints.length).to.be.greaterThan(0);
    for (const c of w.checkpoints) expect(Number(c.sequenceNumber)).to.be.below(1_000_024);
    expect(w.operations).to.have.length(1);
    expect(w.operations[0]).to.match(/state snapshot of s too large: .* over the 100-byte limit/);
  });
});
