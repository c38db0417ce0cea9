// The scheduler's start: its first shard sync retried through transient failures (a task placed while
// DynamoDB throttles must not end), never through permanent ones, and not for ever.
import { expect } from "chai";
import { kclConfig } from "../../../consumers/kcl/config";
import { InMemoryLeaseRefresher } from "../../../consumers/kcl/in-memory-lease-refresher";
import type { KinesisReadPort } from "../../../consumers/kcl/retrieval/polling-fetcher";
import { Scheduler, START_ATTEMPTS } from "../../../consumers/kcl/scheduler";
import type { ShardInfo, ShardLister } from "../../../consumers/kcl/shard-sync";

const SHARD: ShardInfo = {
  shardId: "shardId-000000000000",
  parentShardIds: [],
  hashKeyRange: { startingHashKey: "0", endingHashKey: "1" },
};
const awsError = (name: string) => Object.assign(new Error(`${name} (injected)`), { name });

/** A lister failing with `failures` in turn, then listing one shard. */
function flakyLister(failures: Error[]): ShardLister & { calls: number } {
  const lister = {
    calls: 0,
    async listShards() {
      lister.calls++;
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return [SHARD];
    },
  };
  return lister;
}

function scheduler(lister: ShardLister, refresher: InMemoryLeaseRefresher, waits: number[]) {
  return new Scheduler({
    config: kclConfig({ streamName: "s", workerId: "w" }),
    refresher,
    lister,
    reader: {} as KinesisReadPort,
    processors: () => {
      throw new Error("no shard is taken in these tests");
    },
    sleep: async (ms) => void waits.push(ms),
  });
}

describe("scheduler start", () => {
  it("retries a throttled first shard sync with backoff, then runs", async () => {
    const lister = flakyLister([
      awsError("ProvisionedThroughputExceededException"),
      awsError("LimitExceededException"),
    ]);
    const refresher = new InMemoryLeaseRefresher();
    const waits: number[] = [];
    const s = scheduler(lister, refresher, waits);
    await s.start();
    // Two failures, two pauses, then the sync that created the lease (the periodic sync may follow).
    expect(waits).to.deep.equal([250, 500]);
    expect(lister.calls).to.be.at.least(3);
    expect((await refresher.listLeases()).map((l) => l.leaseKey)).to.deep.equal([SHARD.shardId]);
    expect(s.status).to.equal("running");
    await s.shutdown();
  });

  it("ends at once on a permanent error (no such stream), with that error", async () => {
    const lister = flakyLister([awsError("ResourceNotFoundException")]);
    const waits: number[] = [];
    const err = await scheduler(lister, new InMemoryLeaseRefresher(), waits)
      .start()
      .catch((e: unknown) => e);
    expect((err as Error).name).to.equal("ResourceNotFoundException");
    expect(lister.calls).to.equal(1);
    expect(waits).to.deep.equal([]);
  });

  it("gives up after its attempts when the failure does not pass", async () => {
    const lister = flakyLister(Array.from({ length: 20 }, () => awsError("ThrottlingException")));
    const waits: number[] = [];
    const err = await scheduler(lister, new InMemoryLeaseRefresher(), waits)
      .start()
      .catch((e: unknown) => e);
    expect((err as Error).name).to.equal("ThrottlingException");
    expect(lister.calls).to.equal(START_ATTEMPTS);
    expect(
      waits.reduce((a, b) => a + b, 0),
      "pauses in all (ms)",
    ).to.be.below(10_000);
  });
});
