import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { expect } from "chai";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import { BATCH_LIMIT_STATEMENTS, STATEMENT_LIMIT_BYTES } from "../../../consumers/warehouse/batch-builder";
import { type DataApi, SdkDataApi } from "../../../consumers/warehouse/data-api";
import { WarehouseLoader } from "../../../consumers/warehouse/loader";
import { migrate, readMigrations } from "../../../consumers/warehouse/migrations";
import { type RedshiftDataServer, startRedshiftDataServer } from "../../../local/redshift-data/server";
import { QUICKSIGHT_VIEWS } from "../../../pulumi/components/quicksight";
import { bookingFactRow } from "../../fixtures/warehouse-rows";

describe("warehouse: migrations and loader through the local Data API", function () {
  this.timeout(180_000);
  let server: RedshiftDataServer;
  let client: RedshiftDataClient;
  let api: DataApi;
  const seen = { batches: 0, maxStatements: 0, maxBytes: 0 };

  before(async () => {
    server = await startRedshiftDataServer();
    client = new RedshiftDataClient(
      clientOptions(localAwsConfig({ redshiftData: server.endpoint }), "redshiftData"),
    );
    const sdk = new SdkDataApi(client, { database: "dev", workgroupName: "flightpulse-local" });
    // Every statement that reaches the endpoint is measured against Redshift's limits.
    api = {
      batch: async (sqls) => {
        seen.batches++;
        seen.maxStatements = Math.max(seen.maxStatements, sqls.length);
        for (const s of sqls) seen.maxBytes = Math.max(seen.maxBytes, Buffer.byteLength(s));
        return sdk.batch(sqls);
      },
      query: (sql) => sdk.query(sql),
    };
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  it("applies every migration on an empty database, and again as a no-op", async () => {
    const all = readMigrations().map((m) => m.name);
    const first = await migrate(api);
    expect(first).to.deep.equal({ applied: all, alreadyApplied: [] });
    const second = await migrate(api);
    expect(second).to.deep.equal({ applied: [], alreadyApplied: all });
    const versions = await api.query("SELECT count(*) AS n FROM schema_migrations");
    expect(versions).to.deep.equal([{ n: all.length }]);
    // pglite in memory: nothing survives the process, so no table keeps a write-ahead log.
    const persistence = await server.backend.query(
      "SELECT DISTINCT relpersistence FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
    );
    expect(persistence.rows).to.deep.equal([["u"]]);
  });

  it("keeps each shard's part of a pane (around a reshard) and sums the parts for QuickSight", async () => {
    // Prepare: one recent pane of LHR-CPT, built partly by a parent shard and partly by its child.
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000);
    const part = (shard: string, bookings: number) => ({
      route: "LHR-CPT",
      shard_id: shard,
      pane_start: start.toISOString(),
      pane_end: new Date(start.getTime() + 60_000).toISOString(),
      searches: 10 * bookings,
      bookings,
      seats_booked: 2 * bookings,
      cancellations: 0,
      seats_cancelled: 0,
      net_seats: 2 * bookings,
      revenue: 100 * bookings,
      look_to_book: 0.1,
    });
    const loader = new WarehouseLoader({ api });
    // Act: both parts, then the child's part again (a replay).
    await loader.add("route_panes", [part("shardId-000000000000", 3), part("shardId-000000000004", 2)]);
    await loader.add("route_panes", [part("shardId-000000000004", 2)]);
    await loader.close();
    // Assess
    expect(await api.query("SELECT count(*) AS n FROM route_panes WHERE route = 'LHR-CPT'")).to.deep.equal([
      { n: 2 },
    ]);
    const [row] = await api.query(
      "SELECT bookings, seats_booked FROM qs_route_demand_24h WHERE route = 'LHR-CPT'",
    );
    expect(row).to.deep.equal({ bookings: 5, seats_booked: 10 });
  });

  it("creates the QuickSight views with the columns the Pulumi datasets declare", async () => {
    for (const [view, columns] of Object.entries(QUICKSIGHT_VIEWS)) {
      const cols = await server.backend.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = '${view}' ORDER BY ordinal_position`,
      );
      expect(
        cols.rows.map((r) => r[0]),
        view,
      ).to.deep.equal(columns.map(([c]) => c));
    }
  });

  it("loads 200k fact rows with replays and duplicates mixed in: exact counts, no duplicate row", async () => {
    const loader = new WarehouseLoader({ api, maxRows: 20_000 });
    const fact = bookingFactRow;
    const total = 200_000;
    let expectedSeats = 0;
    for (let i = 0; i < total; i++) expectedSeats += 1 + (i % 4);
    for (let start = 0; start < total; start += 5000) {
      const rows = Array.from({ length: 5000 }, (_, k) => fact(start + k));
      // A redelivered batch (at-least-once) and scattered duplicates of rows already loaded.
      const replay =
        start >= 10_000 && start % 40_000 === 0
          ? Array.from({ length: 5000 }, (_, k) => fact(start - 10_000 + k))
          : [];
      const dupes = Array.from({ length: 50 }, (_, k) => fact((start * 7 + k * 13) % (start + 5000)));
      await loader.add("booking_facts", [...rows, ...replay, ...dupes]);
    }
    await loader.close();
    const [counts] = await api.query(
      "SELECT count(*) AS n, count(DISTINCT event_id) AS d, sum(seats) AS seats FROM booking_facts",
    );
    expect(counts).to.deep.equal({ n: total, d: total, seats: expectedSeats });
    expect(seen.maxStatements).to.be.at.most(BATCH_LIMIT_STATEMENTS);
    expect(seen.maxBytes).to.be.at.most(STATEMENT_LIMIT_BYTES);
    expect(loader.stats.maxStatementBytes).to.equal(seen.maxBytes);
  });
});
