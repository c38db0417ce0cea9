// The worker process (`flightpulse worker`, the ECS task's command): configuration from the environment,
// validated with every bad setting named; JSON logs; the KCL-style scheduler with the booking record
// processor; a health endpoint; EMF metrics lines; SIGTERM → graceful lease hand-off.
import { PublishCommand } from "@aws-sdk/client-sns";
import { demandOptions } from "../analytics/demand/demand-options";
import { AnalyticsConfigError } from "../analytics/demand/errors";
import { flightRuleOptions } from "../analytics/rules/flight-rules";
import { createAwsClients } from "./aws/clients";
import { ConfigError } from "./config/errors";
import { loadWorkerConfig } from "./config/worker-config";
import { kclConfig } from "./kcl/config";
import { DynamoDbLeaseRefresher } from "./kcl/dynamodb-lease-refresher";
import { registerStreamConsumer, sdkFanOutPort } from "./kcl/retrieval/fanout-fetcher";
import { sdkKinesisReadPort } from "./kcl/retrieval/kinesis-read-port";
import { Scheduler } from "./kcl/scheduler";
import { sdkShardLister } from "./kcl/shard-sync";
import { shutdownOnSignals } from "./kcl/signals";
import { type HealthServer, startHealthServer } from "./observability/health-server";
import { createLogger } from "./observability/logger";
import { BookingRecordProcessor, type ProcessorCounters } from "./processor/booking-record-processor";
import { type InsightCounters, InsightRecordProcessor } from "./processor/insight-record-processor";
import { DynamoDbShardHandoffStore } from "./processor/shard-handoff-store";
import { DynamoDbShardSnapshotStore } from "./processor/shard-snapshot-store";
import { AlertSink } from "./sinks/alerts/alert-sink";
import { DynamoDbAlertStateStore } from "./sinks/alerts/alert-state-store";
import { SnsAlertPublisher } from "./sinks/alerts/sns-alert-publisher";
import { DynamoDbBaselineStore } from "./sinks/baselines/dynamodb-baseline-store";
import { ManifestSink } from "./sinks/manifests/manifest-sink";
import { DynamoDbManifestStore } from "./sinks/manifests/manifest-store";
import { DynamoDbRejectedSink } from "./sinks/rejected/dynamodb-rejected-sink";
import { SdkDataApi } from "./warehouse/data-api";
import { WarehouseLoader } from "./warehouse/loader";

/** Which environment variable an analytics option comes from, for start-up errors. */
const ANALYTICS_SETTING_ENV: Record<string, string> = {
  paneMs: "FLIGHTPULSE_PANE_SECONDS",
  hopMs: "FLIGHTPULSE_PANE_SECONDS",
  windowMs: "FLIGHTPULSE_WINDOW_MINUTES",
  allowedLatenessMs: "FLIGHTPULSE_ALLOWED_LATENESS_SECONDS",
  idleTimeoutMs: "FLIGHTPULSE_IDLE_TIMEOUT_SECONDS",
  "surge.floorSeats": "FLIGHTPULSE_SURGE_FLOOR_SEATS",
  "surge.baselineFactor": "FLIGHTPULSE_SURGE_FACTOR",
  "surge.cooldownMs": "FLIGHTPULSE_ALERT_COOLDOWN_MINUTES",
  loadFactorThreshold: "FLIGHTPULSE_LOAD_FACTOR_THRESHOLD",
};

export async function runWorker(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  let cfg: ReturnType<typeof loadWorkerConfig>;
  try {
    cfg = loadWorkerConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`flightpulse worker: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const s = cfg.settings;
  let analytics: { demand: ReturnType<typeof demandOptions>; flights: ReturnType<typeof flightRuleOptions> };
  try {
    analytics = {
      demand: demandOptions({
        paneMs: s.paneSeconds * 1000,
        hopMs: s.paneSeconds * 1000,
        windowMs: s.windowMinutes * 60_000,
        allowedLatenessMs: s.allowedLatenessSeconds * 1000,
        idleTimeoutMs: s.idleTimeoutSeconds * 1000,
        surge: {
          floorSeats: s.surgeFloorSeats,
          baselineFactor: s.surgeFactor,
          cooldownMs: s.alertCooldownMinutes * 60_000,
        },
      }),
      flights: flightRuleOptions({ loadFactorThreshold: s.loadFactorThreshold }),
    };
  } catch (e) {
    if (e instanceof AnalyticsConfigError) {
      const env = ANALYTICS_SETTING_ENV[e.setting] ?? e.setting;
      process.stderr.write(`flightpulse worker: ${env}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger({ level: s.logLevel, fields: { workerId: cfg.workerId, stack: s.stack } });
  const aws = createAwsClients(cfg.aws);
  const counters: ProcessorCounters = { events: 0, rejected: 0, sinkErrors: 0 };
  const manifests = new ManifestSink({
    store: new DynamoDbManifestStore(aws.dynamodb, cfg.names.manifestTable),
    writeAt: s.manifestWrites === "checkpoint" ? "flush" : "batch",
  });
  const rejected = new DynamoDbRejectedSink({ client: aws.dynamodb, tableName: cfg.names.rejectedTable });
  const warehouse =
    s.redshiftWorkgroup !== undefined
      ? new WarehouseLoader({
          api: new SdkDataApi(aws.redshiftData, {
            database: s.redshiftDatabase,
            workgroupName: s.redshiftWorkgroup,
            ...(s.redshiftSecretArn !== undefined ? { secretArn: s.redshiftSecretArn } : {}),
          }),
        })
      : undefined;
  const alerts = new AlertSink({
    state: new DynamoDbAlertStateStore(aws.dynamodb, cfg.names.alertStateTable),
    publisher: new SnsAlertPublisher(aws.sns, s.demandTopicArn, s.dashboardUrl),
    cooldownMs: analytics.demand.surge.cooldownMs,
  });
  const baselines = new DynamoDbBaselineStore(aws.dynamodb, cfg.names.baselineTable);
  const handoffs = new DynamoDbShardHandoffStore(aws.dynamodb, cfg.names.shardStateTable);
  const snapshots = new DynamoDbShardSnapshotStore(aws.dynamodb, cfg.names.shardStateTable);
  const operationsAlert = async (subject: string, message: string) => {
    await aws.sns.send(
      new PublishCommand({ TopicArn: s.operationsTopicArn, Subject: subject.slice(0, 99), Message: message }),
    );
  };
  const config = kclConfig({
    streamName: cfg.names.bookingStream,
    workerId: cfg.workerId,
    failoverTimeMillis: s.failoverMillis,
    maxRecords: s.maxRecords,
    initialPosition: s.initialPosition,
    // Idle shards still advance their watermarks: empty reads reach the processor to flush and checkpoint.
    callProcessRecordsEvenForEmptyRecordList: true,
    ...(s.initialTimestamp !== undefined ? { initialTimestamp: s.initialTimestamp } : {}),
  });
  const scheduler = new Scheduler({
    config,
    refresher: new DynamoDbLeaseRefresher(aws.dynamodb, cfg.names.leaseTable),
    lister: sdkShardLister(aws.kinesis),
    reader: sdkKinesisReadPort(aws.kinesis),
    ...(s.enhancedFanOut
      ? {
          fanOut: {
            port: sdkFanOutPort(aws.kinesis),
            consumerArn: () =>
              registerStreamConsumer(aws.kinesis, cfg.names.bookingStream, `flightpulse-${s.stack}`),
          },
        }
      : {}),
    processors: () =>
      new BookingRecordProcessor({
        manifests,
        rejected,
        ...(warehouse !== undefined ? { warehouse } : {}),
        demand: { options: analytics.demand, baselines },
        handoffs,
        ...(s.stateSnapshots ? { snapshots } : {}),
        checkpointIntervalMs: s.checkpointIntervalSeconds * 1000,
        flightRules: analytics.flights,
        alerts,
        log,
        operationsAlert,
        counters,
      }),
    onError: (where, e) => log.error(`${where} failed`, { err: e }),
  });
  // The second lease application: the Flink app's insights into the warehouse (nothing to do without one).
  const insightCounters: InsightCounters = { insights: 0, rejected: 0 };
  const insights =
    warehouse === undefined
      ? undefined
      : new Scheduler({
          config: kclConfig({
            streamName: cfg.names.insightsStream,
            workerId: cfg.workerId,
            failoverTimeMillis: s.failoverMillis,
            maxRecords: s.maxRecords,
            initialPosition: "TRIM_HORIZON",
          }),
          refresher: new DynamoDbLeaseRefresher(aws.dynamodb, cfg.names.insightsLeaseTable),
          lister: sdkShardLister(aws.kinesis),
          reader: sdkKinesisReadPort(aws.kinesis),
          processors: () => new InsightRecordProcessor({ warehouse, log, counters: insightCounters }),
          onError: (where, e) => log.error(`insights ${where} failed`, { err: e }),
        });
  // SIGTERM is handled from here on, before anything starts: ECS may stop a task that is still starting,
  // and the CLI catches the signal, so nothing else would end the process. The hand-off then begins once
  // the start has settled.
  let health: HealthServer | undefined;
  const starting = (async () => {
    health = await startHealthServer(
      {
        health: () => ({
          healthy: scheduler.status === "running",
          status: scheduler.status,
          leases: scheduler.coordinator.held().length,
          insightLeases: insights?.coordinator.held().length ?? 0,
          workerId: cfg.workerId,
        }),
        metrics: () => ({
          ...scheduler.metrics.snapshot(),
          ...counters,
          insightsLoaded: insightCounters.insights,
        }),
      },
      s.healthPort,
      s.healthHost,
    );
    await scheduler.start();
    await insights?.start();
    return health;
  })();
  shutdownOnSignals(
    {
      shutdown: async () => {
        const [released] = await Promise.all([scheduler.shutdown(), insights?.shutdown()]);
        await warehouse?.close();
        await health?.close();
        aws.destroy();
        return released;
      },
    },
    { log: (m) => log.info(m), starting },
  );
  const { url } = await starting.catch(async (e: unknown) => {
    // A worker that cannot start ends (the CLI prints why) instead of idling behind its health server.
    await Promise.allSettled([scheduler.shutdown(), insights?.shutdown(), health?.close()]);
    aws.destroy();
    throw e;
  });
  const emf = setInterval(() => {
    for (const line of scheduler.metrics.emf(Date.now())) process.stdout.write(`${line}\n`);
  }, 60_000);
  emf.unref();
  log.info("worker started", {
    stream: cfg.names.bookingStream,
    insightsStream: insights === undefined ? undefined : cfg.names.insightsStream,
    health: url,
    warehouse: warehouse !== undefined,
  });
}

if (require.main === module) {
  runWorker().catch((e: Error) => {
    process.stderr.write(`flightpulse worker: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
