import {
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { expect } from "chai";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import { SdkDataApi } from "../../../consumers/warehouse/data-api";
import { WarehouseLoader } from "../../../consumers/warehouse/loader";
import { migrate, readMigrations } from "../../../consumers/warehouse/migrations";
import { startPostgresServer } from "../../../local/emulators/postgres-server";
import { type RedshiftDataServer, startRedshiftDataServer } from "../../../local/redshift-data/server";
import { TIME_AND_DECIMAL_FIELDS } from "../../fixtures/warehouse-rows";

describe("local Data API endpoint on a real PostgreSQL server (by URL)", function () {
  this.timeout(60_000);
  let pg: Awaited<ReturnType<typeof startPostgresServer>>;
  let server: RedshiftDataServer;
  let client: RedshiftDataClient;
  let api: SdkDataApi;

  before(async () => {
    pg = await startPostgresServer();
    server = await startRedshiftDataServer({ postgresUrl: pg.url });
    client = new RedshiftDataClient(
      clientOptions(localAwsConfig({ redshiftData: server.endpoint }), "redshiftData"),
    );
    api = new SdkDataApi(client, { database: "dev", workgroupName: "flightpulse-local" });
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
    await pg?.stop();
  });

  it("applies the migrations, loads idempotently, and returns the same typed fields as pglite", async () => {
    expect((await migrate(api)).applied).to.have.length(readMigrations().length);
    // A server's database outlives the endpoint: its tables stay logged (crash-safe).
    const persistence = await server.backend.query(
      "SELECT DISTINCT relpersistence FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
    );
    expect(persistence.rows).to.deep.equal([["p"]]);
    const loader = new WarehouseLoader({ api });
    const pane = (route: string, bookings: number) => ({
      route,
      shard_id: "shardId-000000000000",
      pane_start: Date.UTC(2026, 10, 22, 14, 0),
      pane_end: Date.UTC(2026, 10, 22, 14, 1),
      searches: 90,
      bookings,
      seats_booked: bookings * 2,
      cancellations: 1,
      seats_cancelled: 2,
      net_seats: bookings * 2 - 2,
      revenue: 1234.5,
      look_to_book: bookings / 90,
    });
    await loader.add("route_panes", [pane("LHR-JFK", 9), pane("LHR-DXB", 30)]);
    await loader.add("route_panes", [pane("LHR-JFK", 10)]);
    await loader.close();
    const rows = await api.query(
      "SELECT route, pane_start, bookings, revenue FROM route_panes ORDER BY route",
    );
    expect(rows).to.deep.equal([
      { route: "LHR-DXB", pane_start: "2026-11-22 14:00:00", bookings: 30, revenue: "1234.50" },
      { route: "LHR-JFK", pane_start: "2026-11-22 14:00:00", bookings: 10, revenue: "1234.50" },
    ]);
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        Database: "dev",
        WorkgroupName: "x",
        // Two result columns with one name: by position, as Redshift returns them.
        Sql: "SELECT count(*), count(DISTINCT searches) FROM route_panes",
      }),
    );
    await api.wait(Id as string);
    const r = await client.send(new GetStatementResultCommand({ Id }));
    expect(r.ColumnMetadata?.map((c) => c.name)).to.deep.equal(["count", "count"]);
    expect(r.Records).to.deep.equal([[{ longValue: 2 }, { longValue: 1 }]]);
    // Times and decimals in the database's text form, as on pglite and Redshift.
    const times = await client.send(
      new ExecuteStatementCommand({ Database: "dev", WorkgroupName: "x", Sql: TIME_AND_DECIMAL_FIELDS.sql }),
    );
    await api.wait(times.Id as string);
    const t = await client.send(new GetStatementResultCommand({ Id: times.Id }));
    expect(t.Records?.[0]).to.deep.equal(TIME_AND_DECIMAL_FIELDS.fields);
  });
});
