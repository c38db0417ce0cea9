// The warehouse loader: micro-batches rows per table and flushes them by row count, buffered bytes or age,
// in as few BatchExecuteStatements as Redshift's 40-statement limit allows (each table's staging insert +
// MERGE on the key, see batch-builder.ts; small tables share a call). Flushes run one at a time, and the
// callers waiting for the next one share it; retryable failures are retried with backoff and jitter; a
// failed flush keeps its rows buffered (MERGE makes re-sending harmless). add() waits while too much is
// buffered, so a slow warehouse slows the consumer instead of growing memory without bound. flush() is
// the barrier a checkpoint waits on.
import { BATCH_LIMIT_STATEMENTS, type BatchLimits, buildBatches, REDSHIFT_LIMITS } from "./batch-builder";
import type { DataApi, Row } from "./data-api";
import { isRetryable } from "./errors";
import { tableSpec } from "./warehouse-tables";

export interface Timer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface LoaderOptions {
  readonly api: DataApi;
  /** Flush when a table holds this many rows (default 20,000). */
  readonly maxRows?: number;
  /** Flush when this many bytes are buffered across tables (default 8 MiB). */
  readonly maxBytes?: number;
  /** Flush rows older than this (default 10 s). */
  readonly maxAgeMs?: number;
  /** add() waits while more than this is buffered (default 64 MiB). */
  readonly maxBufferedBytes?: number;
  /** Attempts per batch for retryable failures (default 6). */
  readonly maxAttempts?: number;
  readonly limits?: BatchLimits;
  readonly timer?: Timer;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface LoaderStats {
  rowsLoaded: number;
  batches: number;
  statements: number;
  retries: number;
  maxStatementBytes: number;
  maxStatementsPerBatch: number;
}

/**
 * About a row's size as JSON (what the buffer bounds are in): keys and strings as they are, escapes left
 * out, a number as 12. A JSON.stringify per row cost more than the rest of buffering it.
 */
function rowBytes(row: Row): number {
  let n = 2;
  for (const key in row) {
    const v = row[key];
    n += key.length + 4 + (typeof v === "string" ? v.length + 2 : typeof v === "number" ? 12 : 5);
  }
  return n;
}
const realTimer: Timer = {
  set: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class WarehouseLoader {
  readonly stats: LoaderStats = {
    rowsLoaded: 0,
    batches: 0,
    statements: 0,
    retries: 0,
    maxStatementBytes: 0,
    maxStatementsPerBatch: 0,
  };
  private buffers = new Map<string, Row[]>();
  /** Each table's share of `bufferedBytes`, for a flush of one table. */
  private tableBytes = new Map<string, number>();
  private bufferedBytes = 0;
  private ageTimer: unknown;
  private chain: Promise<void> = Promise.resolve();
  /** The flush every caller shares until it starts. */
  private queued: Promise<void> | undefined;
  /** Flushes of one table (it filled its batch) not started yet. */
  private readonly queuedTables = new Map<string, Promise<void>>();
  private closed = false;
  private readonly timer: Timer;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: LoaderOptions) {
    this.timer = o.timer ?? realTimer;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    const limits = o.limits ?? REDSHIFT_LIMITS;
    if (limits.maxStatements > BATCH_LIMIT_STATEMENTS || limits.maxStatements < 4) {
      throw new RangeError(`maxStatements must be 4..${BATCH_LIMIT_STATEMENTS}`);
    }
  }

  get buffered(): { rows: number; bytes: number } {
    let rows = 0;
    for (const b of this.buffers.values()) rows += b.length;
    return { rows, bytes: this.bufferedBytes };
  }

  /** Buffers rows for `table`; resolves once accepted (it waits while the buffer is full). */
  async add(table: string, rows: readonly Row[]): Promise<void> {
    if (this.closed) throw new Error("warehouse loader is closed");
    tableSpec(table);
    if (rows.length === 0) return;
    const buffer = this.buffers.get(table) ?? [];
    this.buffers.set(table, buffer);
    let bytes = 0;
    for (const row of rows) {
      buffer.push(row);
      bytes += rowBytes(row);
    }
    this.bufferedBytes += bytes;
    this.tableBytes.set(table, (this.tableBytes.get(table) ?? 0) + bytes);
    if (this.ageTimer === undefined) {
      this.ageTimer = this.timer.set(() => {
        this.ageTimer = undefined;
        this.flush().catch(() => {
          // The rows stay buffered; the next flush (or the caller's own flush) reports the failure.
        });
      }, this.o.maxAgeMs ?? 10_000);
    }
    const bytesFull = this.bufferedBytes >= (this.o.maxBytes ?? 8 * 1024 * 1024);
    if (bytesFull || buffer.length >= (this.o.maxRows ?? 20_000)) {
      // A table that fills its batch is loaded alone: the others wait for their age or the next full flush
      // (a checkpoint's) rather than paying a staging table, MERGE and commit of their own each time the
      // busiest table fills.
      const flushing = bytesFull ? this.flush() : this.flushTable(table);
      if (this.bufferedBytes > (this.o.maxBufferedBytes ?? 64 * 1024 * 1024)) await flushing;
      else flushing.catch(() => {});
    }
    while (this.bufferedBytes > (this.o.maxBufferedBytes ?? 64 * 1024 * 1024)) await this.flush();
  }

  /**
   * Loads everything buffered so far; resolves when it is committed in the warehouse. Callers share a
   * flush that has not started yet (group commit): a worker's shards checkpoint at about the same moments,
   * and each asking for a flush of its own after the one under way made three small loads out of one.
   */
  flush(): Promise<void> {
    return this.queued ?? this.enqueue();
  }

  /**
   * Loads one table's buffered rows, in turn with the other flushes; a full flush or a flush of the same
   * table that has not started yet covers it (every add() past maxRows asks again until one starts).
   */
  private flushTable(table: string): Promise<void> {
    return this.queued ?? this.queuedTables.get(table) ?? this.enqueue(table);
  }

  /** A flush of everything (or of `table`) after the ones before it, shared until it starts. */
  private enqueue(table?: string): Promise<void> {
    const run = this.chain.then(() => {
      // From here on the buffers are taken: a caller now needs the flush after this one.
      if (table === undefined) this.queued = undefined;
      else this.queuedTables.delete(table);
      return this.flushNow(table);
    });
    if (table === undefined) this.queued = run;
    else this.queuedTables.set(table, run);
    this.chain = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ageTimer !== undefined) this.timer.clear(this.ageTimer);
    await this.flush();
  }

  /** Loads everything buffered, or only `table`'s rows (the age timer then keeps running for the rest). */
  private async flushNow(table?: string): Promise<void> {
    let taken: Map<string, Row[]>;
    if (table === undefined) {
      if (this.ageTimer !== undefined) {
        this.timer.clear(this.ageTimer);
        this.ageTimer = undefined;
      }
      taken = this.buffers;
      this.buffers = new Map();
      this.tableBytes = new Map();
      this.bufferedBytes = 0;
    } else {
      taken = new Map([[table, this.buffers.get(table) ?? []]]);
      this.buffers.delete(table);
      this.bufferedBytes -= this.tableBytes.get(table) ?? 0;
      this.tableBytes.delete(table);
    }
    const pending = new Map(taken);
    const limits = this.o.limits ?? REDSHIFT_LIMITS;
    // Each table's batches in turn; consecutive ones share one BatchExecuteStatement (one transaction, one
    // round trip and one wait) while their statements fit in it: a flush of eight tables, most of them a
    // few rows, costs two or three calls instead of eight.
    try {
      // Built inside the try: a row no statement can carry (RowTooLargeError) leaves every row buffered.
      const units = [...taken].flatMap(([table, rows]) =>
        buildBatches(tableSpec(table), rows, limits).map((statements) => ({ table, statements })),
      );
      const unitsLeft = new Map<string, number>();
      for (const u of units) unitsLeft.set(u.table, (unitsLeft.get(u.table) ?? 0) + 1);
      for (let i = 0; i < units.length; ) {
        const packed: string[] = [];
        let j = i;
        while (j < units.length) {
          const next = (units[j] as (typeof units)[number]).statements;
          if (packed.length > 0 && packed.length + next.length > limits.maxStatements) break;
          packed.push(...next);
          j++;
        }
        await this.run(packed);
        for (; i < j; i++) {
          const table = (units[i] as (typeof units)[number]).table;
          const left = (unitsLeft.get(table) as number) - 1;
          unitsLeft.set(table, left);
          if (left > 0) continue;
          this.stats.rowsLoaded += (pending.get(table) as Row[]).length;
          pending.delete(table);
        }
      }
    } catch (e) {
      // Put back what did not load, ahead of what arrived meanwhile; MERGE makes a re-send harmless.
      for (const [table, rows] of pending) {
        const later = this.buffers.get(table) ?? [];
        this.buffers.set(table, [...rows, ...later]);
        let bytes = 0;
        for (const row of rows) bytes += rowBytes(row);
        this.bufferedBytes += bytes;
        this.tableBytes.set(table, (this.tableBytes.get(table) ?? 0) + bytes);
      }
      throw e;
    }
  }

  private async run(batch: string[]): Promise<void> {
    const maxAttempts = this.o.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.api.batch(batch);
        this.stats.batches++;
        this.stats.statements += batch.length;
        this.stats.maxStatementsPerBatch = Math.max(this.stats.maxStatementsPerBatch, batch.length);
        for (const sql of batch)
          this.stats.maxStatementBytes = Math.max(this.stats.maxStatementBytes, Buffer.byteLength(sql));
        return;
      } catch (e) {
        if (!isRetryable(e) || attempt >= maxAttempts) throw e;
        this.stats.retries++;
        await this.sleep(Math.floor((this.o.random ?? Math.random)() * Math.min(10_000, 100 * 2 ** attempt)));
      }
    }
  }
}
