import { expect } from "chai";
import { KclConfigError, kclConfig } from "../../../consumers/kcl/config";
import { InMemoryLeaseRefresher } from "../../../consumers/kcl/in-memory-lease-refresher";
import { type Lease, newLease } from "../../../consumers/kcl/lease";
import { LeaseCoordinator } from "../../../consumers/kcl/lease-coordinator";
import { RuntimeMetrics } from "../../../consumers/kcl/metrics";
import type { RecordProcessor } from "../../../consumers/kcl/record-processor";
import { type FetchResult, PollingFetcher } from "../../../consumers/kcl/retrieval/polling-fetcher";
import { ShardConsumer } from "../../../consumers/kcl/shard-consumer";
import { type ShardInfo, syncShards } from "../../../consumers/kcl/shard-sync";
import { shutdownOnSignals } from "../../../consumers/kcl/signals";
import { untilClosed } from "../../fixtures/fetcher-sleeps";

const TRIM = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };
const range = { startingHashKey: "0", endingHashKey: "1" };

describe("consumer runtime parts", () => {
  it("defaults to the KCL's settings and names every bad one", () => {
    const c = kclConfig({ streamName: "s", workerId: "w" });
    expect(c).to.include({
      failoverTimeMillis: 10_000,
      renewIntervalMillis: 3333,
      maxRecords: 10_000,
      idleTimeBetweenReadsMillis: 1000,
      maxPendingBatches: 3,
      initialPosition: "TRIM_HORIZON",
    });
    expect(() =>
      kclConfig({
        streamName: "s",
        workerId: "w",
        maxRecords: 20_000,
        renewIntervalMillis: 20_000,
        initialPosition: "AT_TIMESTAMP",
      }),
    )
      .to.throw(KclConfigError)
      .with.property("message")
      .that.includes("maxRecords")
      .and.includes("renewIntervalMillis")
      .and.includes("initialTimestamp");
  });

  it("writes CloudWatch Embedded Metric Format lines and an in-process snapshot", () => {
    const m = new RuntimeMetrics("w1", { Stack: "prod" });
    m.recordBatch("shard-1", 100, 2500, 12, 1000);
    m.recordBatch("shard-1", 200, 1200, 15, 2000);
    m.leasesHeld = 3;
    const [shardLine, workerLine] = m.emf(5000).map((l) => JSON.parse(l));
    expect(shardLine._aws.CloudWatchMetrics[0]).to.deep.include({
      Namespace: "flightpulse",
      Dimensions: [["Stack", "ShardId"]],
    });
    expect(shardLine).to.include({
      Stack: "prod",
      ShardId: "shard-1",
      MillisBehindLatest: 1200,
      BatchLatency: 15,
    });
    expect(shardLine.RecordsPerSecond).to.be.closeTo(60, 0.001);
    expect(workerLine).to.include({ WorkerId: "w1", LeasesHeld: 3 });
    expect(m.snapshot().shards["shard-1"]).to.include({ records: 300, batches: 2 });
    expect(m.snapshot().shards["shard-1"]?.lastCheckpointAt).to.equal(undefined);
    m.recordCheckpoint("shard-1", 4000);
    m.recordCheckpoint("shard-2", 4500);
    expect(m.snapshot().shards["shard-1"]).to.include({ records: 300, lastCheckpointAt: 4000 });
    expect(m.snapshot().shards["shard-2"]).to.include({ records: 0, lastCheckpointAt: 4500 });
  });

  it("creates leases for new shards (children at TRIM_HORIZON) and deletes finished parents once children started", async () => {
    const table = new InMemoryLeaseRefresher();
    let shards: ShardInfo[] = [{ shardId: "p", parentShardIds: [], hashKeyRange: range }];
    const lister = { listShards: async () => shards };
    const latest = { sequenceNumber: "LATEST", subSequenceNumber: 0 };
    expect((await syncShards(lister, table, "s", latest)).created).to.deep.equal(["p"]);
    expect((await table.getLease("p"))?.checkpoint).to.deep.equal(latest);
    shards = [...shards, { shardId: "c1", parentShardIds: ["p"], hashKeyRange: range }];
    await syncShards(lister, table, "s", latest);
    expect((await table.getLease("c1"))?.checkpoint).to.deep.equal(TRIM);
    let p = (await table.getLease("p")) as Lease;
    p = (await table.takeLease(p, "w")) as Lease;
    p = (await table.checkpoint(p, { sequenceNumber: "SHARD_END", subSequenceNumber: 0 })) as Lease;
    p = (await table.updateChildShards(p, ["c1"])) as Lease;
    expect((await syncShards(lister, table, "s", latest)).deleted).to.deep.equal([]);
    const c1 = (await table.takeLease((await table.getLease("c1")) as Lease, "w")) as Lease;
    await table.checkpoint(c1, { sequenceNumber: "5", subSequenceNumber: 0 });
    expect((await syncShards(lister, table, "s", latest)).deleted).to.deep.equal(["p"]);
  });

  it("never leases a finished parent again once its lease is deleted, while the closed shard is still listed", async () => {
    // Prepare: p1 and p2 merged into c, and p1 split earlier from g; all still listed (retention).
    const table = new InMemoryLeaseRefresher();
    const shards: ShardInfo[] = [
      { shardId: "g", parentShardIds: [], hashKeyRange: range },
      { shardId: "p1", parentShardIds: ["g"], hashKeyRange: range },
      { shardId: "p2", parentShardIds: [], hashKeyRange: range },
      { shardId: "c", parentShardIds: ["p1", "p2"], hashKeyRange: range },
    ];
    const lister = { listShards: async () => shards };
    await syncShards(lister, table, "s", TRIM);
    // Act: the parents are read to their end, c starts, the sync deletes g, p1 and p2, then runs again.
    for (const key of ["g", "p1", "p2"]) {
      const taken = (await table.takeLease((await table.getLease(key)) as Lease, "w")) as Lease;
      const ended = (await table.checkpoint(taken, {
        sequenceNumber: "SHARD_END",
        subSequenceNumber: 0,
      })) as Lease;
      await table.updateChildShards(ended, key === "g" ? ["p1"] : ["c"]);
    }
    const c = (await table.takeLease((await table.getLease("c")) as Lease, "w")) as Lease;
    await table.checkpoint(c, { sequenceNumber: "9", subSequenceNumber: 0 });
    for (let i = 0; i < 3; i++) await syncShards(lister, table, "s", TRIM);
    // Assess: only c has a lease; nothing is created for the consumed ancestors.
    expect((await table.listLeases()).map((l) => l.leaseKey)).to.deep.equal(["c"]);
    expect((await syncShards(lister, table, "s", TRIM)).created).to.deep.equal([]);
  });

  it("never fetches more than maxPendingBatches ahead of a slow processor", async () => {
    const table = new InMemoryLeaseRefresher();
    await table.createLeaseIfNotExists(newLease("s", TRIM));
    const coordinator = new LeaseCoordinator(table, { workerId: "w" });
    await coordinator.takeOnce();
    let fetched = 0;
    let processed = 0;
    let maxAhead = 0;
    const fetcher = {
      shardEnded: false,
      async next(): Promise<FetchResult> {
        fetched++;
        maxAhead = Math.max(maxAhead, fetched - processed);
        const n = fetched;
        if (n === 20) this.shardEnded = true;
        return {
          records: [
            {
              data: new Uint8Array(1),
              partitionKey: "k",
              sequenceNumber: String(n),
              subSequenceNumber: 0,
              aggregated: false,
            },
          ],
          shardEnded: n === 20,
          childShards: [],
        };
      },
    };
    const processor: RecordProcessor = {
      initialize: async () => {},
      processRecords: async () => {
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setImmediate(r));
        processed++;
      },
      leaseLost: async () => {},
      shardEnded: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
      shutdownRequested: async () => {},
    };
    await new ShardConsumer({
      lease: coordinator.held()[0]!,
      coordinator,
      refresher: table,
      processor,
      config: { maxPendingBatches: 3, idleTimeBetweenReadsMillis: 1 },
      fetcher: () => fetcher,
    }).run();
    expect(processed).to.equal(20);
    expect(maxAhead).to.be.at.most(3 + 1);
    expect((await table.getLease("s"))?.checkpoint.sequenceNumber).to.equal("SHARD_END");
  });

  it("shuts down a shard at the tip of its stream without waiting out the idle pause between reads", async () => {
    const table = new InMemoryLeaseRefresher();
    await table.createLeaseIfNotExists(newLease("s", TRIM));
    const coordinator = new LeaseCoordinator(table, { workerId: "w" });
    await coordinator.takeOnce();
    const calls: string[] = [];
    let paused: () => void = () => {};
    const pausing = new Promise<void>((r) => {
      paused = r;
    });
    const fetcher = new PollingFetcher(
      {
        getShardIterator: async () => "0",
        getRecords: async () => {
          calls.push("GetRecords");
          return { records: [], nextShardIterator: "0", millisBehindLatest: 0 };
        },
      },
      {
        streamName: "stream",
        shardId: "s",
        start: TRIM,
        // The idle pause never ends on its own: only the shutdown (closing the fetcher) can end it.
        sleep: (ms, signal) => {
          paused();
          return untilClosed(ms, signal);
        },
      },
    );
    const consumer = new ShardConsumer({
      lease: coordinator.held()[0]!,
      coordinator,
      refresher: table,
      processor: {
        initialize: async () => {},
        processRecords: async () => void calls.push("processRecords"),
        leaseLost: async () => void calls.push("leaseLost"),
        shardEnded: async () => void calls.push("shardEnded"),
        shutdownRequested: async () => void calls.push("shutdownRequested"),
      },
      config: { maxPendingBatches: 3, idleTimeBetweenReadsMillis: 1000 },
      fetcher: () => fetcher,
    });
    void consumer.run();
    await pausing;
    await consumer.requestShutdown();
    expect(calls).to.deep.equal(["GetRecords", "shutdownRequested"]);
    expect(consumer.state).to.equal("DONE");
  });

  it("tells a batch blocked in the processor that the lease went, and stops without delivering it", async () => {
    const table = new InMemoryLeaseRefresher();
    await table.createLeaseIfNotExists(newLease("s", TRIM));
    const coordinator = new LeaseCoordinator(table, { workerId: "w" });
    await coordinator.takeOnce();
    const calls: string[] = [];
    let blocked: () => void = () => {};
    const processor: RecordProcessor = {
      initialize: async () => {},
      // A sink that never recovers: the batch waits until the runtime aborts it.
      processRecords: ({ signal }) =>
        new Promise((_, reject) => {
          calls.push("processRecords");
          blocked();
          signal?.addEventListener("abort", () => reject(new Error(`given up: ${String(signal.reason)}`)));
        }),
      leaseLost: async () => void calls.push("leaseLost"),
      shardEnded: async () => void calls.push("shardEnded"),
      shutdownRequested: async () => void calls.push("shutdownRequested"),
    };
    const errors: unknown[] = [];
    const consumer = new ShardConsumer({
      lease: coordinator.held()[0]!,
      coordinator,
      refresher: table,
      processor,
      config: { maxPendingBatches: 3, idleTimeBetweenReadsMillis: 1 },
      fetcher: () => ({
        shardEnded: false,
        next: async (): Promise<FetchResult> => ({
          records: [
            {
              data: new Uint8Array(1),
              partitionKey: "k",
              sequenceNumber: "7",
              subSequenceNumber: 0,
              aggregated: false,
            },
          ],
          shardEnded: false,
          childShards: [],
        }),
      }),
      onError: (_, e) => errors.push(e),
    });
    const inFlight = new Promise<void>((r) => {
      blocked = r;
    });
    void consumer.run();
    await inFlight;
    await consumer.leaseLost();
    expect(calls).to.deep.equal(["processRecords", "leaseLost"]);
    expect(errors, "a given-up batch is a stop, not an error").to.deep.equal([]);
    expect((await table.getLease("s"))?.checkpoint).to.deep.equal(TRIM);
  });

  it("turns SIGTERM into a graceful shutdown and exits 0 once leases are released", async () => {
    const codes: number[] = [];
    let shutdowns = 0;
    const done = new Promise<void>((resolve) => {
      const remove = shutdownOnSignals(
        {
          shutdown: async () => {
            shutdowns++;
            return ["a", "b"];
          },
        },
        {
          signals: ["SIGUSR2"],
          exit: (c) => {
            codes.push(c);
            remove();
            resolve();
          },
        },
      );
    });
    process.emit("SIGUSR2", "SIGUSR2");
    await done;
    expect({ shutdowns, codes }).to.deep.equal({ shutdowns: 1, codes: [0] });
  });

  it("holds a SIGTERM that comes while the worker is starting until the start has settled, then hands over", async () => {
    const codes: number[] = [];
    const calls: string[] = [];
    let started!: () => void;
    const starting = new Promise<void>((r) => {
      started = r;
    }).then(() => calls.push("started"));
    const done = new Promise<void>((resolve) => {
      const remove = shutdownOnSignals(
        {
          shutdown: async () => {
            calls.push("shutdown");
            return ["a"];
          },
        },
        {
          signals: ["SIGUSR2"],
          starting,
          exit: (c) => {
            codes.push(c);
            remove();
            resolve();
          },
        },
      );
    });
    process.emit("SIGUSR2", "SIGUSR2");
    await new Promise((r) => setImmediate(r));
    expect(calls, "no hand-off while starting").to.deep.equal([]);
    started();
    await done;
    expect({ calls, codes }).to.deep.equal({ calls: ["started", "shutdown"], codes: [0] });
  });
});
