import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "chai";
import {
  bindNamed,
  RedshiftDialectError,
  splitStatements,
  toPostgres,
} from "../../../local/redshift-data/dialect";

describe("Redshift dialect on Postgres", () => {
  it("strips physical clauses and says which", () => {
    const t = toPostgres(
      "CREATE TABLE t (a INT ENCODE az64, b VARCHAR(MAX) ENCODE zstd) DISTKEY (a) COMPOUND SORTKEY (a, b)",
    );
    expect(t.sql.replace(/\s+/g, " ").trim()).to.equal("CREATE TABLE t (a INT , b VARCHAR(65535) )");
    expect(t.stripped).to.deep.equal([
      "DISTKEY (a)",
      "COMPOUND SORTKEY (a, b)",
      "ENCODE az64",
      "ENCODE zstd",
    ]);
    expect(toPostgres("CREATE TABLE x (a INT) DISTSTYLE ALL SORTKEY AUTO").sql.trim()).to.equal(
      "CREATE TABLE x (a INT)",
    );
    expect(toPostgres("SELECT GETDATE()").sql).to.equal("SELECT LOCALTIMESTAMP");
  });

  it("creates permanent tables UNLOGGED when told (a database in memory), and nothing else", () => {
    const unlogged = (sql: string) => toPostgres(sql, { unlogged: true }).sql;
    expect(unlogged("CREATE TABLE IF NOT EXISTS t (a INT) DISTKEY (a)").trim()).to.equal(
      "CREATE UNLOGGED TABLE IF NOT EXISTS t (a INT)",
    );
    expect(unlogged("-- routes\n/* one */ create table r (a INT)")).to.equal(
      "-- routes\n/* one */ create UNLOGGED table r (a INT)",
    );
    for (const sql of [
      "CREATE TEMP TABLE s (LIKE t)",
      "CREATE VIEW v AS SELECT 'CREATE TABLE x' AS a",
      "INSERT INTO t VALUES ('CREATE TABLE x')",
      "-- CREATE TABLE x\nSELECT 1",
    ])
      expect(unlogged(sql), sql).to.equal(sql);
    expect(toPostgres("CREATE TABLE t (a INT)").sql).to.equal("CREATE TABLE t (a INT)");
  });

  it("never rewrites inside string literals or comments", () => {
    const sql =
      "INSERT INTO r VALUES ('DISTKEY(x) ENCODE zstd GETDATE() ON CONFLICT RETURNING') -- SORTKEY(y)";
    expect(toPostgres(sql).sql).to.equal(sql);
  });

  for (const [name, sql] of [
    ["ON CONFLICT", "INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING"],
    ["RETURNING", "DELETE FROM t RETURNING a"],
    ["MERGE from a subquery", "MERGE INTO t USING (SELECT 1 AS a) s ON t.a = s.a WHEN MATCHED THEN DELETE"],
    ["CREATE INDEX", "CREATE INDEX i ON t (a)"],
    ["JSONB", "CREATE TABLE j (a JSONB)"],
  ]) {
    it(`refuses ${name}, as Redshift would`, () => {
      expect(() => toPostgres(sql as string)).to.throw(RedshiftDialectError);
    });
  }

  it("accepts MERGE from a table", () => {
    const sql =
      "MERGE INTO t USING stage_t ON t.a = stage_t.a WHEN MATCHED THEN UPDATE SET b = stage_t.b WHEN NOT MATCHED THEN INSERT (a, b) VALUES (stage_t.a, stage_t.b)";
    expect(toPostgres(sql).sql).to.equal(sql);
  });

  it("binds :named parameters, leaving casts and literals alone", () => {
    const b = bindNamed(
      "SELECT :a::int, ':b', :a, :c",
      new Map([
        ["a", "1"],
        ["c", "x"],
      ]),
    );
    expect(b).to.deep.equal({ sql: "SELECT $1::int, ':b', $1, $2", values: ["1", "x"] });
    expect(() => bindNamed("SELECT :missing", new Map())).to.throw("missing");
  });

  it("splits scripts on top-level semicolons only", () => {
    expect(splitStatements("SELECT 'a;b'; -- c;\nSELECT 2;/* ; */ SELECT \"x;\"")).to.deep.equal([
      "SELECT 'a;b'",
      "SELECT 2",
      'SELECT "x;"',
    ]);
  });

  it("translates every migration in sql/redshift", () => {
    const dir = path.join(__dirname, "..", "..", "..", "sql", "redshift");
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".sql"));
    expect(files.length).to.be.at.least(7);
    for (const f of files) {
      for (const st of splitStatements(fs.readFileSync(path.join(dir, f), "utf8")))
        expect(() => toPostgres(st), f).not.to.throw();
    }
  });
});
