import { expect } from "chai";
import { startPostgresServer } from "../../../local/emulators/postgres-server";
import { copyLiteralInsert, copyLiteralInserts } from "../../../local/redshift-data/bulk-insert";
import { pgliteBackend, postgresBackend, type SqlBackend } from "../../../local/redshift-data/sql-backend";

// pglite reads COPY's data from a blob it is handed; a real server (Debian's PostgreSQL, by URL) from STDIN
// over the wire protocol. Both must load what the INSERT loads, or give up COPY for the INSERT.
type TestBackend = SqlBackend & { stopServer?(): Promise<void> };
const backends: readonly { name: string; start(): Promise<TestBackend> }[] = [
  { name: "pglite", start: () => pgliteBackend() },
  {
    name: "a PostgreSQL server",
    async start() {
      const server = await startPostgresServer();
      return Object.assign(await postgresBackend(server.url), { stopServer: () => server.stop() });
    },
  },
];

for (const backend of backends)
  describe(`the local warehouse's COPY fast path on ${backend.name}: the INSERT's rows and errors, faster`, function () {
    this.timeout(60_000);
    let db: TestBackend;
    const columns =
      "(id INT NOT NULL, name VARCHAR(8), code CHAR(3), amount DECIMAL(6,2), seats SMALLINT, day DATE, at TIMESTAMP, ok BOOLEAN)";
    const rowsOf = async (table: string) => (await db.query(`SELECT * FROM ${table} ORDER BY id`)).rows;

    before(async () => {
      db = await backend.start();
    });
    after(async () => {
      await db?.close();
      await db?.stopServer?.();
    });

    /** Runs `values` into table `fast` through COPY where taken, into `slow` as the INSERT; both outcomes. */
    async function both(values: string, inTransaction: boolean) {
      for (const t of ["fast", "slow"]) {
        await db.query(`DROP TABLE IF EXISTS ${t}`);
        await db.query(`CREATE TABLE ${t} ${columns}`);
      }
      const insert = (t: string) =>
        `INSERT INTO ${t} (id, name, code, amount, seats, day, at, ok) VALUES ${values}`;
      const run = async (t: string, fast: boolean) => {
        if (inTransaction) await db.query("BEGIN");
        try {
          const copied = fast ? await copyLiteralInsert(db, insert(t), inTransaction) : undefined;
          const affected = copied ?? (await db.query(insert(t))).affectedRows;
          // The transaction must still be usable after a COPY given up.
          if (inTransaction) await db.query("COMMIT");
          return { copied, affected };
        } catch (e) {
          if (inTransaction) await db.query("ROLLBACK");
          return { error: (e as Error).message };
        }
      };
      const fast = await run("fast", true);
      const slow = await run("slow", false);
      return { fast, slow, fastRows: await rowsOf("fast"), slowRows: await rowsOf("slow") };
    }

    for (const inTransaction of [false, true]) {
      const how = inTransaction ? "in a transaction" : "on its own";
      it(`loads the same rows as the INSERT, ${how}`, async () => {
        const r = await both(
          `(1, 'it''s', 'GBP', 12.345, 2, '2026-12-20', '2026-12-03 06:00:00.123', TRUE),
         (2, '', NULL, -0.5, NULL, '2026-01-01', NULL, false),
         (3, 'a "q"', 'US', 1e2, 7, '2026-02-28', '2026-02-28 23:59:59', NULL),
         (4, 'two
line', 'EUR', 0, 0, '2026-03-01', '2026-03-01 00:00:00', 'true')`,
          inTransaction,
        );
        expect(r.fast.copied, "taken by COPY").to.equal(4);
        expect(r.slow.affected).to.equal(4);
        expect(r.fastRows).to.deep.equal(r.slowRows);
        expect(r.fastRows.map((row) => row[3])).to.deep.equal(["12.35", "-0.50", "100.00", "0.00"]);
      });

      it(`loads characters of every width as the INSERT does, ${how}`, async () => {
        const r = await both(
          `(1, 'Zürich', '東京', 1, 1, '2026-12-20', NULL, TRUE),
         (2, '✈️🛫''"', 'ü', 2, 2, '2026-12-21', NULL, FALSE)`,
          inTransaction,
        );
        expect(r.fast.copied, "taken by COPY").to.equal(2);
        expect(r.fastRows).to.deep.equal(r.slowRows);
        expect(r.fastRows.map((row) => [row[1], row[2]])).to.deep.equal([
          ["Zürich", "東京 "],
          [`✈️🛫'"`, "ü  "],
        ]);
      });

      it(`gives up COPY where it would read a value differently, and the INSERT decides, ${how}`, async () => {
        // 2.5 into SMALLINT: the INSERT rounds it, COPY refuses it; the INSERT path then runs.
        const rounded = await both(`(1, 'x', 'GBP', 1, 2.5, '2026-12-20', NULL, NULL)`, inTransaction);
        expect(rounded.fast.copied).to.equal(undefined);
        expect(rounded.fast.affected).to.equal(1);
        expect(rounded.fastRows).to.deep.equal(rounded.slowRows);
        expect(rounded.fastRows[0]?.[4]).to.equal(3);
        // A number into a boolean column: the INSERT refuses it (COPY would read 1 as true), both fail alike.
        const refused = await both(`(1, 'x', 'GBP', 1, 1, '2026-12-20', NULL, 1)`, inTransaction);
        expect(refused.fast).to.deep.equal(refused.slow);
        expect(refused.fast.error).to.match(/column "ok" is of type boolean/);
        // Too long for VARCHAR(8): the same error either way, nothing loaded.
        const tooLong = await both(`(1, 'ninechars', 'GBP', 1, 1, '2026-12-20', NULL, NULL)`, inTransaction);
        expect(tooLong.fast).to.deep.equal(tooLong.slow);
        expect(tooLong.fast.error).to.match(/value too long for type character varying\(8\)/);
        expect(tooLong.fastRows).to.deep.equal([]);
      });
    }

    it("loads consecutive INSERTs into one table's same columns as one COPY, and leaves any mix to the INSERTs", async () => {
      await db.query("DROP TABLE IF EXISTS many");
      await db.query("CREATE TABLE many (id INT, name VARCHAR(8))");
      await db.query("DROP TABLE IF EXISTS other");
      await db.query("CREATE TABLE other (id INT, name VARCHAR(8))");
      const rowsLoaded = await copyLiteralInserts(
        db,
        [
          "INSERT INTO many (id, name) VALUES (1, 'a'), (2, 'b')",
          "INSERT INTO many (id, name) VALUES (3, 'c')",
        ],
        false,
      );
      expect(rowsLoaded, "each statement's rows").to.deep.equal([2, 1]);
      expect(await rowsOf("many")).to.deep.equal([
        [1, "a"],
        [2, "b"],
        [3, "c"],
      ]);
      for (const mixed of [
        ["INSERT INTO many (id, name) VALUES (4, 'd')", "INSERT INTO other (id, name) VALUES (5, 'e')"],
        ["INSERT INTO many (id, name) VALUES (4, 'd')", "INSERT INTO many (name, id) VALUES ('e', 5)"],
        [
          "INSERT INTO many (id, name) VALUES (4, 'd')",
          "INSERT INTO many (id, name) VALUES (5, 'ninechars')",
        ],
        ["INSERT INTO many (id, name) VALUES (4, 'd')", "DELETE FROM many"],
      ])
        expect(await copyLiteralInserts(db, mixed, false), mixed.join("; ")).to.equal(undefined);
      expect(await rowsOf("many"), "nothing changed by any of them").to.have.length(3);
      expect(await rowsOf("other")).to.deep.equal([]);
    });

    it("leaves a table it cannot see to the INSERT (and its error)", async () => {
      expect(await copyLiteralInsert(db, "INSERT INTO missing (a) VALUES (1)", false)).to.equal(undefined);
    });
  });
