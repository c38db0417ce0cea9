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
  });

  it("creates the QuickSight views with the columns the Pulumi datasets declare", async () => {
    for (const [view, columns] of Object.entries(QUICKSIGHT_VIEWS)) {
      const cols = await server.backend.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = '${view}' ORDER BY ordinal_position`,
      );
      expect(
        cols.rows.map((r) => r["column_name"]),
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
