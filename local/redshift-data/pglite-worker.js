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
  parentPort.on("message", async ({ id, sql, values, csv, savepoint, close, timesAsText: asText }) => {
    if (close) {
      await db.close();
      parentPort.postMessage({ id, closed: true });
      return;
    }
    if (csv !== undefined) {
      // A COPY FROM '/dev/blob' reading `csv` (bulk-insert.ts), under a savepoint inside a transaction so
      // a failed one leaves the transaction usable: one message for the three statements.
      try {
        if (savepoint) await db.exec("SAVEPOINT flightpulse_copy");
        const r = await db.query(sql, [], { blob: new Blob([csv]) });
        if (savepoint) await db.exec("RELEASE SAVEPOINT flightpulse_copy");
        parentPort.postMessage({ id, result: { fields: [], rows: [], affectedRows: r.affectedRows } });
      } catch (e) {
        // Should the rollback fail too, the transaction stays aborted and the INSERT that follows says so.
        if (savepoint)
          await db
            .exec("ROLLBACK TO SAVEPOINT flightpulse_copy; RELEASE SAVEPOINT flightpulse_copy")
            .catch(() => {});
        parentPort.postMessage({ id, error: e.message });
      }
      return;
    }
    try {
      // By position, like Redshift: as objects, two result columns with one name would collapse into one.
      const r = await db.query(sql, values, {
        rowMode: "array",
        ...(asText ? { parsers: timesAsText } : {}),
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
