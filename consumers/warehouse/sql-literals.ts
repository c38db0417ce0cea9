// SQL literals for the loader's generated INSERTs (BatchExecuteStatement takes no parameters). Text is
// single-quoted with quotes doubled; a backslash is written as CHR(92), because Redshift and Postgres
// read backslashes in literals differently and CHR(92) means the same in both; NUL cannot be stored and
// is dropped.
export type Value = string | number | boolean | null;

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of them.
const NEEDS_ESCAPING = /['\\\u0000]/;

export function literal(v: Value): string {
  if (v === null) return "NULL";
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new RangeError(`cannot load non-finite number ${v}`);
    return String(v);
  }
  // Most text has nothing to escape: one scan to find that out instead of three rewrites.
  if (!NEEDS_ESCAPING.test(v)) return `'${v}'`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must go.
  const text = v.replace(/\u0000/g, "");
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return quoted.includes("\\") ? quoted.split("\\").join("' || CHR(92) || '") : quoted;
}
