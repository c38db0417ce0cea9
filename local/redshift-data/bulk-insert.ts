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

// The values are read as UTF-8 bytes and the CSV written as bytes: every character SQL's syntax uses here
// is ASCII, and no byte of a multi-byte character is, so a string's content is copied byte for byte. As
// JavaScript strings, slicing every value, building every field and handing pglite's thread a 3 MB string
// (which its Blob encodes to UTF-8 again) took about half the endpoint's main thread in a worker's drain;
// as bytes the conversion costs about two thirds of what it did (bench/RESULTS.md).
const QUOTE = 39; // '
const DOUBLE_QUOTE = 34; // "
const BACKSLASH = 92;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isWordChar = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
/** A byte as lower case when it is an ASCII letter. */
const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

/** End of `-?\d+(\.\d+)?([eE][+-]?\d+)?` at `at`, or `at` when there is none. */
function numberAt(src: Uint8Array, at: number): number {
  let i = at;
  if (src[i] === 45 /* - */) i++;
  const digits = i;
  while (isDigit(src[i] as number)) i++;
  if (i === digits) return at;
  if (src[i] === 46 /* . */ && isDigit(src[i + 1] as number)) {
    i += 2;
    while (isDigit(src[i] as number)) i++;
  }
  const e = src[i];
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = src[j];
    if (sign === 43 || sign === 45) j++;
    if (isDigit(src[j] as number)) {
      while (isDigit(src[j] as number)) j++;
      i = j;
    }
  }
  return i;
}

const WORDS = ["null", "true", "false"].map((w) => Buffer.from(w));

/** The end of NULL, TRUE or FALSE (any case, not followed by a word character or `$`) at `at`, or `at`. */
function wordAt(src: Uint8Array, at: number): number {
  for (const word of WORDS) {
    let k = 0;
    while (k < word.length && lower(src[at + k] as number) === word[k]) k++;
    const next = src[at + k] as number;
    if (k === word.length && !isWordChar(next) && next !== 36 /* $ */) return at + k;
  }
  return at;
}

/** The table and columns of an INSERT of literals' head, and where its values start. */
interface InsertHead {
  readonly table: string;
  readonly columns: readonly string[];
  /** In characters and in bytes alike: a head that matches is ASCII (its columns are identifiers). */
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

/** What ValuesReader.next() read. */
const VALUE = 0;
const ROW_END = 1;
const DONE = 2;
const NOT_LITERALS = 3;
type Read = typeof VALUE | typeof ROW_END | typeof DONE | typeof NOT_LITERALS;

/**
 * Reads the rows of literals from byte `at` to the statement's end: each next() is a value, a row's end,
 * the statement's end, or NOT_LITERALS where the statement is anything else (quoted identifiers,
 * expressions, casts, DEFAULT, E'' strings, backslashes in strings, a row of the wrong width). A value is
 * its kind, its column and where it lies in `src` (a string's content between its quotes, doubled quotes
 * and all; a number as written; the word TRUE, FALSE or NULL). No object or closure per value, and the
 * position a local while bytes are read: the loader's statements hold ~5,000 values each.
 */
class ValuesReader {
  kind: Kind = NULL;
  column = -1;
  start = 0;
  end = 0;
  private at: number;
  private state: "row" | "inRow" | "rowClosed" | "done" = "row";

  constructor(
    private readonly src: Buffer,
    at: number,
    private readonly width: number,
  ) {
    this.at = at;
  }

  next(): Read {
    const src = this.src;
    let i = this.at;
    switch (this.state) {
      case "done":
        return DONE;
      case "rowClosed": {
        if (this.column + 1 !== this.width) return NOT_LITERALS;
        i++;
        while (isSpace(src[i] as number)) i++;
        if (src[i] === 44 /* , */) {
          i++;
          while (isSpace(src[i] as number)) i++;
          this.state = "row";
        } else {
          if (src[i] === 59 /* ; */) {
            i++;
            while (isSpace(src[i] as number)) i++;
          }
          if (i !== src.length) return NOT_LITERALS;
          this.state = "done";
        }
        this.at = i;
        return ROW_END;
      }
      case "row":
        if (src[i] !== 40 /* ( */) return NOT_LITERALS;
        i++;
        this.state = "inRow";
        this.column = -1;
        break;
    }
    while (isSpace(src[i] as number)) i++;
    const column = this.column + 1;
    if (column === this.width) return NOT_LITERALS;
    if (src[i] === QUOTE) {
      const start = i + 1;
      let k = start;
      for (;;) {
        const c = src[k];
        // A backslash means different things under different settings: the INSERT path decides.
        if (c === undefined || c === BACKSLASH) return NOT_LITERALS;
        if (c === QUOTE) {
          if (src[k + 1] !== QUOTE) break;
          k++;
        }
        k++;
      }
      this.kind = STRING;
      this.start = start;
      this.end = k;
      i = k + 1;
    } else {
      const numberEnd = numberAt(src, i);
      if (numberEnd > i && !isWordChar(src[numberEnd] as number) && src[numberEnd] !== 46 /* . */) {
        this.kind = NUMBER;
        this.end = numberEnd;
      } else {
        const wordEnd = wordAt(src, i);
        if (wordEnd === i) return NOT_LITERALS;
        this.kind = lower(src[i] as number) === 110 /* n */ ? NULL : BOOL;
        this.end = wordEnd;
      }
      this.start = i;
      i = this.end;
    }
    this.column = column;
    while (isSpace(src[i] as number)) i++;
    const c = src[i];
    if (c === 41 /* ) */) this.state = "rowClosed";
    else if (c === 44 /* , */) i++;
    else return NOT_LITERALS;
    this.at = i;
    return VALUE;
  }
}

/** A string literal's content as text: its doubled quotes single. */
const stringText = (src: Buffer, start: number, end: number) =>
  src.toString("utf8", start, end).replaceAll("''", "'");

/**
 * The table, columns and literal rows of `INSERT INTO t (a, b) VALUES (…), (…)`, or undefined for any
 * other statement (quoted identifiers, expressions, casts, DEFAULT, E'' strings, backslashes in strings).
 */
export function parseLiteralInsert(sql: string): LiteralInsert | undefined {
  const head = insertHead(sql);
  if (head === undefined) return undefined;
  const src = Buffer.from(sql, "utf8");
  const reader = new ValuesReader(src, head.valuesAt, head.columns.length);
  const rows: Literal[][] = [];
  let row: Literal[] = [];
  for (;;) {
    const read = reader.next();
    if (read === NOT_LITERALS) return undefined;
    if (read === DONE) return { table: head.table, columns: head.columns, rows };
    if (read === ROW_END) {
      rows.push(row);
      row = [];
      continue;
    }
    const { kind, start, end } = reader;
    row.push(
      kind === STRING
        ? { kind: "string", text: stringText(src, start, end) }
        : kind === NUMBER
          ? { kind: "number", text: src.toString("latin1", start, end) }
          : kind === BOOL
            ? { kind: "bool", value: lower(src[start] as number) === 116 /* t */ }
            : { kind: "null" },
    );
  }
}

/** int2, int4, int8, numeric, float4, float8. */
const NUMERIC_TYPES = new Set([21, 23, 20, 1700, 700, 701]);
const BOOL_TYPE = 16;

/** Whether COPY reads a value of `kind` into a column of `type` as the INSERT does. */
function suits(kind: Kind, type: number): boolean {
  switch (kind) {
    case BOOL:
      return type === BOOL_TYPE;
    case NUMBER:
      return NUMERIC_TYPES.has(type);
    default:
      // Strings and NULL go through the column type's input function either way.
      return true;
  }
}

/** A value as a CSV field for a column of `type`, or undefined where COPY would read it differently. */
function csvField(kind: Kind, text: string, type: number): string | undefined {
  if (!suits(kind, type)) return undefined;
  switch (kind) {
    case NULL:
      return "";
    case BOOL:
    case NUMBER:
      return text;
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

/** Bytes written one after another into a buffer that grows as needed. */
class ByteWriter {
  bytes: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }
  /** Room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}

const TRUE_BYTES = Buffer.from("true");
const FALSE_BYTES = Buffer.from("false");

/**
 * Writes what `toCsv(parseLiteralInsert(sql))` gives, as UTF-8, read straight from the statement's bytes;
 * the rows written, or undefined where that would be undefined (`out` may then hold part of a statement).
 */
function writeCsv(
  sql: string,
  head: InsertHead,
  typeOf: ReadonlyMap<string, number>,
  out: ByteWriter,
): number | undefined {
  const types = columnTypes(head.columns, typeOf);
  if (types === undefined) return undefined;
  const src = Buffer.from(sql, "utf8");
  // A CSV field is never longer than its literal but for a string's double quotes, each written twice.
  out.reserve(2 * src.length);
  const bytes = out.bytes;
  const reader = new ValuesReader(src, head.valuesAt, types.length);
  let o = out.length;
  let rows = 0;
  for (;;) {
    const read = reader.next();
    if (read === NOT_LITERALS) return undefined;
    if (read === DONE) break;
    if (read === ROW_END) {
      bytes[o++] = 10; // \n
      rows++;
      continue;
    }
    const { kind, start, end, column } = reader;
    if (!suits(kind, types[column] as number)) return undefined;
    if (column > 0) bytes[o++] = 44; // ,
    if (kind === STRING) {
      bytes[o++] = DOUBLE_QUOTE;
      for (let k = start; k < end; k++) {
        const c = src[k] as number;
        bytes[o++] = c;
        if (c === DOUBLE_QUOTE) bytes[o++] = DOUBLE_QUOTE;
        // Inside a literal a quote comes doubled: one is the character.
        else if (c === QUOTE) k++;
      }
      bytes[o++] = DOUBLE_QUOTE;
    } else if (kind === NUMBER) {
      for (let k = start; k < end; k++) bytes[o++] = src[k] as number;
    } else if (kind === BOOL) {
      const word = lower(src[start] as number) === 116 /* t */ ? TRUE_BYTES : FALSE_BYTES;
      bytes.set(word, o);
      o += word.length;
    }
  }
  out.length = o;
  return rows;
}

/**
 * What `toCsv(parseLiteralInsert(sql))` gives, read straight from the statement's bytes: the loader's
 * statements hold ~5,000 values each, and an object per value cost more than writing the CSV.
 */
export function insertToCsv(
  sql: string,
  typeOf: ReadonlyMap<string, number>,
): { csv: string; rows: number } | undefined {
  const head = insertHead(sql);
  if (head === undefined) return undefined;
  const out = new ByteWriter(0);
  const rows = writeCsv(sql, head, typeOf, out);
  return rows === undefined
    ? undefined
    : { csv: Buffer.from(out.bytes.buffer, 0, out.length).toString("utf8"), rows };
}

/** Which table and columns a head inserts into, as one key: `table (a, b)`, also COPY's target. */
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
  let chars = 0;
  for (const sql of sqls) chars += sql.length;
  // Room for the CSV of statements in one-byte characters; a statement of wider ones grows it.
  const out = new ByteWriter(2 * chars);
  const rows: number[] = [];
  for (let k = 0; k < sqls.length; k++) {
    const read = writeCsv(sqls[k] as string, heads[k] as InsertHead, typeOf, out);
    if (read === undefined) return undefined;
    rows.push(read);
  }
  const csv = out.bytes.subarray(0, out.length);
  try {
    await backend.copyCsv(targetKey(first), csv, inTransaction);
    return rows;
  } catch {
    return undefined;
  }
}
