import { expect } from "chai";
import { type DashboardServer, startDashboard } from "../../../local/dashboard/server";
import { collectSnapshot } from "../../../local/dashboard/snapshot";

describe("dashboard server", () => {
  let dash: DashboardServer;
  let processed = 0;
  before(async () => {
    dash = await startDashboard({
      intervalMs: 50,
      collectors: {
        workers: async () => {
          processed += 10;
          return { totals: { eventsIn: 100, processed, rejected: 1, alerts: 0, maxLagMs: 250 } };
        },
        broken: async () => {
          throw new Error("lease table unreachable");
        },
      },
    });
  });
  after(() => dash.close());

  it("serves the page, its script and Chart.js on loopback", async () => {
    expect(new URL(dash.url).hostname).to.equal("127.0.0.1");
    const page = await fetch(`${dash.url}/`);
    expect(page.headers.get("content-type")).to.include("text/html");
    expect(await page.text()).to.include('<canvas id="demand-chart"');
    expect((await fetch(`${dash.url}/app.js`)).status).to.equal(200);
    const chart = await fetch(`${dash.url}/vendor/chart.umd.min.js`);
    expect(await chart.text()).to.include("Chart");
    expect((await fetch(`${dash.url}/nope`)).status).to.equal(404);
  });

  it("pushes fresh snapshots over server-sent events, and reports failing sources", async () => {
    const res = await fetch(`${dash.url}/api/stream`);
    expect(res.headers.get("content-type")).to.equal("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const seen: number[] = [];
    let buffer = "";
    while (seen.length < 3) {
      const { value } = await reader.read();
      buffer += Buffer.from(value ?? new Uint8Array()).toString();
      for (const m of buffer.matchAll(/data: (.*)\n\n/g)) {
        const snap = JSON.parse(m[1] as string);
        expect(snap.problems).to.deep.equal(["broken: lease table unreachable"]);
        seen.push(snap.totals.processed);
      }
      buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
    }
    await reader.cancel();
    expect(seen[2]).to.be.greaterThan(seen[0] as number);
  });

  it("merges collectors' parts over an empty snapshot", async () => {
    const snap = await collectSnapshot(
      {
        a: async () => ({
          topRoutes: [
            {
              route: "LHR-JFK",
              searches: 9,
              bookings: 1,
              seatsBooked: 2,
              cancellations: 0,
              revenue: 10,
              lookToBook: 0.11,
            },
          ],
        }),
        b: async () => ({ totals: { eventsIn: 5, processed: 4, rejected: 0, alerts: 1, maxLagMs: 0 } }),
      },
      Date.UTC(2026, 10, 22),
    );
    expect(snap.generatedAt).to.equal("2026-11-22T00:00:00.000Z");
    expect(snap.topRoutes).to.have.length(1);
    expect(snap.totals.alerts).to.equal(1);
    expect(snap.manifests).to.deep.equal([]);
  });

  it("fills each lease's row with its owner's lag, records/s, checkpoint age and state size, not a former owner's", async () => {
    const snap = await collectSnapshot(
      {
        leases: async () => ({
          shards: [
            { shardId: "shardId-000000000000", owner: "worker-2", checkpoint: "49" },
            { shardId: "shardId-000000000001", owner: "worker-1" },
            { shardId: "shardId-000000000002" },
          ],
        }),
        workers: async () => ({
          shardMetrics: [
            {
              shardId: "shardId-000000000000",
              workerId: "worker-1",
              millisBehindLatest: 90_000,
              stateBytes: 1,
            },
            {
              shardId: "shardId-000000000000",
              workerId: "worker-2",
              millisBehindLatest: 250,
              recordsPerSecond: 40,
              checkpointAgeMs: 4_000,
              stateBytes: 18_432,
            },
            {
              shardId: "shardId-000000000001",
              workerId: "worker-1",
              millisBehindLatest: 0,
              recordsPerSecond: 12.5,
            },
          ],
        }),
      },
      Date.UTC(2026, 10, 22),
    );
    expect(snap.shards).to.deep.equal([
      {
        shardId: "shardId-000000000000",
        owner: "worker-2",
        checkpoint: "49",
        millisBehindLatest: 250,
        recordsPerSecond: 40,
        checkpointAgeMs: 4_000,
        stateBytes: 18_432,
      },
      { shardId: "shardId-000000000001", owner: "worker-1", millisBehindLatest: 0, recordsPerSecond: 12.5 },
      { shardId: "shardId-000000000002" },
    ]);
    expect(snap).to.not.have.property("shardMetrics");
  });
});
