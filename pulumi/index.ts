// The flightpulse stack program (`pulumi up` per stack: dev, staging, prod). One component per
// subsystem; names come from analytics/resource-names.ts, the same ones the local stack uses.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { jarDigest } from "../analytics/flink/artifact";
import { resourceNames } from "../analytics/resource-names";
import { WORKER_SETTINGS } from "../consumers/config/worker-settings";
import { Alerts } from "./components/alerts";
import { ConsumerService } from "./components/consumer-service";
import { Encryption } from "./components/encryption";
import { EventStream } from "./components/event-stream";
import { FlinkApp } from "./components/flink-app";
import { IngestApi } from "./components/ingest-api";
import { Network } from "./components/network";
import { Observability } from "./components/observability";
import { QuickSight } from "./components/quicksight";
import { Tables } from "./components/tables";
import { Warehouse } from "./components/warehouse";
import { loadStackConfig } from "./config";
import { workerEnvironment } from "./worker-environment";

const HEALTH_PORT = 8080;
const DATABASE = "dev";

const cfg = loadStackConfig();
const region = new pulumi.Config("aws").require("region");
const names = resourceNames(cfg.stack);
const accountId = aws.getCallerIdentityOutput().accountId;
const azs = aws.getAvailabilityZonesOutput({ state: "available" }).names;
const isProd = cfg.stack === "prod";

const encryption = new Encryption("encryption", { stack: cfg.stack, accountId, region });
const kmsKeyArn = encryption.key.arn;

const stream = new EventStream("events", {
  stack: cfg.stack,
  names,
  mode: cfg.streamMode,
  shardCount: cfg.shardCount,
  retentionHours: cfg.retentionHours,
  kmsKeyArn,
  archiveExpirationDays: cfg.archiveExpirationDays,
  logRetentionDays: cfg.logRetentionDays,
});

const api = new IngestApi("ingest", {
  stack: cfg.stack,
  region,
  streamName: stream.bookingStream.name,
  streamArn: stream.bookingStream.arn,
  kmsKeyArn,
  auth: cfg.apiAuth,
  rateLimit: cfg.apiRateLimit,
  burstLimit: cfg.apiBurstLimit,
  logRetentionDays: cfg.logRetentionDays,
});

const tables = new Tables("tables", { stack: cfg.stack, names, kmsKeyArn, protect: isProd });
const alerts = new Alerts("alerts", {
  stack: cfg.stack,
  names,
  kmsKeyArn,
  accountId,
  subscriptions: cfg.alertSubscriptions,
  oncallEmails: cfg.oncallEmails,
});

const network = new Network("network", {
  stack: cfg.stack,
  cidr: cfg.vpcCidr,
  azs,
  azCount: cfg.azCount,
  region,
});
const subnetIds = network.privateSubnets.map((s) => s.id);

const flink = new FlinkApp("insights", {
  stack: cfg.stack,
  region,
  sourceStreamArn: stream.bookingStream.arn,
  sourceStreamName: stream.bookingStream.name,
  sinkStreamArn: stream.insightsStream.arn,
  sinkStreamName: stream.insightsStream.name,
  jarPath: cfg.flinkJar,
  jarSha256: jarDigest(cfg.flinkJar),
  allowedLatenessSeconds: WORKER_SETTINGS.allowedLatenessSeconds.default,
  parallelism: cfg.flinkParallelism,
  autoScaling: cfg.flinkAutoScaling,
  kmsKeyArn,
  logRetentionDays: cfg.logRetentionDays,
});

const observability = new Observability("observability", {
  stack: cfg.stack,
  region,
  bookingStreamName: stream.bookingStream.name,
  insightsStreamName: stream.insightsStream.name,
  flinkApplicationName: flink.application.name,
  demandTopicName: alerts.demandTopic.name,
  operationsTopicArn: alerts.operationsTopic.arn,
  iteratorAgeAlarmMs: cfg.iteratorAgeAlarmMs,
  alarmActionsEnabled: cfg.alarmActionsEnabled,
});

const warehouse = new Warehouse("warehouse", {
  stack: cfg.stack,
  kmsKeyArn,
  vpcId: network.vpc.id,
  vpcCidr: cfg.vpcCidr,
  subnetIds,
  clientSecurityGroupId: network.workerSecurityGroup.id,
  baseCapacity: cfg.redshiftBaseCapacity,
  database: DATABASE,
});

const consumers = new ConsumerService("workers", {
  stack: cfg.stack,
  region,
  accountId,
  securityGroupId: network.workerSecurityGroup.id,
  subnetIds,
  kmsKeyArn,
  bookingStreamArn: stream.bookingStream.arn,
  insightsStreamArn: stream.insightsStream.arn,
  bookingStreamName: stream.bookingStream.name,
  tableArns: tables.arns,
  topicArns: [alerts.demandTopic.arn, alerts.operationsTopic.arn],
  redshiftWorkgroupArn: warehouse.workgroup.arn,
  environment: workerEnvironment({
    stack: cfg.stack,
    region,
    bookingStream: stream.bookingStream.name,
    leaseTable: names.leaseTable,
    insightsStream: stream.insightsStream.name,
    insightsLeaseTable: names.insightsLeaseTable,
    manifestTable: names.manifestTable,
    alertStateTable: names.alertStateTable,
    rejectedTable: names.rejectedTable,
    baselineTable: names.baselineTable,
    shardStateTable: names.shardStateTable,
    demandTopicArn: alerts.demandTopic.arn,
    operationsTopicArn: alerts.operationsTopic.arn,
    redshiftWorkgroup: warehouse.workgroup.workgroupName,
    redshiftDatabase: DATABASE,
    dashboardUrl: observability.dashboardUrl,
    healthPort: HEALTH_PORT,
  }),
  desiredCount: cfg.workerCount,
  maxCount: cfg.workerMaxCount,
  cpu: cfg.workerCpu,
  memory: cfg.workerMemory,
  imageTag: cfg.workerImageTag,
  logRetentionDays: cfg.logRetentionDays,
  iteratorAgeAlarmMs: cfg.iteratorAgeAlarmMs,
  healthPort: HEALTH_PORT,
});

const quicksight =
  cfg.quicksightEnabled && cfg.quicksightPrincipalArn !== undefined
    ? new QuickSight("quicksight", {
        stack: cfg.stack,
        region,
        accountId,
        principalArn: cfg.quicksightPrincipalArn,
        workgroupEndpoint: warehouse.workgroup.endpoints.apply((e) => e[0]?.address ?? ""),
        database: DATABASE,
        subnetIds,
        securityGroupId: network.workerSecurityGroup.id,
      })
    : undefined;

export const bookingStreamName = stream.bookingStream.name;
export const insightsStreamName = stream.insightsStream.name;
export const ingestUrl = pulumi.interpolate`${api.stage.invokeUrl}/events`;
export const archiveBucket = stream.archiveBucket.bucket;
export const workerRepositoryUrl = consumers.repository.repositoryUrl;
export const workerCluster = consumers.cluster.name;
export const warehouseWorkgroup = warehouse.workgroup.workgroupName;
export const demandTopicArn = alerts.demandTopic.arn;
export const operationsTopicArn = alerts.operationsTopic.arn;
export const flinkApplication = flink.application.name;
export const dashboardUrl = observability.dashboardUrl;
export const quicksightDataSource = quicksight?.dataSource.arn;
