// The local warehouse's fast path for multi-row INSERTs of plain literals (what the loader sends, up to
// 100 KB a statement): pglite spends ~25 µs a row parsing and planning a VALUES list, which made it the
// largest consumer of CPU on the local stack under load (docs/performance.md); COPY reads the same values
// as CSV about 3× faster. Taken only where COPY means exactly what the INSERT means: every value a
// literal, numbers only into numeric columns, booleans only into boolean columns (strings and NULL go
// through the column type's input function either way). Anything else, and any COPY that fails, runs as
// the INSERT it is, so results and errors are the INSERT's own.
import type { SqlBackend } from "./sql-backend";

export type Literal =
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "number"; readonly text: string }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "null" };

export interface LiteralInsert {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Literal[])[];
}

// Spaces are the four every SQL lexer reads as such; a statement with any other (a form feed, a no-break
// space) is left to the INSERT path, where the database decides what it means.
const HEAD =
  /^[ \t\n\r]*INSERT[ \t\n\r]+INTO[ \t\n\r]+([A-Za-z_][A-Za-z0-9_]*)[ \t\n\r]*\(([^)]*)\)[ \t\n\r]*VALUES[ \t\n\r]*/i;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WORD = /(NULL|TRUE|FALSE)(?![A-Za-z0-9_$])/iy;

// Character tests by code: the loader's statements are 100 KB of literals, and a regular expression per
// space and per number cost more than COPY itself (docs/performance.md).
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** End of `-?\d+(\.\d+)?([eE][+-]?\d+)?` at `at`, or `at` when there is none. */
function numberAt(sql: string, at: number): number {
  let i = at;
  if (sql.charCodeAt(i) === 45 /* - */) i++;
  const digits = i;
  while (isDigit(sql.charCodeAt(i))) i++;
  if (i === digits) return at;
  if (sql.charCodeAt(i) === 46 /* . */ && isDigit(sql.charCodeAt(i + 1))) {
    i += 2;
    while (isDigit(sql.charCodeAt(i))) i++;
  }
  const e = sql.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = sql.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(sql.charCodeAt(j))) {
      while (isDigit(sql.charCodeAt(j))) j++;
      i = j;
    }
  }
  return i;
}

/**
 * The table, columns and literal rows of `INSERT INTO t (a, b) VALUES (…), (…)`, or undefined for any
 * other statement (quoted identifiers, expressions, casts, DEFAULT, E'' strings, backslashes in strings).
 */
export function parseLiteralInsert(sql: string): LiteralInsert | undefined {
  const head = HEAD.exec(sql);
  if (head === null) return undefined;
  const columns = (head[2] as string).split(",").map((c) => c.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, ""));
  if (columns.some((c) => !IDENTIFIER.test(c))) return undefined;
  const rows: Literal[][] = [];
  let i = head[0].length;
  const skipSpace = () => {
    while (isSpace(sql.charCodeAt(i))) i++;
  };
  for (;;) {
    if (sql[i] !== "(") return undefined;
    i++;
    const row: Literal[] = [];
    for (;;) {
      skipSpace();
      const value = literalAt(sql, i);
      if (value === undefined) return undefined;
      row.push(value.literal);
      i = value.end;
      skipSpace();
      if (sql[i] === ",") i++;
      else if (sql[i] === ")") break;
      else return undefined;
    }
    i++;
    if (row.length !== columns.length) return undefined;
    rows.push(row);
    skipSpace();
    if (sql[i] === ",") {
      i++;
      skipSpace();
    } else break;
  }
  if (sql[i] === ";") {
    i++;
    skipSpace();
  }
  if (i !== sql.length) return undefined;
  // Unquoted identifiers fold to lower case, as Postgres reads them.
  return { table: (head[1] as string).toLowerCase(), columns: columns.map((c) => c.toLowerCase()), rows };
}

function literalAt(sql: string, at: number): { literal: Literal; end: number } | undefined {
  if (sql[at] === "'") {
    let text = "";
    let from = at + 1;
    for (;;) {
      const quote = sql.indexOf("'", from);
      if (quote < 0) return undefined;
      text += sql.slice(from, quote);
      if (sql[quote + 1] === "'") {
        text += "'";
        from = quote + 2;
      } else {
        // A backslash means different things under different settings: the INSERT path decides.
        if (text.includes("\\")) return undefined;
        return { literal: { kind: "string", text }, end: quote + 1 };
      }
    }
  }
  const numberEnd = numberAt(sql, at);
  if (numberEnd > at && !isWordChar(sql.charCodeAt(numberEnd)) && sql[numberEnd] !== ".")
    return { literal: { kind: "number", text: sql.slice(at, numberEnd) }, end: numberEnd };
  WORD.lastIndex = at;
  const word = WORD.exec(sql);
  if (word === null) return undefined;
  const w = (word[1] as string).toUpperCase();
  const literal: Literal = w === "NULL" ? { kind: "null" } : { kind: "bool", value: w === "TRUE" };
  return { literal, end: WORD.lastIndex };
}

/** int2, int4, int8, numeric, float4, float8. */
const NUMERIC_TYPES = new Set([21, 23, 20, 1700, 700, 701]);
const BOOL_TYPE = 16;

const csvValue = (v: Literal): string => {
  switch (v.kind) {
    case "null":
      return "";
    case "bool":
      return v.value ? "true" : "false";
    case "number":
      return v.text;
    case "string":
      return v.text.includes('"') ? `"${v.text.replace(/"/g, '""')}"` : `"${v.text}"`;
  }
};

/** The insert's rows as COPY's CSV, or undefined where a value's kind does not suit its column. */
export function toCsv(insert: LiteralInsert, typeOf: ReadonlyMap<string, number>): string | undefined {
  const types = insert.columns.map((c) => typeOf.get(c));
  if (types.some((t) => t === undefined)) return undefined;
  let csv = "";
  for (const row of insert.rows) {
    for (let c = 0; c < row.length; c++) {
      const v = row[c] as Literal;
      const type = types[c] as number;
      if (v.kind === "number" && !NUMERIC_TYPES.has(type)) return undefined;
      if (v.kind === "bool" && type !== BOOL_TYPE) return undefined;
      csv += c === 0 ? csvValue(v) : `,${csvValue(v)}`;
    }
    csv += "\n";
  }
  return csv;
}

/** Column types by table, read once per batch: a batch's INSERTs all load the staging table it created. */
export type ColumnTypes = Map<string, ReadonlyMap<string, number>>;

/**
 * The table and columns `sql` inserts into when it has the shape of an INSERT of literals (its values not
 * read yet), as one key: consecutive statements with the same key may load as one COPY.
 */
export function literalInsertTarget(sql: string): string | undefined {
  const head = HEAD.exec(sql);
  if (head === null) return undefined;
  const columns = (head[2] as string).split(",").map((c) => c.trim().toLowerCase());
  return `${(head[1] as string).toLowerCase()} (${columns.join(", ")})`;
}

/**
 * Runs `sql` as COPY when it is a literal multi-row INSERT COPY can load to the same effect; the rows
 * loaded, or undefined when the caller must run the INSERT itself (nothing has been changed then).
 */
export async function copyLiteralInsert(
  backend: SqlBackend,
  sql: string,
  inTransaction: boolean,
  types: ColumnTypes = new Map(),
): Promise<number | undefined> {
  return (await copyLiteralInserts(backend, [sql], inTransaction, types))?.[0];
}

/**
 * Runs consecutive literal INSERTs into one table's same columns as one COPY (a COPY costs pglite about
 * as much to start as to read a statement's 500 rows: one per batch instead of one per statement halved
 * the loads' COPY time); the rows each statement loaded, or undefined when the caller must run the
 * statements itself (nothing has been changed then) — any of them not such an INSERT, a value COPY would
 * read differently, or a COPY that failed. Inside a transaction the COPY runs under a savepoint, so a
 * failed one leaves the transaction usable. `types` caches the tables' column types: the caller clears it
 * when anything but such an INSERT runs.
 */
export async function copyLiteralInserts(
  backend: SqlBackend,
  sqls: readonly string[],
  inTransaction: boolean,
  types: ColumnTypes = new Map(),
): Promise<number[] | undefined> {
  if (backend.copyCsv === undefined) return undefined;
  const inserts: LiteralInsert[] = [];
  for (const sql of sqls) {
    const insert = parseLiteralInsert(sql);
    if (insert === undefined || insert.rows.length === 0) return undefined;
    const first = inserts[0];
    if (
      first !== undefined &&
      (insert.table !== first.table || insert.columns.join() !== first.columns.join())
    )
      return undefined;
    inserts.push(insert);
  }
  const [first] = inserts;
  if (first === undefined) return undefined;
  let typeOf = types.get(first.table);
  if (typeOf === undefined) {
    const columns = await backend.query(
      `SELECT attname, atttypid FROM pg_attribute WHERE attrelid = to_regclass('${first.table}') AND attnum > 0 AND NOT attisdropped`,
    );
    typeOf = new Map(columns.rows.map(([name, type]) => [String(name), Number(type)]));
    types.set(first.table, typeOf);
  }
  let csv = "";
  for (const insert of inserts) {
    const part = toCsv(insert, typeOf);
    if (part === undefined) return undefined;
    csv += part;
  }
  const copy = `COPY ${first.table} (${first.columns.join(", ")}) FROM '/dev/blob' WITH (FORMAT csv)`;
  try {
    await backend.copyCsv(copy, csv, inTransaction);
    return inserts.map((insert) => insert.rows.length);
  } catch {
    return undefined;
  }
}
