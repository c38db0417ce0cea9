import { expect } from "chai";
import { aggregate } from "../../../consumers/kcl/retrieval/kpl-aggregation";
import {
  type GetRecordsOutput,
  type KinesisReadPort,
  PollingFetcher,
} from "../../../consumers/kcl/retrieval/polling-fetcher";
import { untilClosed } from "../../fixtures/fetcher-sleeps";

/** One shard in memory; iterators are positions; failures are injected per GetRecords call. */
function fakeShard(
  count: number,
  options: { closed?: boolean; failures?: Record<number, string>; aggregatedAt?: number } = {},
) {
  const records = Array.from({ length: count }, (_, i) => ({
    sequenceNumber: String(1000 + i),
    partitionKey: "LHR-JFK",
    data:
      i === options.aggregatedAt
        ? aggregate([0, 1, 2].map((k) => ({ data: Buffer.from(`r${i}.${k}`), partitionKey: "LHR-JFK" })))
        : Buffer.from(`r${i}`),
  }));
  let calls = 0;
  const positions: string[] = [];
  const port: KinesisReadPort = {
    async getShardIterator(_s, _id, position) {
      positions.push(
        position.type === "AT_SEQUENCE_NUMBER" ? `AT ${position.sequenceNumber}` : position.type,
      );
      if (position.type === "AT_SEQUENCE_NUMBER")
        return String(records.findIndex((r) => r.sequenceNumber === position.sequenceNumber));
      return position.type === "LATEST" ? String(count) : "0";
    },
    async getRecords(iterator, limit): Promise<GetRecordsOutput> {
      calls++;
      const failure = options.failures?.[calls];
      if (failure !== undefined) throw Object.assign(new Error(failure), { name: failure });
      const at = Number(iterator);
      const slice = records.slice(at, at + limit);
      const next = at + slice.length;
      const done = options.closed === true && next >= count;
      return {
        records: slice,
        ...(done ? {} : { nextShardIterator: String(next) }),
        millisBehindLatest: (count - next) * 10,
        ...(done
          ? { childShards: [{ shardId: "shardId-000000000009", parentShards: ["shardId-000000000001"] }] }
          : {}),
      };
    },
  };
  return { port, positions, calls: () => calls };
}

const text = (r: { data: Uint8Array }) => Buffer.from(r.data).toString();
const TRIM = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };

describe("polling fetcher", () => {
  it("reads a shard in batches of maxRecords, reports lag, and pauses after an empty read", async () => {
    const shard = fakeShard(25);
    const sleeps: number[] = [];
    const f = new PollingFetcher(shard.port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      maxRecords: 10,
      idleTimeBetweenReadsMs: 500,
      sleep: async (ms) => void sleeps.push(ms),
    });
    const batches = [await f.next(), await f.next(), await f.next(), await f.next()];
    expect(batches.map((b) => b.records.length)).to.deep.equal([10, 10, 5, 0]);
    expect(batches.map((b) => b.millisBehindLatest)).to.deep.equal([150, 50, 0, 0]);
    expect(sleeps).to.deep.equal([]);
    await f.next();
    expect(sleeps).to.deep.equal([500]);
  });

  it("backs off with growing full-jitter delays on throttling, loses nothing, and makes no tight loop", async () => {
    const failures = {
      2: "ProvisionedThroughputExceededException",
      3: "ProvisionedThroughputExceededException",
      4: "ProvisionedThroughputExceededException",
    };
    const shard = fakeShard(30, { failures });
    const sleeps: number[] = [];
    const f = new PollingFetcher(shard.port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      maxRecords: 10,
      backoffBaseMs: 100,
      random: () => 0.99,
      sleep: async (ms) => void sleeps.push(ms),
    });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(...(await f.next()).records.map(text));
    expect(seen).to.deep.equal(Array.from({ length: 30 }, (_, i) => `r${i}`));
    expect(sleeps).to.deep.equal([99, 198, 396]);
    expect(f.stats).to.include({ throttled: 3, getRecordsCalls: 6 });
  });

  it("gives up after too many throttled calls in a row, with the error", async () => {
    const failures = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [i + 1, "LimitExceededException"]),
    );
    const f = new PollingFetcher(fakeShard(5, { failures }).port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      maxThrottleRetries: 3,
      sleep: async () => {},
    });
    const err = await f.next().catch((e: Error) => e);
    expect((err as Error).name).to.equal("LimitExceededException");
  });

  it("re-opens an expired iterator from the last delivered record, without loss or repeat", async () => {
    const shard = fakeShard(30, { failures: { 3: "ExpiredIteratorException" } });
    const f = new PollingFetcher(shard.port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      maxRecords: 10,
      sleep: async () => {},
    });
    const seen: string[] = [];
    for (let i = 0; i < 5 && seen.length < 30; i++) seen.push(...(await f.next()).records.map(text));
    expect(seen).to.deep.equal(Array.from({ length: 30 }, (_, i) => `r${i}`));
    expect(shard.positions).to.deep.equal(["TRIM_HORIZON", "AT 1019"]);
    expect(f.stats.iteratorsReopened).to.equal(1);
  });

  it("resumes from a checkpoint inside an aggregated record at the next sub-record", async () => {
    const shard = fakeShard(6, { aggregatedAt: 3 });
    const f = new PollingFetcher(shard.port, {
      streamName: "s",
      shardId: "a",
      start: { sequenceNumber: "1003", subSequenceNumber: 0 },
      sleep: async () => {},
    });
    const batch = await f.next();
    expect(batch.records.map(text)).to.deep.equal(["r3.1", "r3.2", "r4", "r5"]);
    expect(batch.records.map((r) => r.subSequenceNumber)).to.deep.equal([1, 2, 0, 0]);
    expect(shard.positions).to.deep.equal(["AT 1003"]);
  });

  it("reports the end of a closed shard with its children, once", async () => {
    const f = new PollingFetcher(fakeShard(5, { closed: true }).port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      sleep: async () => {},
    });
    const last = await f.next();
    expect(last.records).to.have.length(5);
    expect(last.shardEnded).to.equal(true);
    expect(last.childShards).to.deep.equal([
      { shardId: "shardId-000000000009", parentShards: ["shardId-000000000001"] },
    ]);
    expect((await f.next()).records).to.deep.equal([]);
  });

  it("ends an idle pause when closed, and makes no read after it", async () => {
    const shard = fakeShard(5);
    const sleeps: number[] = [];
    const f = new PollingFetcher(shard.port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      idleTimeBetweenReadsMs: 1000,
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return untilClosed(ms, signal);
      },
    });
    expect((await f.next()).records).to.have.length(5);
    expect((await f.next()).records).to.deep.equal([]);
    const pausing = f.next();
    await new Promise((r) => setImmediate(r));
    expect(sleeps).to.deep.equal([1000]);
    f.close();
    const after = await pausing;
    expect(after).to.deep.equal({ records: [], shardEnded: false, childShards: [] });
    expect(await f.next()).to.deep.equal({ records: [], shardEnded: false, childShards: [] });
    expect(shard.calls(), "no GetRecords once closed").to.equal(2);
  });

  it("ends a throttling backoff when closed", async () => {
    const shard = fakeShard(5, { failures: { 1: "ProvisionedThroughputExceededException" } });
    const f = new PollingFetcher(shard.port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      random: () => 0.99,
      sleep: untilClosed,
    });
    const backingOff = f.next();
    await new Promise((r) => setImmediate(r));
    f.close();
    expect((await backingOff).records).to.deep.equal([]);
    expect(shard.calls()).to.equal(1);
  });

  it("cancels its own timer when closed: a minute's idle pause ends at once", async () => {
    const shard = fakeShard(0);
    const f = new PollingFetcher(shard.port, {
      streamName: "s",
      shardId: "a",
      start: TRIM,
      idleTimeBetweenReadsMs: 60_000,
    });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect((await f.next()).records).to.deep.equal([]);
    // Between the two counts only microtasks run, so no other timer can fire or start in between.
    const pausing = f.next();
    const during = timers();
    f.close();
    await pausing;
    expect(timers(), "the pause's timer cleared, not left to hold the process up for a minute").to.equal(
      during - 1,
    );
    expect(shard.calls()).to.equal(1);
  });
});
