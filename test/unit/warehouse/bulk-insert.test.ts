import { expect } from "chai";
import {
  insertToCsv,
  type LiteralInsert,
  parseLiteralInsert,
  toCsv,
} from "../../../local/redshift-data/bulk-insert";

describe("the local warehouse's COPY fast path: which INSERTs it reads", () => {
  it("reads a multi-row INSERT of literals: quotes doubled, newlines, numbers, NULL and booleans", () => {
    const parsed = parseLiteralInsert(
      "INSERT INTO Stage_X (a, B, c, d)  VALUES ('it''s', -12.50, NULL, true),\n('two\nlines', 1e3, 'NULL', FALSE);",
    );
    expect(parsed).to.deep.equal({
      table: "stage_x",
      columns: ["a", "b", "c", "d"],
      rows: [
        [
          { kind: "string", text: "it's" },
          { kind: "number", text: "-12.50" },
          { kind: "null" },
          { kind: "bool", value: true },
        ],
        [
          { kind: "string", text: "two\nlines" },
          { kind: "number", text: "1e3" },
          { kind: "string", text: "NULL" },
          { kind: "bool", value: false },
        ],
      ],
    });
  });

  it("leaves every other statement to the INSERT path", () => {
    for (const sql of [
      "INSERT INTO t VALUES ('a')", // no column list
      "INSERT INTO t (a) VALUES ('x' || CHR(92) || 'y')", // how the loader writes a backslash
      "INSERT INTO t (a) VALUES ('1'::int)",
      "INSERT INTO t (a) VALUES (DEFAULT)",
      "INSERT INTO t (a) VALUES (E'x')",
      "INSERT INTO t (a) VALUES ('back\\slash')",
      "INSERT INTO t (a, b) VALUES ('x')", // one value for two columns
      "INSERT INTO t (a) VALUES ('x') RETURNING a",
      'INSERT INTO "T" (a) VALUES (1)',
      "INSERT INTO t (a) SELECT 1",
      "INSERT INTO t (a) VALUES (1x)",
      "INSERT INTO t (a) VALUES (NULLIF('a', 'b'))",
      "INSERT INTO t (a) VALUES ('unterminated)",
      "INSERT INTO t (a) VALUES (1.)", // numbers Postgres reads but the fast path does not
      "INSERT INTO t (a) VALUES (1.x)",
      "INSERT INTO t (a) VALUES (1e)",
      "INSERT INTO t (a) VALUES (-)",
      "INSERT INTO t (a) VALUES (1.5.2)",
      "DELETE FROM t",
    ])
      expect(parseLiteralInsert(sql), sql).to.equal(undefined);
  });

  it("reads numbers and spaces as SQL writes them: signs, fractions, exponents, tabs and newlines", () => {
    const parsed = parseLiteralInsert("INSERT INTO t (a, b, c, d)\tVALUES\r\n(\t-0.25 , 2E-3, 7e+2\n,  42)");
    expect(parsed?.rows).to.deep.equal([
      [
        { kind: "number", text: "-0.25" },
        { kind: "number", text: "2E-3" },
        { kind: "number", text: "7e+2" },
        { kind: "number", text: "42" },
      ],
    ]);
    // Other spaces (form feed, vertical tab, no-break space) are the database's to judge.
    for (const space of ["\f", "\v", "\u00a0"]) {
      expect(parseLiteralInsert(`INSERT INTO t (a) VALUES (${space}1)`), JSON.stringify(space)).to.equal(
        undefined,
      );
      expect(parseLiteralInsert(`INSERT INTO t (a)${space}VALUES (1)`), JSON.stringify(space)).to.equal(
        undefined,
      );
    }
  });

  it("writes CSV only where each value suits its column as the INSERT would read it", () => {
    const insert = parseLiteralInsert(
      `INSERT INTO t (s, n, b) VALUES ('say "hi"', 2, TRUE), ('', NULL, NULL)`,
    )!;
    const types = new Map([
      ["s", 1043], // varchar
      ["n", 21], // smallint
      ["b", 16], // boolean
    ]);
    // An empty string stays a quoted empty string; NULL is the unquoted empty field.
    expect(toCsv(insert, types)).to.equal('"say ""hi""",2,true\n"",,\n');
    // A number into a text column (the INSERT casts 2 to '2'; COPY would read the literal's own spelling),
    // a boolean into a number column, a column the table lacks: the INSERT decides.
    expect(toCsv(insert, new Map([...types, ["s", 1043], ["n", 1043]]))).to.equal(undefined);
    expect(toCsv(insert, new Map([...types, ["b", 23]]))).to.equal(undefined);
    expect(toCsv(insert, new Map([["s", 1043]]))).to.equal(undefined);
  });

  it("copies characters of every width byte for byte, quotes of both kinds as CSV writes them", () => {
    // Two-, three- and four-byte UTF-8 (ü, 東, an emoji), next to doubled single quotes and double quotes.
    const sql = `INSERT INTO t (a, b) VALUES ('Zürich – 東京 ✈️🛫', 1), ('it''s "ü"''', NULL), ('''', -2.5)`;
    const types = new Map([
      ["a", 1043], // varchar
      ["b", 1700], // numeric
    ]);
    const expected = `"Zürich – 東京 ✈️🛫",1\n"it's ""ü""'",\n"'",-2.5\n`;
    expect(insertToCsv(sql, types)).to.deep.equal({ csv: expected, rows: 3 });
    expect(toCsv(parseLiteralInsert(sql) as LiteralInsert, types)).to.equal(expected);
    expect(parseLiteralInsert(sql)?.rows.map((row) => row[0])).to.deep.equal([
      { kind: "string", text: "Zürich – 東京 ✈️🛫" },
      { kind: "string", text: `it's "ü"'` },
      { kind: "string", text: "'" },
    ]);
    // A backslash after a multi-byte character is still seen: the INSERT decides what it means.
    expect(insertToCsv(String.raw`INSERT INTO t (a, b) VALUES ('東\n', 1)`, types)).to.equal(undefined);
  });

  it("reads a statement straight into CSV exactly as parsing it and writing the parse as CSV does", () => {
    const types = new Map([
      ["a", 1043], // varchar
      ["b", 1700], // numeric
      ["c", 16], // boolean
      ["d", 1114], // timestamp
    ]);
    // Values of every kind, in every column: each suits some columns and not others.
    const values = [
      "'x'",
      "'it''s'",
      "'say \"hi\"'",
      "''",
      "'a\\b'",
      "-1.5",
      "2e3",
      "7",
      "NULL",
      "true",
      "FALSE",
      "1.",
      "DEFAULT",
    ];
    let seed = 7;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return xs[seed % xs.length] as T;
    };
    const statements = [
      "INSERT INTO t (a) VALUES ('x'), ('y');",
      "INSERT INTO t (a, b) VALUES ('x')",
      "INSERT INTO t (a) VALUES ('x') RETURNING a",
      "INSERT INTO t (e) VALUES ('x')",
      "DELETE FROM t",
    ];
    for (let n = 0; n < 400; n++) {
      const columns = ["a", "b", "c", "d"].slice(0, 1 + (n % 4));
      const rows = Array.from(
        { length: 1 + (n % 3) },
        () => `(${columns.map(() => pick(values)).join(pick([", ", ",", " ,\n"]))})`,
      );
      statements.push(`INSERT INTO t (${columns.join(", ")}) VALUES ${rows.join(", ")}`);
    }
    let read = 0;
    for (const sql of statements) {
      const parsed = parseLiteralInsert(sql);
      const csv = parsed === undefined ? undefined : toCsv(parsed, types);
      const direct = insertToCsv(sql, types);
      expect(direct?.csv, sql).to.equal(csv);
      if (csv !== undefined) {
        expect(direct?.rows, sql).to.equal(parsed?.rows.length);
        read++;
      }
    }
    // Both outcomes well represented: statements read into CSV and statements left to the INSERT.
    expect(read).to.be.within(40, statements.length - 40);
  });
});
