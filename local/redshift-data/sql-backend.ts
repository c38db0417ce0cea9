// The database under the local Data API endpoint: embedded Postgres (pglite), in memory or on disk, in a
// worker thread so the endpoint stays responsive while SQL runs; or a real PostgreSQL server by URL. One
// connection: statements run one at a time, in submission order.
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { Connection, Submittable } from "pg";

export interface SqlResult {
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
  /** Values by position, in select-list order, as Redshift returns them: two columns may share a name. */
  readonly rows: readonly (readonly unknown[])[];
  readonly affectedRows?: number;
}

export interface QueryOptions {
  /**
   * DATE, TIMESTAMP and TIMESTAMPTZ as the database's own text (microseconds kept, trailing zeros trimmed,
   * `+00` on TIMESTAMPTZ), as the Data API returns them; otherwise as Date objects.
   */
  readonly timesAsText?: boolean;
}

/** DATE, TIMESTAMP, TIMESTAMPTZ. */
export const TIME_TYPE_IDS = [1082, 1114, 1184] as const;

export interface SqlBackend {
  /**
   * Nothing of the database outlives the local stack (pglite with no folder, a throwaway cluster removed at
   * stop): it has no crash to recover from, so its tables need no write-ahead log (the endpoint creates
   * them UNLOGGED).
   */
  readonly ephemeral?: boolean;
  query(sql: string, values?: readonly string[], options?: QueryOptions): Promise<SqlResult>;
  /**
   * COPY into `target` (`table (column, …)`) from `csv` (UTF-8, `FORMAT csv`); the rows loaded. With
   * `savepoint` (inside a transaction) a failed COPY is rolled back to before it, the transaction usable.
   * The bytes are handed over, not copied: `csv`'s buffer is unusable afterwards.
   */
  copyCsv?(target: string, csv: Uint8Array, savepoint: boolean): Promise<number>;
  close(): Promise<void>;
}

type Reply = { id: number; result?: SqlResult; error?: string; closed?: boolean };

export async function pgliteBackend(dataDir?: string): Promise<SqlBackend> {
  const worker = new Worker(path.join(__dirname, "pglite-worker.js"), { workerData: { dataDir } });
  await new Promise<void>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", function ready(m: { ready?: boolean; fatal?: string }) {
      if (m.fatal !== undefined) reject(new Error(`pglite failed to start: ${m.fatal}`));
      if (m.ready === true || m.fatal !== undefined) worker.off("message", ready);
      if (m.ready === true) resolve();
    });
  });
  let next = 0;
  const pending = new Map<number, { resolve: (r: Reply) => void }>();
  worker.on("message", (m: Reply & { ready?: boolean }) => {
    if (m.ready === true) return;
    pending.get(m.id)?.resolve(m);
    pending.delete(m.id);
  });
  const call = (msg: Record<string, unknown>, transfer: ArrayBuffer[] = []) =>
    new Promise<Reply>((resolve) => {
      const id = ++next;
      pending.set(id, { resolve });
      worker.postMessage({ id, ...msg }, transfer);
    });
  return {
    ephemeral: dataDir === undefined,
    async query(sql, values, options) {
      const reply = await call({
        sql,
        values: values === undefined ? undefined : [...values],
        timesAsText: options?.timesAsText === true,
      });
      if (reply.error !== undefined) throw new Error(reply.error);
      return reply.result as SqlResult;
    },
    async copyCsv(target, csv, savepoint) {
      // Moved to pglite's thread rather than copied: a load's CSV is megabytes.
      const sql = `COPY ${target} FROM '/dev/blob' WITH (FORMAT csv)`;
      const reply = await call({ sql, csv, savepoint }, [csv.buffer as ArrayBuffer]);
      if (reply.error !== undefined) throw new Error(reply.error);
      return (reply.result as SqlResult).affectedRows ?? 0;
    },
    async close() {
      await call({ close: true });
      await worker.terminate();
    },
  };
}

/**
 * A real PostgreSQL server by URL (a throwaway cluster of the local stack's, Debian's PostgreSQL 15...), one
 * connection. Type parsers make its values look like pglite's: bigint as number, timestamps and dates read
 * as UTC. `ephemeral`: the server's data is thrown away with the stack (see SqlBackend).
 */
export async function postgresBackend(
  url: string,
  options: { ephemeral?: boolean } = {},
): Promise<SqlBackend> {
  const pg = await import("pg");
  const base = pg.types;
  const parser = ((oid: number, format?: "text" | "binary") => {
    if (oid === 20) return (v: string) => Number(v);
    if (oid === 1114) return (v: string) => new Date(`${v.replace(" ", "T")}Z`);
    if (oid === 1082) return (v: string) => new Date(`${v}T00:00:00Z`);
    return base.getTypeParser(oid, format ?? "text");
  }) as typeof base.getTypeParser;
  const asText = ((oid: number, format?: "text" | "binary") =>
    (TIME_TYPE_IDS as readonly number[]).includes(oid)
      ? (v: string) => v
      : parser(oid, format)) as typeof base.getTypeParser;
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: parser } });
  // A server that goes away is an error event on the client, fatal to the process unless listened for;
  // the queries after it fail, saying the connection is gone.
  client.on("error", () => {});
  try {
    await client.connect();
    // TIMESTAMPTZ as text in UTC (`+00`), as Redshift's sessions answer by default.
    await client.query("SET TIME ZONE 'UTC'");
  } catch (e) {
    throw new Error(
      `warehouse database ${url.replace(/\/\/[^@]*@/, "//***@")} is unreachable: ${(e as Error).message}`,
    );
  }
  return {
    ephemeral: options.ephemeral === true,
    async query(sql, values, options) {
      const r = await client.query({
        text: sql,
        values: values === undefined ? [] : [...values],
        rowMode: "array",
        ...(options?.timesAsText === true ? { types: { getTypeParser: asText } } : {}),
      });
      return {
        fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
        rows: r.rows as unknown[][],
        ...(r.rowCount !== null ? { affectedRows: r.rowCount } : {}),
      };
    },
    async copyCsv(target, csv, savepoint) {
      if (savepoint) await client.query("SAVEPOINT flightpulse_copy");
      try {
        const rows = await new Promise<number>((resolve, reject) =>
          client.query(copyFromStdin(`COPY ${target} FROM STDIN WITH (FORMAT csv)`, csv, resolve, reject)),
        );
        if (savepoint) await client.query("RELEASE SAVEPOINT flightpulse_copy");
        return rows;
      } catch (e) {
        // Should the rollback fail too, the transaction stays aborted and the INSERT that follows says so.
        if (savepoint)
          await client
            .query("ROLLBACK TO SAVEPOINT flightpulse_copy; RELEASE SAVEPOINT flightpulse_copy")
            .catch(() => {});
        throw e;
      }
    },
    close: () => client.end(),
  };
}

/** The connection's COPY messages, which its type declarations leave out. */
interface CopyIn {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** CopyData messages of at most this many bytes. */
const COPY_CHUNK_BYTES = 1 << 20;

/**
 * `COPY … FROM STDIN` as a query node-postgres runs in its turn: the server asks for the data
 * (CopyInResponse), gets `csv` and the end of it, answers `COPY n` then ReadyForQuery, or an error.
 * node-postgres's own queries answer CopyInResponse with a failure; this is the part of the protocol the
 * pg-copy-streams package implements, for one buffer.
 */
function copyFromStdin(
  sql: string,
  csv: Uint8Array,
  resolve: (rows: number) => void,
  reject: (e: Error) => void,
): Submittable {
  let rows = 0;
  const query = {
    submit: (connection: Connection) => connection.query(sql),
    handleCopyInResponse(connection: Connection & CopyIn) {
      const bytes = Buffer.from(csv.buffer, csv.byteOffset, csv.byteLength);
      for (let at = 0; at < bytes.length; at += COPY_CHUNK_BYTES)
        connection.sendCopyFromChunk(bytes.subarray(at, at + COPY_CHUNK_BYTES));
      connection.endCopyFrom();
    },
    handleCommandComplete(message: { text: string }) {
      rows = Number(message.text.slice("COPY ".length));
    },
    // The client forgets the query on an error (no ReadyForQuery reaches it then): settle here.
    handleError: reject,
    handleEmptyQuery() {},
    handleReadyForQuery() {
      resolve(rows);
    },
  };
  return query;
}
