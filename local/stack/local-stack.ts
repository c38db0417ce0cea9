// The local stack behind `npm start`: Kinesis and DynamoDB emulators, the SNS endpoint, and the streams,
// tables and topics the Pulumi stacks would create, all on 127.0.0.1 where the service allows. Endpoints
// and PIDs go to .flightpulse/local.json so other tools (simulate, replay, tests) can find them.
import * as fs from "node:fs";
import * as path from "node:path";
import { LOCAL_STACK, type ResourceNames, resourceNames } from "../../analytics/resource-names";
import { type AwsService, createAwsClients, localAwsConfig } from "../../consumers/aws/clients";
import { SdkDataApi } from "../../consumers/warehouse/data-api";
import { type MigrationReport, migrate } from "../../consumers/warehouse/migrations";
import type { RunningService } from "../emulators/child-service";
import { startDynalite } from "../emulators/dynamodb-emulators";
import { type KinesisEmulator, startKinesisEmulator } from "../emulators/kinesis-emulators";
import type { RedshiftDataServer } from "../redshift-data/server";
import { type SnsServer, startSnsServer } from "../sns-endpoint/sns-server";
import { bootstrap } from "./bootstrap";
import {
  type LocalWarehouse,
  planLocalWarehouse,
  startLocalWarehouse,
  type WarehouseEngine,
} from "./local-warehouse";

/** Workgroup name the local warehouse answers to (any name is accepted; this one is what tools use). */
export const LOCAL_WAREHOUSE = "flightpulse-local";

export interface LocalStackOptions {
  /** Folder holding .flightpulse/ (default: the current directory). */
  readonly root?: string;
  /** Keep DynamoDB tables, Kinesis records and the warehouse (in pglite) here across restarts. */
  readonly dataDir?: string;
  readonly ports?: {
    readonly kinesis?: number;
    readonly dynamodb?: number;
    readonly sns?: number;
    readonly redshiftData?: number;
  };
  readonly kinesis?: KinesisEmulator;
  /** Run the warehouse on this PostgreSQL server instead of one of the stack's own. */
  readonly postgresUrl?: string;
  /**
   * The warehouse's database: a throwaway PostgreSQL server from npm's binaries, or pglite. Default:
   * PostgreSQL where npm installed it for this platform and it starts, pglite otherwise (and on disk).
   */
  readonly warehouse?: WarehouseEngine;
  readonly bookingShards?: number;
  /** Progress lines while starting (default: none). */
  readonly log?: (line: string) => void;
}

export interface LocalStackFile {
  endpoints: Partial<Record<AwsService, string>>;
  dashboard: string | null;
  workers: { pid: number; workerId: string; health?: string }[];
  pids: Record<string, number>;
  /** The warehouse's database: the stack's PostgreSQL server (pid `pids.warehouse`), pglite, or one by URL. */
  warehouse?: "postgres" | "pglite" | "server";
  resources: ResourceNames;
  topics: { demand: string; operations: string };
  startedAt: string;
  [extra: string]: unknown;
}

export interface LocalStack {
  readonly file: string;
  readonly state: LocalStackFile;
  readonly services: readonly (RunningService | SnsServer | RedshiftDataServer)[];
  readonly sns: SnsServer;
  /** Merges `patch` into local.json (later parts of `npm start` add the dashboard, workers...). */
  update(patch: Partial<LocalStackFile>): void;
  stop(): Promise<void>;
}

export const localStackFile = (root: string): string => path.join(root, ".flightpulse", "local.json");

export function readLocalStackFile(root = process.cwd()): LocalStackFile | undefined {
  const file = localStackFile(root);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as LocalStackFile) : undefined;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const root = options.root ?? process.cwd();
  // Settings that conflict fail here, before anything starts.
  const warehousePlan = planLocalWarehouse({
    ...(options.dataDir !== undefined ? { dataDir: path.join(options.dataDir, "warehouse") } : {}),
    ...(options.postgresUrl !== undefined ? { postgresUrl: options.postgresUrl } : {}),
    ...(options.warehouse !== undefined ? { warehouse: options.warehouse } : {}),
  });
  const started: (RunningService | SnsServer | RedshiftDataServer)[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.splice(0).map((s) => s.stop()));
  };
  try {
    const kind = options.kinesis ?? "kinesis-local";
    // Settle every start before judging: a failed one must not leave the others running unowned.
    const settled = await Promise.allSettled([
      startKinesisEmulator(kind, {
        ...(options.ports?.kinesis !== undefined ? { port: options.ports.kinesis } : {}),
        ...(options.dataDir !== undefined && kind === "kinesis-local"
          ? { dataDir: path.join(options.dataDir, "kinesis") }
          : {}),
      }).then((s) => {
        started.push(s);
        log(`kinesis   ${s.endpoint} (${s.name}, pid ${s.pid})`);
        return s;
      }),
      startDynalite({
        ...(options.ports?.dynamodb !== undefined ? { port: options.ports.dynamodb } : {}),
        ...(options.dataDir !== undefined ? { dataDir: path.join(options.dataDir, "dynamodb") } : {}),
      }).then((s) => {
        started.push(s);
        log(
          `dynamodb  ${s.endpoint} (dynalite${options.dataDir !== undefined ? ", on disk" : ", in memory"}, pid ${s.pid})`,
        );
        return s;
      }),
      startSnsServer(options.ports?.sns !== undefined ? { port: options.ports.sns } : {}).then((s) => {
        started.push(s);
        log(`sns       ${s.endpoint} (flightpulse SNS endpoint)`);
        return s;
      }),
      startLocalWarehouse(
        warehousePlan,
        options.ports?.redshiftData !== undefined ? { port: options.ports.redshiftData } : {},
        log,
      ).then((s) => {
        started.push(s);
        log(`redshift  ${s.endpoint} (Data API over ${s.description})`);
        return s;
      }),
    ]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    const [kinesis, dynamodb, sns, warehouse] = settled.map(
      (r) => (r as PromiseFulfilledResult<unknown>).value,
    ) as [RunningService, RunningService, SnsServer, LocalWarehouse];
    const names = resourceNames(LOCAL_STACK);
    const endpoints = {
      kinesis: kinesis.endpoint,
      dynamodb: dynamodb.endpoint,
      sns: sns.endpoint,
      redshiftData: warehouse.endpoint,
    };
    const clients = createAwsClients(localAwsConfig(endpoints));
    let topics: { demand: string; operations: string };
    let migrations: MigrationReport;
    try {
      [{ topics }, migrations] = await Promise.all([
        bootstrap(clients, { names, bookingShards: options.bookingShards ?? 4 }),
        migrate(new SdkDataApi(clients.redshiftData, { database: "dev", workgroupName: LOCAL_WAREHOUSE })),
      ]);
    } finally {
      clients.destroy();
    }
    log(
      `bootstrap ${names.bookingStream} (${options.bookingShards ?? 4} shards), ${names.insightsStream}, 6 tables, 2 topics; warehouse migrations: ${migrations.applied.length} applied, ${migrations.alreadyApplied.length} already`,
    );
    const file = localStackFile(root);
    const state: LocalStackFile = {
      endpoints,
      dashboard: null,
      workers: [],
      pids: {
        flightpulse: process.pid,
        kinesis: kinesis.pid,
        kinesisWatchdog: kinesis.watchdogPid,
        dynamodb: dynamodb.pid,
        dynamodbWatchdog: dynamodb.watchdogPid,
        ...(warehouse.databasePid !== undefined ? { warehouse: warehouse.databasePid } : {}),
      },
      warehouse: warehouse.engine,
      resources: names,
      topics,
      startedAt: new Date().toISOString(),
    };
    // Readers poll this file while it is rewritten: write a sibling and rename, which is atomic.
    const write = () => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
      fs.renameSync(tmp, file);
    };
    write();
    return {
      file,
      state,
      services: started,
      sns,
      update(patch) {
        Object.assign(state, patch);
        write();
      },
      async stop() {
        await stopAll();
        fs.rmSync(file, { force: true });
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
