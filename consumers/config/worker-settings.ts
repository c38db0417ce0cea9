// Every setting the worker process reads, with its environment variable, default and meaning. Parsed once
// in consumers/main.ts; nothing else reads process.env. The Pulumi stack sets the `deployed` ones on the
// ECS task (a test asserts the two lists match) and the README's reference table is generated from here.
import { arn, boolean, decimal, integer, oneOf, type Setting, type SettingsOf, text, url } from "./settings";

const name = text(/^[A-Za-z0-9._-]{3,255}$/, "a stream or table name (3-255 of A-Z a-z 0-9 . _ -)");
const optional = <T>(s: Setting<T>): Setting<T | undefined> => ({ ...s, default: undefined });
const derived = "derived from the stack name (analytics/resource-names.ts)";

export const WORKER_SETTINGS = {
  stack: {
    env: "FLIGHTPULSE_STACK",
    description: "Stack name (dev, staging, prod, local); resource names derive from it",
    default: "local",
    deployed: true,
    parse: text(/^[a-z][a-z0-9-]{0,19}$/, "lower case letters, digits and '-', at most 20 characters"),
  },
  region: {
    env: "AWS_REGION",
    description: "AWS region of every client",
    default: "us-east-1",
    deployed: true,
    parse: text(/^[a-z]{2}(-[a-z]+)+-[0-9]$/, "an AWS region such as eu-west-1"),
  },
  workerId: {
    env: "FLIGHTPULSE_WORKER_ID",
    description: "Lease owner id of this worker; must be unique among live workers",
    default: undefined,
    defaultText: "`<hostname>-<pid>`",
    deployed: false,
    parse: text(/^[A-Za-z0-9._:@-]{1,128}$/, "1-128 of A-Z a-z 0-9 . _ : @ -"),
  },
  bookingStream: {
    ...optional({
      env: "FLIGHTPULSE_BOOKING_STREAM",
      description: "Kinesis stream of booking events",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  leaseTable: {
    ...optional({
      env: "FLIGHTPULSE_LEASE_TABLE",
      description: "DynamoDB lease table (KCL format)",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  insightsStream: {
    ...optional({
      env: "FLIGHTPULSE_INSIGHTS_STREAM",
      description: "Kinesis stream of the Flink app's insights, read when the warehouse is configured",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  insightsLeaseTable: {
    ...optional({
      env: "FLIGHTPULSE_INSIGHTS_LEASE_TABLE",
      description: "DynamoDB lease table of the insights consumer application (KCL format)",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  manifestTable: {
    ...optional({
      env: "FLIGHTPULSE_MANIFEST_TABLE",
      description: "DynamoDB seat manifest table",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  alertStateTable: {
    ...optional({
      env: "FLIGHTPULSE_ALERT_STATE_TABLE",
      description: "DynamoDB alert de-duplication table",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  rejectedTable: {
    ...optional({
      env: "FLIGHTPULSE_REJECTED_TABLE",
      description: "DynamoDB table of rejected events (when no warehouse is configured)",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  baselineTable: {
    ...optional({
      env: "FLIGHTPULSE_BASELINE_TABLE",
      description: "DynamoDB table of per-route demand baselines",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  shardStateTable: {
    ...optional({
      env: "FLIGHTPULSE_SHARD_STATE_TABLE",
      description: "DynamoDB table of the demand state a finished parent shard hands to its children",
      deployed: true,
      parse: name,
    }),
    defaultText: derived,
  },
  demandTopicArn: {
    env: "FLIGHTPULSE_DEMAND_TOPIC_ARN",
    description: "SNS topic for high-demand alerts",
    deployed: true,
    parse: arn("sns"),
  },
  operationsTopicArn: {
    env: "FLIGHTPULSE_OPERATIONS_TOPIC_ARN",
    description: "SNS topic for operational alerts (sink failures)",
    deployed: true,
    parse: arn("sns"),
  },
  redshiftWorkgroup: optional({
    env: "FLIGHTPULSE_REDSHIFT_WORKGROUP",
    description: "Redshift Serverless workgroup for the Data API; unset disables the warehouse sink",
    deployed: true,
    parse: text(/^[a-z0-9-]{3,64}$/, "a workgroup name (lower case, digits, '-')"),
  }),
  redshiftDatabase: {
    env: "FLIGHTPULSE_REDSHIFT_DATABASE",
    description: "Redshift database",
    default: "dev",
    deployed: true,
    parse: text(/^[a-z_][a-z0-9_$]{0,126}$/, "a database name"),
  },
  redshiftSecretArn: optional({
    env: "FLIGHTPULSE_REDSHIFT_SECRET_ARN",
    description:
      "Secrets Manager secret for the Data API (unset: IAM temporary credentials, as the Pulumi stacks deploy)",
    deployed: false,
    parse: arn("secretsmanager"),
  }),
  logLevel: {
    env: "FLIGHTPULSE_LOG_LEVEL",
    description: "Lowest log level written",
    default: "info",
    deployed: true,
    parse: oneOf("debug", "info", "warn", "error"),
  },
  healthPort: {
    env: "FLIGHTPULSE_HEALTH_PORT",
    description: "Port of the health/metrics endpoint (0 picks a free one)",
    default: 8080,
    deployed: true,
    parse: integer(0, 65535),
  },
  healthHost: {
    env: "FLIGHTPULSE_HEALTH_HOST",
    description: "Interface the health endpoint binds (the ECS health check runs inside the container)",
    default: "127.0.0.1",
    deployed: false,
    parse: text(/^[0-9a-fA-F.:]+$|^localhost$/, "an IP address"),
  },
  dashboardUrl: optional({
    env: "FLIGHTPULSE_DASHBOARD_URL",
    description: "Link placed in alert e-mails",
    deployed: true,
    parse: url,
  }),
  kinesisEndpoint: optional({
    env: "FLIGHTPULSE_KINESIS_ENDPOINT",
    description: "Kinesis endpoint override (local emulator)",
    deployed: false,
    parse: url,
  }),
  dynamodbEndpoint: optional({
    env: "FLIGHTPULSE_DYNAMODB_ENDPOINT",
    description: "DynamoDB endpoint override (local emulator)",
    deployed: false,
    parse: url,
  }),
  snsEndpoint: optional({
    env: "FLIGHTPULSE_SNS_ENDPOINT",
    description: "SNS endpoint override (local endpoint)",
    deployed: false,
    parse: url,
  }),
  redshiftDataEndpoint: optional({
    env: "FLIGHTPULSE_REDSHIFT_DATA_ENDPOINT",
    description: "Redshift Data API endpoint override (local endpoint)",
    deployed: false,
    parse: url,
  }),
  failoverMillis: {
    env: "FLIGHTPULSE_FAILOVER_MS",
    description:
      "Lease failover time: a lease not renewed for this long is taken by another worker (KCL failoverTimeMillis)",
    default: 10_000,
    deployed: false,
    parse: integer(1_000, 600_000),
  },
  initialPosition: {
    env: "FLIGHTPULSE_INITIAL_POSITION",
    description: "Where a shard with no checkpoint starts",
    default: "TRIM_HORIZON",
    deployed: false,
    parse: oneOf("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"),
  },
  initialTimestamp: optional({
    env: "FLIGHTPULSE_INITIAL_TIMESTAMP",
    description: "ISO-8601 start time when FLIGHTPULSE_INITIAL_POSITION=AT_TIMESTAMP",
    deployed: false,
    parse: (raw: string) => {
      const ms = Date.parse(raw);
      if (!Number.isFinite(ms)) throw new Error("expected an ISO-8601 date-time");
      return new Date(ms);
    },
  }),
  checkpointIntervalSeconds: {
    env: "FLIGHTPULSE_CHECKPOINT_INTERVAL_SECONDS",
    description:
      "How often a shard checkpoints (with state snapshots, at most this much of a shard is re-read after a crash; each checkpoint writes the shard's state)",
    default: 10,
    deployed: false,
    parse: integer(1, 3_600),
  },
  stateSnapshots: {
    env: "FLIGHTPULSE_STATE_SNAPSHOTS",
    description:
      "Write each shard's demand state at its checkpoint, so a new owner restores it instead of re-reading window + cooldown (false: checkpoint at the safe point)",
    default: true,
    deployed: false,
    parse: boolean,
  },
  manifestWrites: {
    env: "FLIGHTPULSE_MANIFEST_WRITES",
    description:
      "When seat manifests are written: `checkpoint`, each changed flight once before each checkpoint (a manifest shows a change up to one checkpoint interval late); `batch`, once per batch (fresher, more writes)",
    default: "checkpoint",
    deployed: false,
    parse: oneOf("checkpoint", "batch"),
  },
  enhancedFanOut: {
    env: "FLIGHTPULSE_ENHANCED_FAN_OUT",
    description: "Read with enhanced fan-out (SubscribeToShard) instead of polling GetRecords",
    default: false,
    deployed: false,
    parse: boolean,
  },
  maxRecords: {
    env: "FLIGHTPULSE_MAX_RECORDS",
    description: "GetRecords batch size (KCL maxRecords)",
    default: 10_000,
    deployed: false,
    parse: integer(1, 10_000),
  },
  paneSeconds: {
    env: "FLIGHTPULSE_PANE_SECONDS",
    description: "Tumbling pane length; sliding windows move by one pane",
    default: 60,
    deployed: false,
    parse: integer(1, 3600),
  },
  windowMinutes: {
    env: "FLIGHTPULSE_WINDOW_MINUTES",
    description: "Sliding demand window length (a whole number of panes)",
    default: 15,
    deployed: false,
    parse: integer(1, 24 * 60),
  },
  allowedLatenessSeconds: {
    env: "FLIGHTPULSE_ALLOWED_LATENESS_SECONDS",
    description: "Allowed lateness: the watermark is the newest event time minus this",
    default: 30,
    deployed: false,
    parse: integer(0, 3600),
  },
  idleTimeoutSeconds: {
    env: "FLIGHTPULSE_IDLE_TIMEOUT_SECONDS",
    description: "A shard silent this long advances its watermark by processing time, closing its last panes",
    default: 60,
    deployed: false,
    parse: integer(1, 3600),
  },
  surgeFloorSeats: {
    env: "FLIGHTPULSE_SURGE_FLOOR_SEATS",
    description: "Seats booked in a 15-minute window at or above which a route may be surging",
    default: 40,
    deployed: false,
    parse: integer(1, 1_000_000),
  },
  surgeFactor: {
    env: "FLIGHTPULSE_SURGE_FACTOR",
    description: "… and at or above this multiple of the route's baseline for the hour of week",
    default: 3,
    deployed: false,
    parse: decimal(1, 100),
  },
  alertCooldownMinutes: {
    env: "FLIGHTPULSE_ALERT_COOLDOWN_MINUTES",
    description: "Quiet spell a route needs before a new surge alert (one surge, one alert)",
    default: 30,
    deployed: false,
    parse: integer(1, 24 * 60),
  },
  loadFactorThreshold: {
    env: "FLIGHTPULSE_LOAD_FACTOR_THRESHOLD",
    description: "Load factor at or above which a flight departing in 7 days or more alerts",
    default: 0.9,
    deployed: false,
    parse: decimal(0.1, 2),
  },
} as const satisfies Record<string, Setting<unknown>>;

export type WorkerSettings = SettingsOf<typeof WORKER_SETTINGS>;

/** Environment variable names the Pulumi stack must set on the worker task, sorted. */
export function deployedWorkerSettingNames(): string[] {
  return Object.values(WORKER_SETTINGS)
    .filter((s) => s.deployed)
    .map((s) => s.env)
    .sort();
}
