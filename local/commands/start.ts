// `flightpulse start` (what `npm start` runs): the local stack, the ingest endpoint, the traffic
// simulator and the live dashboard, with a status line, until Ctrl-C or --duration. Every child process
// is stopped on SIGINT/SIGTERM; the emulators' watchdogs stop them even if this process is killed.

import * as path from "node:path";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { clientOptions, createAwsClients, localAwsConfig } from "../../consumers/aws/clients";
import { SdkDataApi } from "../../consumers/warehouse/data-api";
import {
  type CommandIo,
  parseDuration,
  parseFlags,
  parseNumber,
  UsageError,
} from "../../ingest/commands/command-io";
import { toEntry } from "../../ingest/commands/simulate";
import { startIngestEndpoint } from "../../ingest/http-endpoint";
import { sdkKinesisPutPort } from "../../ingest/kinesis-put-port";
import { KinesisProducer } from "../../ingest/producer";
import { DEFAULT_SURGE, parseSurge } from "../../ingest/simulator/scenarios";
import { TrafficSimulator } from "../../ingest/simulator/traffic";
import {
  alertsCollector,
  demandCollector,
  insightsCollector,
  leasesCollector,
  manifestsCollector,
  rejectedCollector,
  workersCollector,
} from "../dashboard/collectors";
import { startDashboard } from "../dashboard/server";
import { startLocalFlinkApp } from "../kinesis-analytics/local-flink-app";
import { LOCAL_WAREHOUSE, startLocalStack } from "../stack/local-stack";
import { WAREHOUSE_ENGINES, type WarehouseEngine } from "../stack/local-warehouse";
import { startLocalWorkers } from "../stack/local-workers";

export const START_HELP = `Usage: flightpulse start [options]        (npm start -- [options])

Runs the whole pipeline on this machine, no cloud account: Kinesis (kinesis-local) and DynamoDB
(dynalite) emulators, the SNS endpoint, the streams/tables/topics of stack "local", the consumer workers,
the Flink SQL app on a local Flink MiniCluster, the ingest endpoint, the traffic simulator and the live
dashboard. Everything binds 127.0.0.1. Ctrl-C stops it all.

  --rate N              simulator events per second (default 50)
  --duration D          stop by itself after D (e.g. 90s, 10m)
  --no-simulator        no generated traffic (POST events to the ingest endpoint instead)
  --seed N              simulator seed (default 1)
  --surge SPEC          ROUTE@START+DURATION*MULT, seconds (default LHR-DXB@45+180*10)
  --port N              dashboard port (default: a free one)
  --ingest-port N       ingest endpoint port (default: a free one)
  --kinesis-port N      Kinesis emulator port (default: a free one)
  --dynamodb-port N     DynamoDB emulator port (default: a free one)
  --sns-port N          SNS endpoint port (default: a free one)
  --redshift-data-port N  Redshift Data API endpoint port (default: a free one)
  --warehouse NAME      the warehouse's database: postgres (a throwaway PostgreSQL 18 server from npm's
                        binaries) or pglite (PostgreSQL in WebAssembly, in this process); default postgres
                        where npm installed it for this machine, pglite otherwise and with --data-dir
  --postgres-url URL    run the warehouse on this PostgreSQL server instead
  --kinesis NAME        kinesis-local (complete, default) or kinesalite (fast, older API)
  --shards N            shards of the booking stream (default 4)
  --data-dir DIR        keep tables, stream data and the warehouse (pglite) on disk in DIR (default: in memory)
  --workers N           consumer worker processes (default 2; their JSON logs go to .flightpulse/worker-N.log)
  --no-flink            leave out the Flink SQL app (network insights); otherwise it runs on a local Flink
                        MiniCluster behind a local Kinesis Analytics V2 endpoint (Java 17; the first start
                        builds its jar with Maven; flightpulse flink status), log in .flightpulse/flink-apps/

Endpoints, PIDs and the dashboard URL are written to .flightpulse/local.json.`;

const OPTIONS = {
  rate: { type: "string" },
  duration: { type: "string" },
  "no-simulator": { type: "boolean" },
  seed: { type: "string" },
  surge: { type: "string", multiple: true },
  port: { type: "string" },
  "ingest-port": { type: "string" },
  "kinesis-port": { type: "string" },
  "dynamodb-port": { type: "string" },
  "sns-port": { type: "string" },
  "redshift-data-port": { type: "string" },
  "postgres-url": { type: "string" },
  warehouse: { type: "string" },
  kinesis: { type: "string" },
  shards: { type: "string" },
  "data-dir": { type: "string" },
  workers: { type: "string" },
  "no-flink": { type: "boolean" },
  help: { type: "boolean" },
} as const;

const port = (flag: string, raw: string | undefined) =>
  raw === undefined ? undefined : parseNumber(flag, raw, 1, 65535);

export async function start(io: CommandIo): Promise<number> {
  const { values } = parseFlags(io.argv, OPTIONS);
  if (values.help === true) {
    io.out(START_HELP);
    return 0;
  }
  const kinesisKind = values.kinesis ?? "kinesis-local";
  if (kinesisKind !== "kinesis-local" && kinesisKind !== "kinesalite") {
    throw new UsageError(`--kinesis "${kinesisKind}" must be kinesis-local or kinesalite`);
  }
  const warehouse = values.warehouse;
  if (warehouse !== undefined && !(WAREHOUSE_ENGINES as readonly string[]).includes(warehouse))
    throw new UsageError(`--warehouse "${warehouse}" must be ${WAREHOUSE_ENGINES.join(" or ")}`);
  const rate = values.rate === undefined ? 50 : parseNumber("--rate", values.rate, 0.1, 100_000);
  const durationMs = values.duration === undefined ? undefined : parseDuration("--duration", values.duration);
  const scenarios =
    values.surge === undefined
      ? [DEFAULT_SURGE]
      : values.surge.map((s) => {
          try {
            return parseSurge(s);
          } catch (e) {
            throw new UsageError((e as Error).message);
          }
        });
  const began = Date.now();
  io.out("flightpulse: starting the local pipeline…");
  const kinesisPort = port("--kinesis-port", values["kinesis-port"]);
  const dynamodbPort = port("--dynamodb-port", values["dynamodb-port"]);
  const snsPort = port("--sns-port", values["sns-port"]);
  const redshiftDataPort = port("--redshift-data-port", values["redshift-data-port"]);
  const stack = await startLocalStack({
    root: io.cwd,
    kinesis: kinesisKind,
    bookingShards: values.shards === undefined ? 4 : parseNumber("--shards", values.shards, 1, 50),
    ...(values["data-dir"] !== undefined ? { dataDir: values["data-dir"] } : {}),
    ...(values["postgres-url"] !== undefined ? { postgresUrl: values["postgres-url"] } : {}),
    ...(warehouse !== undefined ? { warehouse: warehouse as WarehouseEngine } : {}),
    ports: {
      ...(kinesisPort !== undefined ? { kinesis: kinesisPort } : {}),
      ...(dynamodbPort !== undefined ? { dynamodb: dynamodbPort } : {}),
      ...(snsPort !== undefined ? { sns: snsPort } : {}),
      ...(redshiftDataPort !== undefined ? { redshiftData: redshiftDataPort } : {}),
    },
    log: (line) => io.out(`  ${line}`),
  });
  const cleanups: (() => Promise<void> | void)[] = [() => stack.stop()];
  const stopAll = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const names = stack.state.resources;
    const kinesis = new KinesisClient(clientOptions(localAwsConfig(stack.state.endpoints), "kinesis"));
    cleanups.push(() => kinesis.destroy());
    const producer = new KinesisProducer({
      port: sdkKinesisPutPort(kinesis),
      streamName: names.bookingStream,
      concurrency: 2,
    });
    const ingestPort = port("--ingest-port", values["ingest-port"]);
    const ingest = await startIngestEndpoint({
      producer,
      ...(ingestPort !== undefined ? { port: ingestPort } : {}),
    });
    cleanups.push(() => ingest.close());
    const workerCount = values.workers === undefined ? 2 : parseNumber("--workers", values.workers, 0, 16);
    const workerEnv = demoWorkerSettings(rate, io.env ?? {});
    const startingFlink =
      values["no-flink"] === true
        ? undefined
        : startLocalFlinkApp({
            dir: path.join(io.cwd, ".flightpulse"),
            kinesisEndpoint: stack.state.endpoints.kinesis as string,
            bookingStream: names.bookingStream,
            insightsStream: names.insightsStream,
            allowedLatenessSeconds: Number(workerEnv["FLIGHTPULSE_ALLOWED_LATENESS_SECONDS"] ?? 30),
            log: (line) => io.out(`  ${line}`),
          });
    // Its failure is reported where it is awaited below, not as an unhandled rejection while workers start.
    startingFlink?.catch(() => {});
    // Registered before it settles, so a failed start elsewhere still stops the JVM.
    cleanups.push(async () => {
      await (await startingFlink?.catch(() => undefined))?.stop();
    });
    const workers = await startLocalWorkers(stack, {
      count: workerCount,
      cwd: io.cwd,
      env: workerEnv,
    });
    cleanups.push(async () => {
      await Promise.all(workers.map((w) => w.stop()));
    });
    const flink = await startingFlink;
    if (flink !== undefined) {
      const job = flink.server.application(flink.application)?.runningJob;
      const log = `.flightpulse/flink-apps/${flink.application}/flink.log`;
      stack.update({
        endpoints: { ...stack.state.endpoints, kinesisAnalytics: flink.server.endpoint },
        flink: { application: flink.application, codeDir: flink.codeDir, rest: job?.restUrl ?? null, log },
        pids: {
          ...stack.state.pids,
          ...(job !== undefined ? { flink: job.pid, flinkWatchdog: job.watchdogPid } : {}),
        },
      });
      io.out(
        `  flink     ${flink.server.endpoint} (Kinesis Analytics V2: application ${flink.application} RUNNING; \`flightpulse flink status\`; log ${log})`,
      );
    }
    stack.update({
      workers: workers.map((w) => ({ pid: w.pid, workerId: w.name, health: w.endpoint })),
      pids: {
        ...stack.state.pids,
        ...Object.fromEntries(
          workers.flatMap((w) => [
            [w.name, w.pid],
            [`${w.name}Watchdog`, w.watchdogPid],
          ]),
        ),
      },
    });
    for (const w of workers)
      io.out(`  ${w.name.padEnd(9)} ${w.endpoint}/health (pid ${w.pid}, logs .flightpulse/${w.name}.log)`);
    const aws = createAwsClients(localAwsConfig(stack.state.endpoints));
    cleanups.push(() => aws.destroy());
    const warehouseApi = new SdkDataApi(aws.redshiftData, {
      database: "dev",
      workgroupName: LOCAL_WAREHOUSE,
    });
    const dashPort = port("--port", values.port);
    const dashboard = await startDashboard({
      ...(dashPort !== undefined ? { port: dashPort } : {}),
      collectors: {
        producer: async () => ({ totals: { eventsIn: producer.totals.sent } }),
        alerts: alertsCollector(stack.sns, stack.state.topics.demand),
        leases: leasesCollector(aws.dynamodb, names.leaseTable),
        manifests: manifestsCollector(aws.dynamodb, names.manifestTable),
        rejected: rejectedCollector(aws.dynamodb, names.rejectedTable),
        workers: workersCollector(() => stack.state.workers),
        demand: demandCollector(warehouseApi),
        insights: insightsCollector(warehouseApi, async () =>
          flink === undefined ? "off" : await flink.jobState(),
        ),
      },
    });
    cleanups.push(() => dashboard.close());
    stack.update({ dashboard: dashboard.url, endpoints: { ...stack.state.endpoints }, ingest: ingest.url });
    io.out(`  ingest    ${ingest.url}/events (POST one event or {"events": [...]})`);
    io.out(`  dashboard ${dashboard.url}`);
    io.out(
      `flightpulse: up in ${((Date.now() - began) / 1000).toFixed(1)} s; endpoints in ${stack.file}. Ctrl-C stops everything.`,
    );

    const simulator =
      values["no-simulator"] === true
        ? undefined
        : new TrafficSimulator({
            seed: values.seed === undefined ? 1 : parseNumber("--seed", values.seed, 0, 2 ** 32 - 1),
            startTime: Date.now(),
            ratePerSecond: rate,
            scenarios,
          });
    if (simulator !== undefined) {
      io.out(
        `  simulator ${rate} events/s${scenarios.map((s) => `, ${s.name} at +${s.startOffsetMs / 1000}s`).join("")}`,
      );
    }
    let lastStatus = 0;
    while (!io.signal.aborted) {
      if (durationMs !== undefined && Date.now() - began >= durationMs) break;
      if (simulator !== undefined) {
        const records = simulator.advanceTo(Date.now());
        if (records.length > 0) {
          await producer
            .putRecords(records.map(toEntry))
            .catch((e: Error) => io.err(`simulator: ${e.message}`));
        }
      }
      if (Date.now() - lastStatus >= (io.tty ? 1000 : 10_000)) {
        lastStatus = Date.now();
        const snap = await dashboard.snapshot();
        const line = `events in ${snap.totals.eventsIn.toLocaleString("en-US")} · processed ${snap.totals.processed.toLocaleString("en-US")} · lag ${snap.totals.maxLagMs} ms · alerts ${snap.totals.alerts} · rejected ${snap.totals.rejected}`;
        if (io.tty) io.err(`\r${line}   `);
        else io.out(line);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    if (io.tty) io.err("\n");
    io.out("flightpulse: stopping…");
    return 0;
  } finally {
    await stopAll();
    io.out("flightpulse: stopped; no process left running.");
  }
}

/** Worker settings `npm start` passes on from its own environment (analytics tuning, logging). */
const FORWARDED_SETTINGS = [
  "FLIGHTPULSE_SURGE_FLOOR_SEATS",
  "FLIGHTPULSE_SURGE_FACTOR",
  "FLIGHTPULSE_ALERT_COOLDOWN_MINUTES",
  "FLIGHTPULSE_LOAD_FACTOR_THRESHOLD",
  "FLIGHTPULSE_PANE_SECONDS",
  "FLIGHTPULSE_WINDOW_MINUTES",
  "FLIGHTPULSE_ALLOWED_LATENESS_SECONDS",
  "FLIGHTPULSE_IDLE_TIMEOUT_SECONDS",
  "FLIGHTPULSE_LOG_LEVEL",
  "FLIGHTPULSE_FAILOVER_MS",
] as const;

/**
 * The demo's surge floor follows the simulated rate: about ten seats per window-minute per event/s sits
 * above every normal route of the simulated network (the busiest books ~430 seats in 15 minutes at
 * 50 events/s) and well below a ten-fold surge. Set FLIGHTPULSE_SURGE_FLOOR_SEATS to choose another.
 */
export function demoWorkerSettings(
  rate: number,
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of FORWARDED_SETTINGS) {
    const v = env[k];
    if (v !== undefined && v !== "") out[k] = v;
  }
  const windowMinutes = Number(out["FLIGHTPULSE_WINDOW_MINUTES"] ?? 15) || 15;
  out["FLIGHTPULSE_SURGE_FLOOR_SEATS"] ??= String(Math.max(1, Math.round((rate * 10 * windowMinutes) / 15)));
  return out;
}
