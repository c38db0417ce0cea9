// A Kinesis Analytics V2 (Managed Service for Apache Flink) endpoint for the local stack, answering the
// real @aws-sdk/client-kinesis-analytics-v2 (JSON 1.1, X-Amz-Target: KinesisAnalytics_20180523.<Op>) with
// the subset `flightpulse flink` and `npm start` use: Create/Describe/Update/Start/Stop/Rollback
// application, Describe application version and operation, Create/List/Describe snapshots. Errors are
// the service's own (ConcurrentModificationException, ResourceInUseException, …). Application code is a
// jar in a local folder standing in for S3: s3://<bucket>/<key> is <codeDir>/<bucket>/<key>.
import { existsSync } from "node:fs";
import * as path from "node:path";
import { KinesisAnalyticsV2Client } from "@aws-sdk/client-kinesis-analytics-v2";
import { clientOptions, localAwsConfig } from "../../consumers/aws/clients";
import { AwsJsonError, startAwsJsonServer } from "../emulators/aws-json-server";
import { type LocalFlink, startLocalFlink } from "../flink/local-flink";
import {
  type ApplicationConfig,
  LocalApplication,
  type Operation,
  type RestoreConfig,
  type RestoreType,
  RollbackRefused,
} from "./local-application";

export const LOCAL_ACCOUNT = "000000000000";

/** An SDK client for a local endpoint (static credentials, HTTP/1.1), as the CLI and the tests use it. */
export const localKinesisAnalyticsClient = (endpoint: string): KinesisAnalyticsV2Client =>
  new KinesisAnalyticsV2Client(
    clientOptions(localAwsConfig({ kinesisAnalytics: endpoint }), "kinesisAnalytics"),
  );
const MAX_REQUEST_BYTES = 1024 * 1024;
/** The job settings group the runner reads (JobSettings.java). */
const JOB_PROPERTIES = "FlinkApplicationProperties";
const RESTORE_TYPES: readonly RestoreType[] = [
  "SKIP_RESTORE_FROM_SNAPSHOT",
  "RESTORE_FROM_LATEST_SNAPSHOT",
  "RESTORE_FROM_CUSTOM_SNAPSHOT",
];

export interface KinesisAnalyticsServerOptions {
  readonly codeDir: string;
  /** Snapshots and job logs, one folder per application. */
  readonly stateDir: string;
  readonly region?: string;
  readonly port?: number | undefined;
  /** How long a new version must run before an update or start counts as done (default 3 s). */
  readonly settleMs?: number;
  readonly log?: (line: string) => void;
  /** Starts a job; tests may wrap it. Default: a MiniCluster JVM (local/flink). */
  readonly startJob?: typeof startLocalFlink;
}

export interface KinesisAnalyticsServer {
  readonly name: "kinesis-analytics";
  readonly endpoint: string;
  application(name: string): LocalApplication | undefined;
  stop(): Promise<void>;
}

type Input = Record<string, unknown>;
type Json = Record<string, unknown>;

const invalidArgument = (m: string) => new AwsJsonError("InvalidArgumentException", m);
const inUse = (m: string) => new AwsJsonError("ResourceInUseException", m);

function parseInput(body: Buffer): Input {
  if (body.length === 0) return {};
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new AwsJsonError(
      "SerializationException",
      `the request body is not JSON (${(e as Error).message})`,
    );
  }
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw new AwsJsonError("SerializationException", "the request body must be a JSON object");
  return input as Input;
}

const obj = (v: unknown): Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};

function str(input: Json, member: string): string {
  const v = input[member];
  if (typeof v !== "string" || v.length === 0) throw invalidArgument(`${member} is required`);
  return v;
}

function propertyGroups(value: unknown): Record<string, Record<string, string>> {
  const groups: Record<string, Record<string, string>> = {};
  for (const g of Array.isArray(value) ? value : []) {
    const id = str(obj(g), "PropertyGroupId");
    const map = obj(obj(g)["PropertyMap"]);
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== "string") throw invalidArgument(`property ${id}.${k} must be a string`);
      if (v.length > 2048) throw invalidArgument(`property ${id}.${k} is longer than 2048 characters`);
    }
    groups[id] = map as Record<string, string>;
  }
  return groups;
}

function restoreConfig(run: Json, fallback: RestoreConfig): RestoreConfig {
  const restore = obj(run["ApplicationRestoreConfiguration"]);
  const flink = obj(run["FlinkRunConfiguration"]);
  const type = (restore["ApplicationRestoreType"] as RestoreType | undefined) ?? fallback.type;
  if (!RESTORE_TYPES.includes(type))
    throw invalidArgument(`ApplicationRestoreType ${String(type)} is not valid`);
  const snapshotName = restore["SnapshotName"] as string | undefined;
  if (type === "RESTORE_FROM_CUSTOM_SNAPSHOT" && snapshotName === undefined)
    throw invalidArgument("SnapshotName is required with RESTORE_FROM_CUSTOM_SNAPSHOT");
  return {
    type,
    snapshotName,
    allowNonRestoredState:
      (flink["AllowNonRestoredState"] as boolean | undefined) ?? fallback.allowNonRestoredState,
  };
}

const seconds = (d: Date | undefined) => (d === undefined ? undefined : d.getTime() / 1000);

function detail(app: LocalApplication, versionId = app.versionId): Json {
  const c = app.versions.get(versionId) as ApplicationConfig;
  const current = versionId === app.versionId;
  return {
    ApplicationARN: app.arn,
    ApplicationName: app.name,
    RuntimeEnvironment: c.runtime,
    ServiceExecutionRole: c.serviceRole,
    ApplicationStatus: current ? app.status : "READY",
    ApplicationVersionId: versionId,
    CreateTimestamp: seconds(app.createdAt),
    LastUpdateTimestamp: seconds(app.lastUpdatedAt),
    ...(current && app.updatedFrom !== undefined ? { ApplicationVersionUpdatedFrom: app.updatedFrom } : {}),
    ...(current && app.rolledBackFrom !== undefined
      ? {
          ApplicationVersionRolledBackFrom: app.rolledBackFrom,
          ApplicationVersionRolledBackTo: app.rolledBackTo,
        }
      : {}),
    ApplicationConfigurationDescription: {
      ApplicationCodeConfigurationDescription: {
        CodeContentType: "ZIPFILE",
        CodeContentDescription: {
          S3ApplicationCodeLocationDescription: { BucketARN: c.code.bucketArn, FileKey: c.code.fileKey },
        },
      },
      RunConfigurationDescription: {
        ApplicationRestoreConfigurationDescription: {
          ApplicationRestoreType: c.restore.type,
          ...(c.restore.snapshotName !== undefined ? { SnapshotName: c.restore.snapshotName } : {}),
        },
        FlinkRunConfigurationDescription: { AllowNonRestoredState: c.restore.allowNonRestoredState },
      },
      EnvironmentPropertyDescriptions: {
        PropertyGroupDescriptions: Object.entries(c.propertyGroups).map(([id, map]) => ({
          PropertyGroupId: id,
          PropertyMap: map,
        })),
      },
      ApplicationSnapshotConfigurationDescription: { SnapshotsEnabled: c.snapshotsEnabled },
      ApplicationSystemRollbackConfigurationDescription: { RollbackEnabled: c.rollbackEnabled },
    },
  };
}

const operationSummary = (op: Operation): Json => ({
  Operation: op.operation,
  StartTime: seconds(op.startTime),
  EndTime: seconds(op.endTime),
  OperationStatus: op.status,
  ApplicationVersionChangeDetails: {
    ApplicationVersionUpdatedFrom: op.fromVersion,
    ApplicationVersionUpdatedTo: op.toVersion,
  },
  ...(op.error !== undefined
    ? {
        OperationFailureDetails: {
          ...(op.rollbackOperationId !== undefined ? { RollbackOperationId: op.rollbackOperationId } : {}),
          ErrorInfo: { ErrorString: op.error },
        },
      }
    : {}),
});

export async function startKinesisAnalyticsServer(
  options: KinesisAnalyticsServerOptions,
): Promise<KinesisAnalyticsServer> {
  const region = options.region ?? "us-east-1";
  const apps = new Map<string, LocalApplication>();
  const log = options.log ?? (() => {});
  const startJob = options.startJob ?? startLocalFlink;

  const codePath = (code: ApplicationConfig["code"]): string => {
    const bucket = /^arn:aws:s3:::([a-z0-9.-]{3,63})$/.exec(code.bucketArn)?.[1];
    if (bucket === undefined) throw invalidArgument(`BucketARN ${code.bucketArn} is not an S3 bucket ARN`);
    const file = path.join(options.codeDir, bucket, code.fileKey);
    if (!file.startsWith(path.join(options.codeDir, bucket) + path.sep) || !existsSync(file))
      throw invalidArgument(
        `the application code s3://${bucket}/${code.fileKey} does not exist (locally: ${file})`,
      );
    return file;
  };

  const app = (input: Input): LocalApplication => {
    const name = str(input, "ApplicationName");
    const found = apps.get(name);
    if (found === undefined)
      throw new AwsJsonError("ResourceNotFoundException", `Application ${name} not found`);
    return found;
  };

  const expectVersion = (a: LocalApplication, input: Input) => {
    const given = input["CurrentApplicationVersionId"];
    if (typeof given !== "number") throw invalidArgument("CurrentApplicationVersionId is required");
    if (given !== a.versionId)
      throw new AwsJsonError(
        "ConcurrentModificationException",
        `Current application version is ${a.versionId}; the request named version ${given}. Describe the application and retry.`,
      );
  };

  const launch =
    (name: string) =>
    async (
      config: ApplicationConfig,
      restore: { savepoint?: string; allowNonRestoredState: boolean },
    ): Promise<LocalFlink> => {
      const settings = config.propertyGroups[JOB_PROPERTIES];
      if (settings === undefined) throw new Error(`the property group ${JOB_PROPERTIES} is missing`);
      log(
        `flink: ${name} starting ${path.basename(config.code.fileKey)}${restore.savepoint !== undefined ? ` from ${restore.savepoint}` : " without state"}`,
      );
      return startJob({
        settings,
        jar: codePath(config.code),
        ...(restore.savepoint !== undefined
          ? { savepoint: restore.savepoint, allowNonRestoredState: restore.allowNonRestoredState }
          : {}),
        logFile: path.join(options.stateDir, name, "flink.log"),
        startTimeoutMs: 120_000,
      });
    };

  const operations: Record<string, (input: Input) => unknown> = {
    CreateApplication(input) {
      const name = str(input, "ApplicationName");
      if (apps.has(name)) throw inUse(`Application ${name} already exists`);
      const conf = obj(input["ApplicationConfiguration"]);
      const s3 = obj(obj(obj(conf["ApplicationCodeConfiguration"])["CodeContent"])["S3ContentLocation"]);
      const config: ApplicationConfig = {
        runtime: str(input, "RuntimeEnvironment"),
        serviceRole: str(input, "ServiceExecutionRole"),
        code: { bucketArn: str(s3, "BucketARN"), fileKey: str(s3, "FileKey") },
        propertyGroups: propertyGroups(obj(conf["EnvironmentProperties"])["PropertyGroups"]),
        snapshotsEnabled: obj(conf["ApplicationSnapshotConfiguration"])["SnapshotsEnabled"] === true,
        rollbackEnabled: obj(conf["ApplicationSystemRollbackConfiguration"])["RollbackEnabled"] === true,
        restore: restoreConfig(obj(conf["RunConfiguration"]), {
          type: "RESTORE_FROM_LATEST_SNAPSHOT",
          allowNonRestoredState: false,
        }),
      };
      codePath(config.code);
      const created = new LocalApplication({
        name,
        arn: `arn:aws:kinesisanalytics:${region}:${LOCAL_ACCOUNT}:application/${name}`,
        config,
        stateDir: path.join(options.stateDir, name),
        launch: launch(name),
        settleMs: options.settleMs ?? 3_000,
      });
      apps.set(name, created);
      return { ApplicationDetail: detail(created) };
    },
    DescribeApplication(input) {
      return { ApplicationDetail: detail(app(input)) };
    },
    DescribeApplicationVersion(input) {
      const a = app(input);
      const v = input["ApplicationVersionId"];
      if (typeof v !== "number" || !a.versions.has(v))
        throw new AwsJsonError(
          "ResourceNotFoundException",
          `Application ${a.name} has no version ${String(v)}`,
        );
      return { ApplicationVersionDetail: detail(a, v) };
    },
    DescribeApplicationOperation(input) {
      const a = app(input);
      const op = a.operations.get(str(input, "OperationId"));
      if (op === undefined)
        throw new AwsJsonError(
          "ResourceNotFoundException",
          `Operation ${String(input["OperationId"])} not found`,
        );
      return { ApplicationOperationInfoDetails: operationSummary(op) };
    },
    StartApplication(input) {
      const a = app(input);
      if (a.status !== "READY")
        throw inUse(`Application ${a.name} is ${a.status}; it can be started only when READY`);
      const op = a.start(restoreConfig(obj(input["RunConfiguration"]), a.config.restore));
      return { OperationId: op.id };
    },
    StopApplication(input) {
      const a = app(input);
      if (a.status !== "RUNNING" && !(input["Force"] === true && a.status !== "READY"))
        throw inUse(`Application ${a.name} is ${a.status}; it can be stopped only when RUNNING`);
      return { OperationId: a.stop(input["Force"] === true).id };
    },
    UpdateApplication(input) {
      const a = app(input);
      expectVersion(a, input);
      if (a.status !== "READY" && a.status !== "RUNNING")
        throw inUse(`Application ${a.name} is ${a.status}; it can be updated only when READY or RUNNING`);
      const c = a.config;
      const update = obj(input["ApplicationConfigurationUpdate"]);
      const s3 = obj(
        obj(obj(update["ApplicationCodeConfigurationUpdate"])["CodeContentUpdate"])[
          "S3ContentLocationUpdate"
        ],
      );
      const groups = obj(update["EnvironmentPropertyUpdates"])["PropertyGroups"];
      const snapshots = obj(update["ApplicationSnapshotConfigurationUpdate"])["SnapshotsEnabledUpdate"];
      const rollback = obj(update["ApplicationSystemRollbackConfigurationUpdate"])["RollbackEnabledUpdate"];
      const runtime = input["RuntimeEnvironmentUpdate"];
      const next: ApplicationConfig = {
        ...c,
        runtime: typeof runtime === "string" ? runtime : c.runtime,
        code: {
          bucketArn: (s3["BucketARNUpdate"] as string | undefined) ?? c.code.bucketArn,
          fileKey: (s3["FileKeyUpdate"] as string | undefined) ?? c.code.fileKey,
        },
        propertyGroups: groups === undefined ? c.propertyGroups : propertyGroups(groups),
        snapshotsEnabled: typeof snapshots === "boolean" ? snapshots : c.snapshotsEnabled,
        rollbackEnabled: typeof rollback === "boolean" ? rollback : c.rollbackEnabled,
        restore: restoreConfig(obj(input["RunConfigurationUpdate"]), c.restore),
      };
      codePath(next.code);
      const op = a.update(next);
      return { ApplicationDetail: detail(a), OperationId: op.id };
    },
    RollbackApplication(input) {
      const a = app(input);
      expectVersion(a, input);
      if (a.status !== "RUNNING" && a.status !== "UPDATING")
        throw inUse(
          `Application ${a.name} is ${a.status}; it can be rolled back only when RUNNING or UPDATING`,
        );
      if (a.latestSnapshot() === undefined && !a.config.snapshotsEnabled)
        throw new AwsJsonError(
          "InvalidRequestException",
          `Application ${a.name} has no snapshot to roll back with`,
        );
      try {
        const op = a.rollback();
        return { ApplicationDetail: detail(a), OperationId: op.id };
      } catch (e) {
        if (e instanceof RollbackRefused) throw new AwsJsonError("InvalidRequestException", e.message);
        throw e;
      }
    },
    CreateApplicationSnapshot(input) {
      const a = app(input);
      const name = str(input, "SnapshotName");
      if (!/^[a-zA-Z0-9_.-]{1,256}$/.test(name)) throw invalidArgument(`SnapshotName ${name} is not valid`);
      if (a.status !== "RUNNING") throw inUse(`Application ${a.name} is ${a.status}; snapshots need RUNNING`);
      if (!a.config.snapshotsEnabled)
        throw new AwsJsonError("InvalidRequestException", `Snapshots are disabled for ${a.name}`);
      if (a.snapshots.some((s) => s.name === name)) throw invalidArgument(`Snapshot ${name} already exists`);
      const snapshot = a.snapshot(name);
      void a.idle().then(() => {
        if (snapshot.error !== undefined) log(`flink: ${a.name} snapshot ${name} failed: ${snapshot.error}`);
      });
      return {};
    },
    ListApplicationSnapshots(input) {
      const a = app(input);
      return { SnapshotSummaries: a.snapshots.map((s) => snapshotDetails(a, s)) };
    },
    DescribeApplicationSnapshot(input) {
      const a = app(input);
      const name = str(input, "SnapshotName");
      const s = a.snapshots.find((x) => x.name === name);
      if (s === undefined) throw new AwsJsonError("ResourceNotFoundException", `Snapshot ${name} not found`);
      return { SnapshotDetails: snapshotDetails(a, s) };
    },
  };

  const server = await startAwsJsonServer({
    targetPrefix: "KinesisAnalytics_20180523",
    operations,
    parseInput,
    maxRequestBytes: MAX_REQUEST_BYTES,
    port: options.port,
    portSetting: "--kinesis-analytics-port",
  });
  return {
    name: "kinesis-analytics",
    endpoint: server.endpoint,
    application: (name) => apps.get(name),
    stop: async () => {
      await server.close();
      await Promise.all([...apps.values()].map((a) => a.shutdown()));
    },
  };
}

function snapshotDetails(a: LocalApplication, s: LocalApplication["snapshots"][number]): Json {
  return {
    SnapshotName: s.name,
    SnapshotStatus: s.status,
    ApplicationVersionId: s.versionId,
    SnapshotCreationTimestamp: s.createdAt.getTime() / 1000,
    RuntimeEnvironment: (a.versions.get(s.versionId) as ApplicationConfig).runtime,
  };
}
