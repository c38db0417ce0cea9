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

/** The table and columns of an INSERT of literals' head, and where its values start. */
interface InsertHead {
  readonly table: string;
  readonly columns: readonly string[];
  readonly valuesAt: number;
}

function insertHead(sql: string): InsertHead | undefined {
  const head = HEAD.exec(sql);
  if (head === null) return undefined;
  const columns = (head[2] as string).split(",").map((c) => c.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, ""));
  if (columns.some((c) => !IDENTIFIER.test(c))) return undefined;
  // Unquoted identifiers fold to lower case, as Postgres reads them.
  return {
    table: (head[1] as string).toLowerCase(),
    columns: columns.map((c) => c.toLowerCase()),
    valuesAt: head[0].length,
  };
}

const STRING = 0;
const NUMBER = 1;
const BOOL = 2;
const NULL = 3;
type Kind = typeof STRING | typeof NUMBER | typeof BOOL | typeof NULL;

/**
 * Reads the rows of literals from `at` to the statement's end, calling `value` with each value's kind and
 * text (a string's content unquoted, a number as written, "true"/"false", "" for NULL) and its column,
 * and `rowEnd` after each row; false where the statement is anything else (quoted identifiers,
 * expressions, casts, DEFAULT, E'' strings, backslashes in strings, a row of the wrong width) or a
 * callback said false. No object per value: the loader's statements hold ~5,000 values each.
 */
function scanRows(
  sql: string,
  at: number,
  width: number,
  value: (kind: Kind, text: string, column: number) => boolean,
  rowEnd: () => void,
): boolean {
  let i = at;
  const skipSpace = () => {
    while (isSpace(sql.charCodeAt(i))) i++;
  };
  for (;;) {
    if (sql.charCodeAt(i) !== 40 /* ( */) return false;
    i++;
    let column = 0;
    for (;;) {
      skipSpace();
      if (column === width) return false;
      if (sql.charCodeAt(i) === 39 /* ' */) {
        let text = "";
        let from = i + 1;
        for (;;) {
          const quote = sql.indexOf("'", from);
          if (quote < 0) return false;
          text += sql.slice(from, quote);
          if (sql.charCodeAt(quote + 1) === 39) {
            text += "'";
            from = quote + 2;
          } else {
            i = quote + 1;
            break;
          }
        }
        // A backslash means different things under different settings: the INSERT path decides.
        if (text.includes("\\") || !value(STRING, text, column)) return false;
      } else {
        const numberEnd = numberAt(sql, i);
        if (
          numberEnd > i &&
          !isWordChar(sql.charCodeAt(numberEnd)) &&
          sql.charCodeAt(numberEnd) !== 46 /* . */
        ) {
          if (!value(NUMBER, sql.slice(i, numberEnd), column)) return false;
          i = numberEnd;
        } else {
          WORD.lastIndex = i;
          const word = WORD.exec(sql);
          if (word === null) return false;
          const w = (word[1] as string).toUpperCase();
          const ok =
            w === "NULL" ? value(NULL, "", column) : value(BOOL, w === "TRUE" ? "true" : "false", column);
          if (!ok) return false;
          i = WORD.lastIndex;
        }
      }
      column++;
      skipSpace();
      const c = sql.charCodeAt(i);
      if (c === 44 /* , */) i++;
      else if (c === 41 /* ) */) break;
      else return false;
    }
    i++;
    if (column !== width) return false;
    rowEnd();
    skipSpace();
    if (sql.charCodeAt(i) === 44) {
      i++;
      skipSpace();
    } else break;
  }
  if (sql.charCodeAt(i) === 59 /* ; */) {
    i++;
    skipSpace();
  }
  return i === sql.length;
}

/**
 * The table, columns and literal rows of `INSERT INTO t (a, b) VALUES (…), (…)`, or undefined for any
 * other statement (quoted identifiers, expressions, casts, DEFAULT, E'' strings, backslashes in strings).
 */
export function parseLiteralInsert(sql: string): LiteralInsert | undefined {
  const head = insertHead(sql);
  if (head === undefined) return undefined;
  const rows: Literal[][] = [];
  let row: Literal[] = [];
  const read = scanRows(
    sql,
    head.valuesAt,
    head.columns.length,
    (kind, text) => {
      row.push(
        kind === STRING || kind === NUMBER
          ? { kind: kind === STRING ? "string" : "number", text }
          : kind === BOOL
            ? { kind: "bool", value: text === "true" }
            : { kind: "null" },
      );
      return true;
    },
    () => {
      rows.push(row);
      row = [];
    },
  );
  return read ? { table: head.table, columns: head.columns, rows } : undefined;
}

/** int2, int4, int8, numeric, float4, float8. */
const NUMERIC_TYPES = new Set([21, 23, 20, 1700, 700, 701]);
const BOOL_TYPE = 16;

/** A value as a CSV field for a column of `type`, or undefined where COPY would read it differently. */
function csvField(kind: Kind, text: string, type: number): string | undefined {
  switch (kind) {
    case NULL:
      return "";
    case BOOL:
      return type === BOOL_TYPE ? text : undefined;
    case NUMBER:
      return NUMERIC_TYPES.has(type) ? text : undefined;
    default:
      return text.includes('"') ? `"${text.replace(/"/g, '""')}"` : `"${text}"`;
  }
}

const KIND_OF: Readonly<Record<Literal["kind"], Kind>> = {
  string: STRING,
  number: NUMBER,
  bool: BOOL,
  null: NULL,
};
const textOf = (v: Literal): string =>
  v.kind === "bool" ? String(v.value) : v.kind === "null" ? "" : v.text;

/** Each column's type in `typeOf`, or undefined when one is missing. */
function columnTypes(columns: readonly string[], typeOf: ReadonlyMap<string, number>): number[] | undefined {
  const types = columns.map((c) => typeOf.get(c));
  return types.some((t) => t === undefined) ? undefined : (types as number[]);
}

/** The insert's rows as COPY's CSV, or undefined where a value's kind does not suit its column. */
export function toCsv(insert: LiteralInsert, typeOf: ReadonlyMap<string, number>): string | undefined {
  const types = columnTypes(insert.columns, typeOf);
  if (types === undefined) return undefined;
  let csv = "";
  for (const row of insert.rows) {
    for (let c = 0; c < row.length; c++) {
      const v = row[c] as Literal;
      const field = csvField(KIND_OF[v.kind], textOf(v), types[c] as number);
      if (field === undefined) return undefined;
      csv += c === 0 ? field : `,${field}`;
    }
    csv += "\n";
  }
  return csv;
}

/**
 * What `toCsv(parseLiteralInsert(sql))` gives, read straight from the statement's text: the loader's
 * statements hold ~5,000 values each, and an object per value cost more than writing the CSV.
 */
export function insertToCsv(
  sql: string,
  typeOf: ReadonlyMap<string, number>,
): { csv: string; rows: number } | undefined {
  const head = insertHead(sql);
  return head === undefined ? undefined : csvOf(sql, head, typeOf);
}

/** insertToCsv of a statement whose head is read already. */
function csvOf(
  sql: string,
  head: InsertHead,
  typeOf: ReadonlyMap<string, number>,
): { csv: string; rows: number } | undefined {
  const types = columnTypes(head.columns, typeOf);
  if (types === undefined) return undefined;
  const parts: string[] = [];
  let rows = 0;
  const read = scanRows(
    sql,
    head.valuesAt,
    types.length,
    (kind, text, column) => {
      const field = csvField(kind, text, types[column] as number);
      if (field === undefined) return false;
      if (column > 0) parts.push(",");
      parts.push(field);
      return true;
    },
    () => {
      parts.push("\n");
      rows++;
    },
  );
  return read ? { csv: parts.join(""), rows } : undefined;
}

/** Which table and columns a head inserts into, as one key. */
const targetKey = (head: InsertHead) => `${head.table} (${head.columns.join(", ")})`;

/** Column types by table, read once per batch: a batch's INSERTs all load the staging table it created. */
export type ColumnTypes = Map<string, ReadonlyMap<string, number>>;

/**
 * The table and columns `sql` inserts into when it has the shape of an INSERT of literals (its values not
 * read yet), as one key: consecutive statements with the same key may load as one COPY.
 */
export function literalInsertTarget(sql: string): string | undefined {
  const head = insertHead(sql);
  return head === undefined ? undefined : targetKey(head);
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
  const heads: InsertHead[] = [];
  for (const sql of sqls) {
    const head = insertHead(sql);
    if (head === undefined) return undefined;
    const first = heads[0];
    if (first !== undefined && targetKey(head) !== targetKey(first)) return undefined;
    heads.push(head);
  }
  const [first] = heads;
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
  const rows: number[] = [];
  for (let k = 0; k < sqls.length; k++) {
    const part = csvOf(sqls[k] as string, heads[k] as InsertHead, typeOf);
    if (part === undefined) return undefined;
    csv += part.csv;
    rows.push(part.rows);
  }
  const copy = `COPY ${first.table} (${first.columns.join(", ")}) FROM '/dev/blob' WITH (FORMAT csv)`;
  try {
    await backend.copyCsv(copy, csv, inTransaction);
    return rows;
  } catch {
    return undefined;
  }
}
