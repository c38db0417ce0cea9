// The database under the local Data API endpoint: embedded Postgres (pglite), in memory or on disk, in a
// worker thread so the endpoint stays responsive while SQL runs. One connection: statements run one at a
// time, in submission order.
import * as path from "node:path";
import { Worker } from "node:worker_threads";

export interface SqlResult {
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
  readonly rows: readonly Record<string, unknown>[];
  readonly affectedRows?: number;
}

export interface SqlBackend {
  query(sql: string, values?: readonly string[]): Promise<SqlResult>;
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
  const call = (msg: Record<string, unknown>) =>
    new Promise<Reply>((resolve) => {
      const id = ++next;
      pending.set(id, { resolve });
      worker.postMessage({ id, ...msg });
    });
  return {
    async query(sql, values) {
      const reply = await call({ sql, values: values === undefined ? undefined : [...values] });
      if (reply.error !== undefined) throw new Error(reply.error);
      return reply.result as SqlResult;
    },
    async close() {
      await call({ close: true });
      await worker.terminate();
    },
  };
}
