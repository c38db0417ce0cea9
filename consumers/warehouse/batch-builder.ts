// Turns buffered rows into Data API batches that respect Redshift's limits by construction: every
// statement under 100 KB, at most 40 statements per BatchExecuteStatement. One batch is: create a staging
// table, insert the rows (as many multi-row INSERTs as the size limit needs), MERGE into the target on its
// key, drop the staging table. Rows are de-duplicated on the key first (the last one wins): MERGE refuses
// two source rows for one target row.

import { parseTimestamp } from "../../analytics/events/timestamps";
import type { Row } from "./data-api";
import { RowTooLargeError } from "./errors";
import { literal, type Value } from "./sql-literals";
import type { TableSpec } from "./warehouse-tables";

export const STATEMENT_LIMIT_BYTES = 100 * 1024;
export const BATCH_LIMIT_STATEMENTS = 40;

export interface BatchLimits {
  readonly maxStatementBytes: number;
  readonly maxStatements: number;
}

export const REDSHIFT_LIMITS: BatchLimits = {
  maxStatementBytes: STATEMENT_LIMIT_BYTES,
  maxStatements: BATCH_LIMIT_STATEMENTS,
};

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** Timestamps in the one format both Redshift and Postgres read the same way (UTC, no zone). */
export function timestamp(v: Value): Value {
  if (v === null) return null;
  // Event times as producers write them (`2026-11-22T14:05:00.000Z`, a real instant): the same text
  // without building a Date (the date and time are already the UTC fields, in the same widths). The
  // contract's parser checks the digits and ranges; 24 characters with "." and "Z" where the canonical
  // form has them leave it no other shape to accept.
  if (
    typeof v === "string" &&
    v.length === 24 &&
    v[19] === "." &&
    v[23] === "Z" &&
    parseTimestamp(v) !== undefined
  )
    return `${v.slice(0, 10)} ${v.slice(11, 23)}`;
  const d = new Date(typeof v === "number" ? v : String(v));
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a timestamp: ${v}`);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** A row as `(v1, v2, …)` in the table's column order: a loop, not an array of literals joined, per row. */
function tupleOf(row: Row, columns: TableSpec["columns"]): string {
  let tuple = "(";
  for (let i = 0; i < columns.length; i++) {
    const [column, type] = columns[i] as TableSpec["columns"][number];
    const value = row[column] ?? null;
    tuple += (i === 0 ? "" : ", ") + literal(type === "timestamp" ? timestamp(value) : value);
  }
  return `${tuple})`;
}

export const stagingTable = (spec: TableSpec) => `stage_${spec.table}`;

export function mergeStatement(spec: TableSpec): string {
  const s = stagingTable(spec);
  const cols = spec.columns.map(([c]) => c);
  const on = spec.key.map((k) => `${spec.table}.${k} = ${s}.${k}`).join(" AND ");
  const set = cols.filter((c) => !spec.key.includes(c)).map((c) => `${c} = ${s}.${c}`);
  return `MERGE INTO ${spec.table} USING ${s} ON ${on} WHEN MATCHED THEN UPDATE SET ${set.join(", ")} WHEN NOT MATCHED THEN INSERT (${cols.join(", ")}) VALUES (${cols.map((c) => `${s}.${c}`).join(", ")})`;
}

/** Rows with a distinct key, the last of each key kept, in first-seen order. */
export function dedupeOnKey(spec: TableSpec, rows: readonly Row[]): Row[] {
  const byKey = new Map<unknown, Row>();
  const [only, ...more] = spec.key;
  // One key column: its value is the map key (a Map tells 1 from "1" and null from "null", as JSON does).
  if (only !== undefined && more.length === 0) for (const row of rows) byKey.set(row[only] ?? null, row);
  else for (const row of rows) byKey.set(JSON.stringify(spec.key.map((k) => row[k] ?? null)), row);
  return [...byKey.values()];
}

export function buildBatches(
  spec: TableSpec,
  rows: readonly Row[],
  limits: BatchLimits = REDSHIFT_LIMITS,
): string[][] {
  const unique = dedupeOnKey(spec, rows);
  if (unique.length === 0) return [];
  const stage = stagingTable(spec);
  const prefix = `INSERT INTO ${stage} (${spec.columns.map(([c]) => c).join(", ")}) VALUES `;
  const prefixBytes = Buffer.byteLength(prefix);
  const inserts: string[] = [];
  let tuples: string[] = [];
  let bytes = prefixBytes;
  for (const row of unique) {
    const tuple = tupleOf(row, spec.columns);
    const tupleBytes = Buffer.byteLength(tuple);
    if (prefixBytes + tupleBytes > limits.maxStatementBytes)
      throw new RowTooLargeError(spec.table, tupleBytes);
    const separator = tuples.length > 0 ? 1 : 0;
    if (bytes + separator + tupleBytes > limits.maxStatementBytes) {
      inserts.push(prefix + tuples.join(","));
      tuples = [];
      bytes = prefixBytes;
    }
    bytes += (tuples.length > 0 ? 1 : 0) + tupleBytes;
    tuples.push(tuple);
  }
  if (tuples.length > 0) inserts.push(prefix + tuples.join(","));
  const perBatch = limits.maxStatements - 3;
  const batches: string[][] = [];
  for (let i = 0; i < inserts.length; i += perBatch) {
    batches.push([
      `CREATE TEMP TABLE ${stage} (LIKE ${spec.table})`,
      ...inserts.slice(i, i + perBatch),
      mergeStatement(spec),
      `DROP TABLE ${stage}`,
    ]);
  }
  return batches;
}
