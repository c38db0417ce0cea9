// Worker-thread host for pglite: its WASM runs synchronously, so on the main thread one long query would
// freeze the Data API endpoint (no DescribeStatement, no CancelStatement while it runs).
"use strict";
const { parentPort, workerData } = require("node:worker_threads");

(async () => {
  const { PGlite } = await import("@electric-sql/pglite");
  const db = workerData.dataDir ? await PGlite.create(workerData.dataDir) : await PGlite.create();
  // DATE, TIMESTAMP, TIMESTAMPTZ as Postgres's text, as the Data API returns them (sql-backend.ts).
  const identity = (v) => v;
  const timesAsText = { 1082: identity, 1114: identity, 1184: identity };
  parentPort.on("message", async ({ id, sql, values, csv, close, timesAsText: asText }) => {
    if (close) {
      await db.close();
      parentPort.postMessage({ id, closed: true });
      return;
    }
    try {
      // By position, like Redshift: as objects, two result columns with one name would collapse into one.
      // A COPY FROM '/dev/blob' reads `csv` (bulk-insert.ts).
      const r = await db.query(sql, values, {
        rowMode: "array",
        ...(asText ? { parsers: timesAsText } : {}),
        ...(csv !== undefined ? { blob: new Blob([csv]) } : {}),
      });
      parentPort.postMessage({
        id,
        result: { fields: r.fields, rows: r.rows, affectedRows: r.affectedRows },
      });
    } catch (e) {
      parentPort.postMessage({ id, error: e.message });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ fatal: e.message }));
