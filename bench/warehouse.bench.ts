// Warehouse load rate: rows/s through the whole Data API path (loader → BatchExecuteStatement over HTTP →
// local endpoint → staging insert + MERGE in embedded Postgres) against a direct bulk insert of the same
// rows, as the same multi-row INSERT statements, into the same embedded Postgres, measured in the same run.
import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { clientOptions, localAwsConfig } from "../consumers/aws/clients";
import { buildBatches } from "../consumers/warehouse/batch-builder";
import { SdkDataApi } from "../consumers/warehouse/data-api";
import { WarehouseLoader } from "../consumers/warehouse/loader";
import { migrate } from "../consumers/warehouse/migrations";
import { tableSpec } from "../consumers/warehouse/warehouse-tables";
import { toPostgres } from "../local/redshift-data/dialect";
import { startRedshiftDataServer } from "../local/redshift-data/server";
import { bookingFactRow } from "../test/fixtures/warehouse-rows";
import { measure, perSecond, table, writeSection } from "./results";

const N = Number(process.env["BENCH_ROWS"] ?? 100_000);

const fact = bookingFactRow;

async function main() {
  const server = await startRedshiftDataServer();
  const client = new RedshiftDataClient(
    clientOptions(localAwsConfig({ redshiftData: server.endpoint }), "redshiftData"),
  );
  const api = new SdkDataApi(client, { database: "dev", workgroupName: "bench" });
  try {
    await migrate(api);
    const rows = Array.from({ length: N }, (_, i) => fact(i));
    await server.backend.query(
      toPostgres("CREATE TABLE direct_booking_facts (LIKE booking_facts INCLUDING ALL)").sql,
    );
    // Both runs start from the same rows in memory: the baseline renders the same multi-row INSERT texts
    // the loader would send and runs them straight on the database, with no HTTP, staging or MERGE.
    const direct = await measure("direct multi-row INSERT into embedded Postgres (baseline)", N, async () => {
      const inserts = buildBatches(tableSpec("booking_facts"), rows)
        .flat()
        .filter((s) => s.startsWith("INSERT"))
        .map((s) => s.replace("INSERT INTO stage_booking_facts", "INSERT INTO direct_booking_facts"));
      for (const sql of inserts) await server.backend.query(sql);
    });
    const loader = new WarehouseLoader({ api, maxRows: 20_000 });
    const viaApi = await measure("loader → Data API → staging + MERGE", N, async () => {
      for (let i = 0; i < N; i += 5000) await loader.add("booking_facts", rows.slice(i, i + 5000));
      await loader.close();
    });
    const check = await server.backend.query("SELECT count(*)::int AS n FROM booking_facts");
    if (check.rows[0]?.[0] !== N) throw new Error(`loaded ${JSON.stringify(check.rows[0])}, expected ${N}`);
    const ratio = perSecond(viaApi) / perSecond(direct);
    const body = [
      `${N.toLocaleString("en-US")} booking fact rows; ${loader.stats.batches} BatchExecuteStatement calls, ${loader.stats.statements} statements, largest ${loader.stats.maxStatementBytes.toLocaleString("en-US")} bytes.`,
      "",
      table([direct, viaApi]),
      "",
      `The Data API path loads at ${ratio.toFixed(2)}× the rate of a direct bulk insert (goal: at least 0.5×). CPU covers both the endpoint and pglite's worker thread, which run in this process. The endpoint loads the loader's INSERTs of literals through COPY (local/redshift-data/bulk-insert.ts: 0.59× before it, on 2026-11-22); the baseline runs the same INSERT statements as they are.`,
    ].join("\n");
    console.log(body);
    writeSection(
      "warehouse",
      "Warehouse load (Data API path vs direct insert)",
      "npm run bench warehouse",
      body,
    );
  } finally {
    client.destroy();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
