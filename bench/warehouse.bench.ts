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
import {
  byWallMs,
  type Measurement,
  measure,
  medianRound,
  perSecond,
  roundRatios,
  summaryLine,
  table,
  writeSection,
} from "./results";

const N = Number(process.env["BENCH_ROWS"] ?? 100_000);

const fact = bookingFactRow;

const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);

async function main() {
  const server = await startRedshiftDataServer();
  const client = new RedshiftDataClient(
    clientOptions(localAwsConfig({ redshiftData: server.endpoint }), "redshiftData"),
  );
  const api = new SdkDataApi(client, { database: "dev", workgroupName: "bench" });
  try {
    await migrate(api);
    const rows = Array.from({ length: N }, (_, i) => fact(i));
    // Both runs start from the same rows in memory and an empty table: the baseline renders the same
    // multi-row INSERT texts the loader would send and runs them straight on the database, with no HTTP,
    // staging or MERGE.
    const direct = async (n: number) => {
      await server.backend.query("DROP TABLE IF EXISTS direct_booking_facts");
      await server.backend.query(
        toPostgres("CREATE TABLE direct_booking_facts (LIKE booking_facts INCLUDING ALL)").sql,
      );
      return measure("direct multi-row INSERT into embedded Postgres (baseline)", n, async () => {
        const inserts = buildBatches(tableSpec("booking_facts"), rows.slice(0, n))
          .flat()
          .filter((s) => s.startsWith("INSERT"))
          .map((s) => s.replace("INSERT INTO stage_booking_facts", "INSERT INTO direct_booking_facts"));
        for (const sql of inserts) await server.backend.query(sql);
      });
    };
    let loader: WarehouseLoader | undefined;
    const viaApi = async (n: number) => {
      await server.backend.query("TRUNCATE booking_facts");
      const l = new WarehouseLoader({ api, maxRows: 20_000 });
      loader = l;
      const m = await measure("loader → Data API → staging + MERGE", n, async () => {
        for (let i = 0; i < n; i += 5000) await l.add("booking_facts", rows.slice(i, Math.min(n, i + 5000)));
        await l.close();
      });
      const check = await server.backend.query("SELECT count(*)::int AS n FROM booking_facts");
      if (check.rows[0]?.[0] !== n) throw new Error(`loaded ${JSON.stringify(check.rows[0])}, expected ${n}`);
      return m;
    };
    // A warm-up of each, uncounted: pglite's WebAssembly is compiled to optimised code only once hot, and
    // whichever ran first would pay for it.
    await direct(Math.ceil(N / 5));
    await viaApi(Math.ceil(N / 5));
    const directs: Measurement[] = [];
    const apis: Measurement[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const pair = round % 2 === 1 ? [direct, viaApi] : [viaApi, direct];
      for (const run of pair) (run === direct ? directs : apis).push(await run(N));
      const r = (directs[round - 1] as Measurement).wallMs / (apis[round - 1] as Measurement).wallMs;
      process.stderr.write(`round ${round}: ${r.toFixed(2)}×\n`);
    }
    const ratio = roundRatios(directs.map(byWallMs), apis.map(byWallMs));
    const medianApi = medianRound(apis, byWallMs);
    const stats = (loader as WarehouseLoader).stats;
    const body = [
      `${N.toLocaleString("en-US")} booking fact rows a run into an empty table, ${ROUNDS} interleaved rounds after a warm-up of each; the loader's run: ${stats.batches} BatchExecuteStatement calls, ${stats.statements} statements, largest ${stats.maxStatementBytes.toLocaleString("en-US")} bytes.`,
      "",
      table([medianRound(directs, byWallMs), medianApi]),
      "",
      `Per-round ratio: ${ratio.ratios.map((x) => `${x.toFixed(2)}×`).join(", ")}.`,
      "",
      `The Data API path loads at a median ${ratio.median.toFixed(2)}× the rate of a direct bulk insert (goal: at least 0.5×). CPU covers both the endpoint and pglite's worker thread, which run in this process. The endpoint loads the loader's INSERTs of literals through COPY (local/redshift-data/bulk-insert.ts: 0.59× before it, on 2026-11-22); the baseline runs the same INSERT statements as they are.`,
      "",
      summaryLine("warehouse", "direct insert", ratio, ROUNDS, perSecond(medianApi)),
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
