import { expect } from "chai";
import { InMemoryLeaseRefresher } from "../../../consumers/kcl/in-memory-lease-refresher";
import { newLease } from "../../../consumers/kcl/lease";
import { LeaseCoordinator } from "../../../consumers/kcl/lease-coordinator";

const TRIM = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };
const FAILOVER = 10_000;

async function setup(shards: number) {
  const table = new InMemoryLeaseRefresher();
  for (let i = 0; i < shards; i++)
    await table.createLeaseIfNotExists(newLease(`shardId-${String(i).padStart(12, "0")}`, TRIM));
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };
  const lost: string[] = [];
  const worker = (id: string, steal = 1) =>
    new LeaseCoordinator(
      table,
      { workerId: id, failoverTimeMillis: FAILOVER, maxLeasesToStealAtOneTime: steal },
      clock,
      {
        onLeaseLost: (k) => lost.push(`${id}:${k}`),
      },
    );
  /** One "interval": every live worker renews, then tries to take. */
  const round = async (workers: LeaseCoordinator[], advanceMs = 1000) => {
    clock.t += advanceMs;
    for (const w of workers) await w.renewOnce();
    for (const w of workers) await w.takeOnce();
  };
  return { table, clock, worker, round, lost };
}

const counts = (ws: LeaseCoordinator[]) => ws.map((w) => w.held().length);

describe("lease coordinator", () => {
  it("balances 8 shards over 3 workers to 2-3 leases each, and nobody holds a lease twice", async () => {
    const { worker, round, table } = await setup(8);
    const ws = [worker("a"), worker("b"), worker("c")];
    await ws[0]!.takeOnce(); // the first worker alone takes everything unowned
    expect(counts(ws)).to.deep.equal([8, 0, 0]);
    for (let i = 0; i < 12; i++) await round(ws);
    const c = counts(ws);
    expect(c.reduce((a, b) => a + b, 0)).to.equal(8);
    for (const n of c) expect(n).to.be.within(2, 3);
    const owners = (await table.listLeases()).map((l) => l.leaseOwner);
    for (const [i, w] of ws.entries()) expect(owners.filter((o) => o === w.workerId).length).to.equal(c[i]);
  });

  it("steals more than one lease per round when far from balance", async () => {
    const { worker, round } = await setup(8);
    const a = worker("a");
    const b = worker("b");
    await a.takeOnce();
    await round([a]);
    const first = await b.takeOnce();
    expect(first.stolen.length).to.equal(2);
    for (let i = 0; i < 4; i++) await round([a, b]);
    expect(counts([a, b])).to.deep.equal([4, 4]);
    expect(b.metrics.steals).to.equal(4);
  });

  it("takes a dead worker's leases only after the failover time, judged by its own clock", async () => {
    const { worker, round, clock } = await setup(4);
    const a = worker("a");
    const b = worker("b");
    await a.takeOnce();
    for (let i = 0; i < 6; i++) await round([a, b]);
    expect(counts([a, b])).to.deep.equal([2, 2]);
    // a dies: no more renewals. b sees a's counters frozen; before failover nothing moves.
    const diedAt = clock.t;
    for (let i = 0; i < 9; i++) await round([b]);
    expect(b.held()).to.have.length(2);
    while (b.held().length < 4) await round([b]);
    expect(clock.t - diedAt).to.be.within(FAILOVER, FAILOVER + 2000);
  });

  it("hands off at once on a graceful release, and prefers unowned leases to stealing", async () => {
    const { worker, round } = await setup(4);
    const a = worker("a");
    const b = worker("b");
    await a.takeOnce();
    for (let i = 0; i < 6; i++) await round([a, b]);
    const released = await a.releaseAll();
    expect(released).to.have.length(2);
    const r = await b.takeOnce();
    expect(r.taken).to.have.members(released);
    expect(r.stolen).to.deep.equal([]);
    expect(b.held()).to.have.length(4);
  });

  it("fences: a worker whose lease was stolen cannot checkpoint it, and learns it lost the lease", async () => {
    const { worker, lost, table } = await setup(2);
    const a = worker("a");
    const b = worker("b");
    await a.takeOnce();
    await b.takeOnce();
    const stolenKey = b.held()[0]!.leaseKey;
    const cp = {
      sequenceNumber: "4959033827149025660855969253836157109592157598913658",
      subSequenceNumber: 0,
    };
    expect(await a.checkpoint(stolenKey, cp)).to.equal(false);
    expect(lost).to.deep.equal([`a:${stolenKey}`]);
    expect(a.held().map((l) => l.leaseKey)).not.to.include(stolenKey);
    expect((await table.getLease(stolenKey))?.checkpoint).to.deep.equal(TRIM);
    expect(await b.checkpoint(stolenKey, cp)).to.equal(true);
  });

  it("serialises renewals and checkpoints of one lease, so neither fails the other", async () => {
    const { worker } = await setup(1);
    const a = worker("a");
    await a.takeOnce();
    const key = a.held()[0]!.leaseKey;
    const cp = (n: number) => ({ sequenceNumber: String(100 + n), subSequenceNumber: 0 });
    const results = await Promise.all([
      a.renewOnce(),
      a.checkpoint(key, cp(1)),
      a.renewOnce(),
      a.checkpoint(key, cp(2)),
    ]);
    expect(results.filter((r) => r === false)).to.deep.equal([]);
    expect(a.held()[0]?.checkpoint).to.deep.equal(cp(2));
  });
});
