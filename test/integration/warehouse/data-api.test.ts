import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  type DescribeStatementCommandOutput,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ListStatementsCommand,
  RedshiftDataClient,
} from "@aws-sdk/client-redshift-data";
import { expect } from "chai";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import { SdkDataApi } from "../../../consumers/warehouse/data-api";
import { StatementFailedError } from "../../../consumers/warehouse/errors";
import { type RedshiftDataServer, startRedshiftDataServer } from "../../../local/redshift-data/server";
import { TIME_AND_DECIMAL_FIELDS } from "../../fixtures/warehouse-rows";

describe("local Redshift Data API endpoint, through the real SDK v3 client", function () {
  this.timeout(60_000);
  let server: RedshiftDataServer;
  let client: RedshiftDataClient;
  const where = { WorkgroupName: "flightpulse-local", Database: "dev" };

  before(async () => {
    server = await startRedshiftDataServer({ pageSize: 50 });
    client = new RedshiftDataClient({
      ...clientOptions(localAwsConfig({ redshiftData: server.endpoint }), "redshiftData"),
      maxAttempts: 1,
    });
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  async function finished(id: string): Promise<DescribeStatementCommandOutput> {
    for (let i = 0; i < 200; i++) {
      const d = await client.send(new DescribeStatementCommand({ Id: id }));
      if (d.Status === "FINISHED" || d.Status === "FAILED" || d.Status === "ABORTED") return d;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`statement ${id} never finished`);
  }

  it("runs a batch in one transaction, with sub-statements described", async () => {
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        ...where,
        Sqls: [
          "CREATE TABLE flights (flight VARCHAR(32) NOT NULL ENCODE zstd, capacity INT, load DECIMAL(6,4), departs TIMESTAMP, ok BOOLEAN) DISTKEY(flight) SORTKEY(departs)",
          "INSERT INTO flights VALUES ('FH101:2026-12-01', 180, 0.5, '2026-12-01 10:30:00', true), ('FH102:2026-12-01', 220, NULL, '2026-12-01 12:00:00', false)",
        ],
      }),
    );
    const d = await finished(Id as string);
    expect(d.Status).to.equal("FINISHED");
    expect(d.SubStatements?.map((s) => [s.Id, s.Status, s.ResultRows])).to.deep.equal([
      [`${Id}:1`, "FINISHED", 0],
      [`${Id}:2`, "FINISHED", 2],
    ]);
    expect(d.Duration).to.be.a("number").and.greaterThan(0);
    expect(d.CreatedAt).to.be.instanceOf(Date);
  });

  it("executes with named parameters and returns typed fields and column metadata", async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        ...where,
        Sql: "SELECT flight, capacity, load, departs, ok FROM flights WHERE capacity >= :min::int ORDER BY flight",
        Parameters: [{ name: "min", value: "100" }],
      }),
    );
    const d = await finished(Id as string);
    expect(d).to.include({ Status: "FINISHED", HasResultSet: true, ResultRows: 2 });
    const r = await client.send(new GetStatementResultCommand({ Id }));
    expect(r.ColumnMetadata?.map((c) => [c.name, c.typeName])).to.deep.equal([
      ["flight", "varchar"],
      ["capacity", "int4"],
      ["load", "numeric"],
      ["departs", "timestamp"],
      ["ok", "bool"],
    ]);
    expect(r.Records?.[0]).to.deep.equal([
      { stringValue: "FH101:2026-12-01" },
      { longValue: 180 },
      { stringValue: "0.5000" },
      { stringValue: "2026-12-01 10:30:00" },
      { booleanValue: true },
    ]);
    expect(r.Records?.[1]?.[2]).to.deep.equal({ isNull: true });
    expect(r.TotalNumRows).to.equal(2);
  });

  it("pages large results with NextToken", async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({ ...where, Sql: "SELECT g AS n FROM generate_series(1, 120) g" }),
    );
    await finished(Id as string);
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await client.send(new GetStatementResultCommand({ Id, NextToken: token }));
      seen.push(...(r.Records ?? []).map((row) => Number((row[0] as { longValue: number }).longValue)));
      token = r.NextToken;
      pages++;
    } while (token !== undefined);
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it("reports a failed statement with Redshift's error, and rolls the whole batch back", async () => {
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        ...where,
        Sqls: ["INSERT INTO flights (flight) VALUES ('FH999:2026-12-01')", "SELECT * FROM no_such_table"],
      }),
    );
    const d = await finished(Id as string);
    expect(d.Status).to.equal("FAILED");
    expect(d.Error).to.match(/^ERROR: relation "no_such_table" does not exist/);
    expect(d.SubStatements?.map((s) => s.Status)).to.deep.equal(["FINISHED", "FAILED"]);
    const count = await server.backend.query("SELECT count(*)::int AS n FROM flights");
    expect(count.rows[0]).to.deep.equal([2]);
  });

  it("loads a batch's INSERTs of literals as Postgres reads them, a table re-created mid-batch included", async () => {
    const { Id } = await client.send(
      new BatchExecuteStatementCommand({
        ...where,
        Sqls: [
          "CREATE TABLE retyped (a INT, b VARCHAR(8))",
          "INSERT INTO retyped (a, b) VALUES (1, 'x'), (2, 'it''s')",
          "DROP TABLE retyped",
          "CREATE TABLE retyped (a BOOLEAN, b VARCHAR(8))",
          // COPY would read 1 as true; the INSERT refuses an integer for a BOOLEAN, and so must this.
          "INSERT INTO retyped (a, b) VALUES (1, 'y')",
        ],
      }),
    );
    const d = await finished(Id as string);
    expect(d.Status).to.equal("FAILED");
    expect(d.SubStatements?.map((s) => [s.Status, s.ResultRows])).to.deep.equal([
      ["FINISHED", 0],
      ["FINISHED", 2],
      ["FINISHED", 0],
      ["FINISHED", 0],
      ["FAILED", -1],
    ]);
    expect(d.Error).to.match(/column "a" is of type boolean but expression is of type integer/);
  });

  it("loads a batch's consecutive INSERTs into one table at once, each sub-statement with its own rows and errors", async () => {
    await server.backend.query("CREATE TABLE runs (a INT, b VARCHAR(8))");
    const copyCsv = server.backend.copyCsv!;
    let copies = 0;
    server.backend.copyCsv = (target, csv, savepoint) => {
      copies++;
      return copyCsv(target, csv, savepoint);
    };
    try {
      const load = async (third: string) => {
        copies = 0;
        const { Id } = await client.send(
          new BatchExecuteStatementCommand({
            ...where,
            Sqls: [
              "DELETE FROM runs",
              "INSERT INTO runs (a, b) VALUES (1, 'x'), (2, 'y')",
              "insert into RUNS (a,  b) values (3, 'z')",
              `INSERT INTO runs (a, b) VALUES ${third}`,
            ],
          }),
        );
        const d = await finished(Id as string);
        const rows = (await server.backend.query("SELECT a, b FROM runs ORDER BY a")).rows;
        return { d, rows, copies };
      };
      const loaded = await load("(4, 'w'), (5, 'v'), (6, 'u')");
      expect(loaded.d.Status).to.equal("FINISHED");
      expect(loaded.d.SubStatements?.map((s) => [s.Status, s.ResultRows])).to.deep.equal([
        ["FINISHED", 0],
        ["FINISHED", 2],
        ["FINISHED", 1],
        ["FINISHED", 3],
      ]);
      expect(loaded.copies, "the three INSERTs in one load").to.equal(1);
      expect(loaded.rows).to.deep.equal([
        [1, "x"],
        [2, "y"],
        [3, "z"],
        [4, "w"],
        [5, "v"],
        [6, "u"],
      ]);
      // Too long for VARCHAR(8) in the third: its own error, on its own sub-statement, nothing loaded.
      const refused = await load("(4, 'w'), (5, 'ninechars')");
      expect(refused.d.Status).to.equal("FAILED");
      expect(refused.d.SubStatements?.map((s) => [s.Status, s.ResultRows])).to.deep.equal([
        ["FINISHED", 6],
        ["FINISHED", 2],
        ["FINISHED", 1],
        ["FAILED", -1],
      ]);
      expect(refused.d.Error).to.match(/value too long for type character varying\(8\) \(sub-statement 4\)$/);
      expect(refused.rows, "the batch rolled back").to.deep.equal(loaded.rows);
    } finally {
      server.backend.copyCsv = copyCsv;
    }
  });

  it("returns results by position, like Redshift: two columns with one name stay two", async () => {
    // Prepare: two flights on one route and one on another, so the two counts differ.
    await server.backend.query("CREATE TABLE legs (flight VARCHAR(32), route VARCHAR(7))");
    await server.backend.query(
      "INSERT INTO legs VALUES ('FH1:2026-12-01', 'LHR-JFK'), ('FH2:2026-12-01', 'LHR-JFK'), ('FH3:2026-12-01', 'LHR-DXB')",
    );
    // Act
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        ...where,
        Sql: "SELECT count(*), count(DISTINCT route), 'x' AS count FROM legs",
      }),
    );
    await finished(Id as string);
    const r = await client.send(new GetStatementResultCommand({ Id }));
    // Assess
    expect(r.ColumnMetadata?.map((c) => c.name)).to.deep.equal(["count", "count", "count"]);
    expect(r.Records?.[0]).to.deep.equal([{ longValue: 3 }, { longValue: 2 }, { stringValue: "x" }]);
  });

  it("returns DATE, TIMESTAMP, TIMESTAMPTZ and DECIMAL in the database's text form, microseconds kept", async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({ ...where, Sql: TIME_AND_DECIMAL_FIELDS.sql }),
    );
    await finished(Id as string);
    const r = await client.send(new GetStatementResultCommand({ Id }));
    expect(r.ColumnMetadata?.map((c) => c.typeName)).to.deep.equal([
      "timestamp",
      "timestamp",
      "timestamptz",
      "date",
      "numeric",
      "timestamp",
    ]);
    expect(r.Records?.[0]).to.deep.equal(TIME_AND_DECIMAL_FIELDS.fields);
  });

  it("refuses what Redshift refuses: ON CONFLICT, RETURNING, MERGE from a subquery", async () => {
    for (const sql of [
      "INSERT INTO flights (flight) VALUES ('x') ON CONFLICT DO NOTHING",
      "INSERT INTO flights (flight) VALUES ('x') RETURNING flight",
      "MERGE INTO flights USING (SELECT 'x' AS flight) s ON flights.flight = s.flight WHEN MATCHED THEN DELETE",
    ]) {
      const { Id } = await client.send(new ExecuteStatementCommand({ ...where, Sql: sql }));
      const d = await finished(Id as string);
      expect(d.Status, sql).to.equal("FAILED");
      expect(d.Error, sql).to.include("Redshift");
    }
  });

  it("enforces the 100 KB statement and 40-statement batch limits", async () => {
    const big = `SELECT '${"x".repeat(100 * 1024)}'`;
    const tooBig = await client
      .send(new ExecuteStatementCommand({ ...where, Sql: big }))
      .catch((e: Error) => e);
    expect((tooBig as Error).name).to.equal("ValidationException");
    expect((tooBig as Error).message).to.include("larger than 100kB");
    const many = await client
      .send(
        new BatchExecuteStatementCommand({ ...where, Sqls: Array.from({ length: 41 }, () => "SELECT 1") }),
      )
      .catch((e: Error) => e);
    expect((many as Error).name).to.equal("ValidationException");
    expect((many as Error).message).to.include("less than or equal to 40");
    const forty = await client.send(
      new BatchExecuteStatementCommand({ ...where, Sqls: Array.from({ length: 40 }, () => "SELECT 1") }),
    );
    expect((await finished(forty.Id as string)).Status).to.equal("FINISHED");
  });

  it("answers AWS-shaped errors: unknown ids, missing workgroup", async () => {
    const missing = await client
      .send(new DescribeStatementCommand({ Id: "6f1f3f1e-0000-4000-8000-000000000000" }))
      .catch((e: Error) => e);
    expect((missing as Error).name).to.equal("ResourceNotFoundException");
    const noTarget = await client
      .send(new ExecuteStatementCommand({ Database: "dev", Sql: "SELECT 1" }))
      .catch((e: Error) => e);
    expect((noTarget as Error).name).to.equal("ValidationException");
  });

  it("cancels a queued statement and lists statements, newest first, with paging", async () => {
    // A long statement occupies the single connection, so the next one is still queued when cancelled.
    const slow = await client.send(
      new ExecuteStatementCommand({
        ...where,
        Sql: "SELECT count(*) FROM generate_series(1, 3000000)",
        StatementName: "slow",
      }),
    );
    const queued = await client.send(
      new ExecuteStatementCommand({ ...where, Sql: "SELECT 2", StatementName: "queued" }),
    );
    const cancel = await client.send(new CancelStatementCommand({ Id: queued.Id }));
    expect(cancel.Status).to.equal(true);
    expect((await finished(queued.Id as string)).Status).to.equal("ABORTED");
    await finished(slow.Id as string);
    const late = await client.send(new CancelStatementCommand({ Id: slow.Id })).catch((e: Error) => e);
    expect((late as Error).name).to.equal("ValidationException");
    const page1 = await client.send(new ListStatementsCommand({ MaxResults: 2 }));
    expect(page1.Statements?.map((s) => s.StatementName)).to.deep.equal(["queued", "slow"]);
    expect(page1.NextToken).to.be.a("string");
    const aborted = await client.send(new ListStatementsCommand({ Status: "ABORTED" }));
    expect(aborted.Statements?.map((s) => s.Id)).to.deep.equal([queued.Id]);
  });

  it("waits for a statement when asked (WaitTimeSeconds, at most 30): the answer carries its status", async () => {
    const waited = await client.send(
      new BatchExecuteStatementCommand({ ...where, Sqls: ["SELECT 1", "SELECT 2"], WaitTimeSeconds: 10 }),
    );
    expect([waited.Status, waited.HasResultSet]).to.deep.equal(["FINISHED", true]);
    const ddl = await client.send(
      new ExecuteStatementCommand({ ...where, Sql: "CREATE TABLE waited (n INT)", WaitTimeSeconds: 10 }),
    );
    expect([ddl.Status, ddl.HasResultSet]).to.deep.equal(["FINISHED", false]);
    // Unasked, the answer comes before the statement has run: it waits for pglite in another thread.
    const slow = await client.send(
      new ExecuteStatementCommand({ ...where, Sql: "SELECT count(*) FROM generate_series(1, 2000000)" }),
    );
    expect(slow.Status).to.be.oneOf(["SUBMITTED", "PICKED", "STARTED"]);
    const described = await client.send(new DescribeStatementCommand({ Id: slow.Id, WaitTimeSeconds: 20 }));
    expect(described.Status).to.equal("FINISHED");
    expect(described.ResultRows).to.equal(1);
    const tooLong = await client
      .send(
        new ExecuteStatementCommand({ ...where, Sql: "CREATE TABLE never_run (n INT)", WaitTimeSeconds: 31 }),
      )
      .catch((e: Error) => e);
    expect((tooLong as Error).name).to.equal("ValidationException");
    expect((tooLong as Error).message).to.include("waitTimeSeconds");
    // Refused before it was submitted: a statement queued after it finds no such table.
    const after = await client.send(
      new ExecuteStatementCommand({
        ...where,
        Sql: "SELECT to_regclass('never_run') IS NULL",
        WaitTimeSeconds: 10,
      }),
    );
    const never = await client.send(new GetStatementResultCommand({ Id: after.Id }));
    expect(never.Records?.[0]?.[0]?.booleanValue).to.equal(true);
  });

  it("keeps the newest ended statements up to its retention, forgetting the oldest (each holds its SQL)", async () => {
    const small = await startRedshiftDataServer({ backend: server.backend, retainStatements: 2 });
    const c = new RedshiftDataClient({
      ...clientOptions(localAwsConfig({ redshiftData: small.endpoint }), "redshiftData"),
      maxAttempts: 1,
    });
    try {
      const ids: string[] = [];
      for (let i = 1; i <= 4; i++)
        ids.push(
          (await c.send(new ExecuteStatementCommand({ ...where, Sql: `SELECT ${i}`, WaitTimeSeconds: 10 })))
            .Id as string,
        );
      const listed = await c.send(new ListStatementsCommand({}));
      expect(listed.Statements?.map((s) => s.Id)).to.deep.equal([ids[3], ids[2]]);
      const forgotten = await c.send(new DescribeStatementCommand({ Id: ids[0] })).catch((e: Error) => e);
      expect((forgotten as Error).name).to.equal("ResourceNotFoundException");
      const newest = await c.send(new DescribeStatementCommand({ Id: ids[3] }));
      expect([newest.Status, newest.RedshiftQueryId]).to.deep.equal(["FINISHED", 4]);
    } finally {
      c.destroy();
      await small.stop();
    }
  });

  describe("SdkDataApi", () => {
    /** The Data API operations the client sent, in order. */
    function counted(): { client: RedshiftDataClient; sent: string[] } {
      const sent: string[] = [];
      const c = new RedshiftDataClient({
        ...clientOptions(localAwsConfig({ redshiftData: server.endpoint }), "redshiftData"),
        maxAttempts: 1,
      });
      c.middlewareStack.add(
        (next, context) => (args) => {
          sent.push(String(context.commandName).replace(/Command$/, ""));
          return next(args);
        },
        { step: "initialize" },
      );
      return { client: c, sent };
    }
    const target = { database: "dev", workgroupName: "flightpulse-local" };

    it("runs a batch that ends within the request's wait with no DescribeStatement (a describe answers the whole SQL)", async () => {
      const { client: c, sent } = counted();
      try {
        const api = new SdkDataApi(c, target);
        await api.batch(["CREATE TABLE sdk_waited (n INT)", "INSERT INTO sdk_waited VALUES (1), (2)"]);
        expect(sent).to.deep.equal(["BatchExecuteStatement"]);
        expect(await api.query("SELECT sum(n) AS total FROM sdk_waited")).to.deep.equal([{ total: 3 }]);
        expect(sent).to.deep.equal(["BatchExecuteStatement", "ExecuteStatement", "GetStatementResult"]);
      } finally {
        c.destroy();
      }
    });

    it("describes a failed batch for its error, and polls when told not to wait", async () => {
      const { client: c, sent } = counted();
      try {
        const failed = await new SdkDataApi(c, target)
          .batch(["SELECT * FROM sdk_no_such_table"])
          .catch((e: unknown) => e);
        expect(failed).to.be.instanceOf(StatementFailedError);
        expect((failed as Error).message).to.include('relation "sdk_no_such_table" does not exist');
        expect(sent).to.deep.equal(["BatchExecuteStatement", "DescribeStatement"]);
        sent.length = 0;
        await new SdkDataApi(c, target, { waitTimeSeconds: 0, sleep: async () => {} }).batch([
          "SELECT count(*) FROM generate_series(1, 500000)",
        ]);
        expect(sent[0]).to.equal("BatchExecuteStatement");
        expect(sent.slice(1)).to.include("DescribeStatement");
      } finally {
        c.destroy();
      }
    });

    it("refuses a wait the Data API refuses", () => {
      for (const waitTimeSeconds of [31, -1, 1.5])
        expect(() => new SdkDataApi(client, target, { waitTimeSeconds })).to.throw(
          RangeError,
          /waitTimeSeconds must be a whole number of seconds from 0 to 30/,
        );
    });
  });
});
