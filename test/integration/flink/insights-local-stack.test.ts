// The Flink SQL app end to end in the local stack (`flightpulse start`, what `npm start` runs): events
// posted to the ingest endpoint reach Kinesis, the jar on its local MiniCluster reads them, writes insights
// to demand-insights, the workers' insight application loads them into the warehouse and the dashboard
// shows them, within a bounded time after the windows close; and Ctrl-C leaves no JVM behind.
// One booking shard gives one delivery order, which the reference reads back, so the rows must equal
// DuckDB's exactly.
import * as fs from "node:fs";
import { expect } from "chai";
import { chromium } from "playwright-core";
import { createAwsClients, localAwsConfig } from "../../../consumers/aws/clients";
import { SdkDataApi } from "../../../consumers/warehouse/data-api";
import { createRandom } from "../../../ingest/simulator/prng";
import { TrafficSimulator } from "../../../ingest/simulator/traffic";
import type { DashboardSnapshot } from "../../../local/dashboard/snapshot";
import { referenceInsights } from "../../fixtures/flink-reference";
import { readFirstShard } from "../../fixtures/kinesis-shard";
import { startCli, waitGone } from "../../fixtures/start-cli";

const MINUTE = 60_000;
/** Debian's Chromium, which .ci/run installs (the dashboard's browser test needs it too). */
const CHROMIUM =
  ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p)) ?? "/usr/bin/chromium";
const iso = (ms: number) => new Date(ms).toISOString();
/** Window bounds as the Data API returns TIMESTAMP text, to epoch ms. */
const utcMs = (text: unknown) => Date.parse(`${String(text).replace(" ", "T")}Z`);

/** 12 minutes of traffic, in event-time order, ending 20 minutes ago; then one search that closes every window. */
function craftedTraffic(): { lines: string[]; closingMs: number } {
  const start = Math.floor((Date.now() - 32 * MINUTE) / (5 * MINUTE)) * 5 * MINUTE;
  const sim = new TrafficSimulator({
    seed: 11,
    startTime: start,
    ratePerSecond: 3,
    badRecordShare: 0,
    scheduleDays: 1,
  });
  const lines: string[] = [];
  for (let m = 1; m <= 12; m++)
    for (const r of sim.advanceTo(start + m * MINUTE))
      if (r.kind === "event") lines.push(JSON.stringify(r.event));
  const random = createRandom(3);
  const closingMs = start + 30 * MINUTE;
  lines.push(
    JSON.stringify({
      eventId: `closing-${random.int(0, 1e9)}`,
      type: "search.performed",
      version: 1,
      occurredAt: iso(closingMs),
      origin: "LHR",
      destination: "JFK",
      departureDate: iso(start + 40 * 24 * 60 * MINUTE).slice(0, 10),
      passengers: 1,
      cabin: "economy",
      channel: "web",
    }),
  );
  return { lines, closingMs };
}

async function post(url: string, lines: readonly string[]): Promise<void> {
  for (let i = 0; i < lines.length; i += 500) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"events":[${lines.slice(i, i + 500).join(",")}]}`,
    });
    expect(res.status, await res.text()).to.be.oneOf([200, 202]);
  }
}

describe("Flink SQL app in the local stack (integration)", function () {
  this.timeout(300_000);

  it("turns posted events into warehouse and dashboard insights equal to DuckDB's; Ctrl-C leaves no JVM", async () => {
    // Prepare: the stack with Flink on, one booking shard, no simulator.
    const s = await startCli(["--no-simulator", "--shards", "1", "--workers", "1"], {}, 240_000);
    const aws = createAwsClients(localAwsConfig(s.state.endpoints));
    try {
      const flinkPid = s.state.pids["flink"] as number;
      expect(flinkPid, "local.json names the Flink JVM").to.be.a("number");
      const warehouse = new SdkDataApi(aws.redshiftData, {
        database: "dev",
        workgroupName: "flightpulse-local",
      });
      const { lines, closingMs } = craftedTraffic();
      // Act
      await post(`${s.state["ingest"] as string}/events`, lines);
      const closedAt = Date.now();
      // The reference reads what Flink reads: the shard in its own order (the producer sends concurrently).
      const delivered = await readFirstShard(aws.kinesis, s.state.resources.bookingStream, lines.length);
      // A stream never ends: only the windows the closing event's watermark has passed are emitted.
      const closed = (await referenceInsights(delivered, 30_000)).rows.filter(
        (r) => (r["windowEnd"] as number) <= closingMs - 30_000,
      );
      const airportRows = closed.filter((r) => r.type === "insight.airport-demand");
      const routeRows = closed.filter((r) => r.type === "insight.top-route");
      const channelRows = closed.filter((r) => r.type === "insight.channel-conversion");
      // Assess: every expected row in the warehouse within a bound after the closing event.
      const count = async (table: string) =>
        Number((await warehouse.query(`SELECT count(*) AS n FROM ${table}`))[0]?.["n"] ?? 0);
      let loadedMs = -1;
      let seen: number[] = [];
      while (Date.now() - closedAt < 90_000) {
        seen = await Promise.all([
          count("airport_demand_insights"),
          count("top_route_insights"),
          count("channel_conversion_insights"),
        ]);
        if (seen.join() === [airportRows.length, routeRows.length, channelRows.length].join()) {
          loadedMs = Date.now() - closedAt;
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      const airports = await warehouse.query(
        "SELECT window_start, airport, direction, searches, bookings, seats FROM airport_demand_insights",
      );
      expect(
        airports
          .map(
            (r) =>
              `${utcMs(r["window_start"])} ${r["airport"]} ${r["direction"]} ${r["searches"]}/${r["bookings"]}/${r["seats"]}`,
          )
          .sort(),
      ).to.deep.equal(
        airportRows
          .map(
            (r) =>
              `${r["windowStart"]} ${r["airport"]} ${r["direction"]} ${r["searches"]}/${r["bookings"]}/${r["seats"]}`,
          )
          .sort(),
      );
      const routes = await warehouse.query("SELECT window_end, rank, route, seats FROM top_route_insights");
      expect(
        routes.map((r) => `${utcMs(r["window_end"])} ${r["rank"]} ${r["route"]} ${r["seats"]}`).sort(),
      ).to.deep.equal(
        routeRows.map((r) => `${r["windowEnd"]} ${r["rank"]} ${r["route"]} ${r["seats"]}`).sort(),
      );
      expect(
        loadedMs,
        `insights in the warehouse after the windows closed (ms); rows ${seen.join("/")}`,
      ).to.be.within(0, 45_000);
      process.stderr.write(
        `      insights in the warehouse ${loadedMs} ms after the closing event was posted\n`,
      );
      // The dashboard shows the newest windows. Its snapshot is refreshed every few seconds, so one taken
      // while the last windows were loading shows the window before, or the newest routes beside no airport
      // yet (the two tables load apart): wait (on a loaded machine, a while) for the newest of both, then
      // compare.
      const newestRoutes = routeRows
        .filter((r) => r["windowEnd"] === Math.max(...routeRows.map((x) => x["windowEnd"] as number)))
        .map((r) => r["route"] as string);
      const newestAirportWindow = new Date(
        Math.max(...airportRows.map((r) => r["windowStart"] as number)),
      ).toISOString();
      let snap: DashboardSnapshot;
      const shownBy = Date.now() + 30_000;
      do {
        snap = (await (
          await fetch(`${s.state.dashboard as string}/api/snapshot`)
        ).json()) as DashboardSnapshot;
        if (
          snap.insights.topRoutes.map((r) => r.route).join() === newestRoutes.join() &&
          snap.insights.airportWindow?.start === newestAirportWindow
        )
          break;
        await new Promise((r) => setTimeout(r, 500));
      } while (Date.now() < shownBy);
      expect(snap.insights.status, snap.problems.join("; ")).to.equal("RUNNING");
      expect(snap.insights.topRoutes.map((r) => r.route)).to.deep.equal(newestRoutes);
      expect(snap.insights.airportWindow?.start, JSON.stringify(snap.insights)).to.equal(newestAirportWindow);
      expect(snap.insights.airports.length).to.be.greaterThan(0);
      // And a person sees them: the panel in a real browser lists the same routes in rank order.
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        const page = await browser.newPage();
        await page.goto(s.state.dashboard as string);
        const listed = () =>
          page.$$eval("#insight-routes tr[data-route]", (rows) =>
            rows.map((r) => r.getAttribute("data-route")),
          );
        const listedBy = Date.now() + 30_000;
        let shown = await listed();
        while (shown.join() !== newestRoutes.join() && Date.now() < listedBy) {
          await new Promise((r) => setTimeout(r, 250));
          shown = await listed();
        }
        expect(shown).to.deep.equal(newestRoutes);
        expect(await page.textContent("#insights-status")).to.equal("Flink SQL app: RUNNING");
      } finally {
        await browser.close();
      }
      // Ctrl-C: everything stops, the JVM too.
      const pids = Object.values(s.state.pids);
      s.child.kill("SIGINT");
      expect(await s.exited, s.output()).to.equal(0);
      expect(await waitGone(pids, 15_000), "processes still alive (the Flink JVM among them?)").to.deep.equal(
        [],
      );
    } finally {
      aws.destroy();
      s.child.kill("SIGKILL");
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });
});
