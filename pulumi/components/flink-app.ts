// FlinkApp: the Managed Service for Apache Flink application (runtime FLINK-1_19) that runs the SQL of
// sql/flink for cross-route insights, reading booking-events and writing demand-insights. Its code is the
// runner jar built by `npm run build:flink`, uploaded here under a content-addressed key (a new jar is a new
// key, so a changed jar is an application update and an unchanged one is no change at all). Checkpoints
// and snapshots on, parallelism and autoscaling from config, logs to CloudWatch.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { flinkCodeKey } from "../../analytics/flink/artifact";
import { flinkPolicy } from "../iam/policies";
import { baseTags, privateBucket, serviceRole } from "./common";

/** The Managed Flink runtime the jar is built for (Flink 1.19.3, flink-connector-kinesis 4.3.0-1.19). */
export const FLINK_RUNTIME = "FLINK-1_19";
/** The runtime property group the runner reads (JobSettings.java). */
export const FLINK_PROPERTY_GROUP = "FlinkApplicationProperties";

export interface FlinkAppArgs {
  readonly stack: string;
  readonly region: string;
  readonly sourceStreamArn: pulumi.Input<string>;
  readonly sourceStreamName: pulumi.Input<string>;
  readonly sinkStreamArn: pulumi.Input<string>;
  readonly sinkStreamName: pulumi.Input<string>;
  /** The built runner jar on this machine, and its SHA-256 (the S3 key is derived from it). */
  readonly jarPath: string;
  readonly jarSha256: string;
  /** The workers' allowed lateness: both sides call an event late by the same rule. */
  readonly allowedLatenessSeconds: number;
  readonly parallelism: number;
  readonly autoScaling: boolean;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
}

export class FlinkApp extends pulumi.ComponentResource {
  readonly application: aws.kinesisanalyticsv2.Application;
  readonly codeBucket: aws.s3.Bucket;
  readonly codeObject: aws.s3.BucketObjectv2;

  constructor(name: string, args: FlinkAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:insights:FlinkApp", name, {}, opts);
    const tags = baseTags(args.stack, "flink");
    this.codeBucket = privateBucket(
      `${name}-code`,
      {
        bucketPrefix: `flightpulse-${args.stack}-flink-code-`,
        forceDestroy: args.stack !== "prod",
        kmsKeyArn: args.kmsKeyArn,
        tags,
      },
      this,
    );
    // Earlier jars stay (rollback to a previous application version needs its code).
    new aws.s3.BucketVersioning(
      `${name}-code-versioning`,
      { bucket: this.codeBucket.id, versioningConfiguration: { status: "Enabled" } },
      { parent: this },
    );
    const codeKey = flinkCodeKey(args.jarSha256);
    this.codeObject = new aws.s3.BucketObjectv2(
      `${name}-code-jar`,
      {
        bucket: this.codeBucket.id,
        key: codeKey,
        source: new pulumi.asset.FileAsset(args.jarPath),
        contentType: "application/java-archive",
        serverSideEncryption: "aws:kms",
        kmsKeyId: args.kmsKeyArn,
        tags,
      },
      // A new build is a new key; the previous jar must stay where the running or a rolled-back version reads it.
      { parent: this, retainOnDelete: true },
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/flightpulse/${args.stack}/flink`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags,
      },
      { parent: this },
    );
    const logStream = new aws.cloudwatch.LogStream(
      `${name}-log-stream`,
      { logGroupName: logGroup.name, name: "application" },
      { parent: this },
    );
    const role = serviceRole(
      `${name}-role`,
      "kinesisanalytics.amazonaws.com",
      pulumi
        .all([args.sourceStreamArn, args.sinkStreamArn, args.kmsKeyArn, logGroup.arn, this.codeBucket.arn])
        .apply(([sourceStreamArn, sinkStreamArn, kmsKeyArn, logGroupArn, bucketArn]) =>
          flinkPolicy({
            sourceStreamArn,
            sinkStreamArn,
            kmsKeyArn,
            logGroupArn,
            // Every build's jar, not only this one: `flightpulse flink deploy` and rollbacks switch between them.
            codeObjectArn: `${bucketArn}/${flinkCodeKey("*")}`,
          }),
        ),
      { parent: this, tags },
    );
    this.application = new aws.kinesisanalyticsv2.Application(
      `${name}-app`,
      {
        name: `flightpulse-${args.stack}-insights`,
        runtimeEnvironment: FLINK_RUNTIME,
        serviceExecutionRole: role.arn,
        startApplication: true,
        applicationConfiguration: {
          applicationCodeConfiguration: {
            codeContentType: "ZIPFILE",
            codeContent: {
              s3ContentLocation: { bucketArn: this.codeBucket.arn, fileKey: this.codeObject.key },
            },
          },
          applicationSnapshotConfiguration: { snapshotsEnabled: true },
          // Said explicitly: a restart resumes from the newest snapshot, and state the new SQL cannot map is
          // an error rather than silently dropped.
          runConfiguration: {
            applicationRestoreConfiguration: { applicationRestoreType: "RESTORE_FROM_LATEST_SNAPSHOT" },
            flinkRunConfiguration: { allowNonRestoredState: false },
          },
          flinkApplicationConfiguration: {
            checkpointConfiguration: {
              configurationType: "CUSTOM",
              checkpointingEnabled: true,
              checkpointInterval: 60_000,
              minPauseBetweenCheckpoints: 5_000,
            },
            monitoringConfiguration: { configurationType: "CUSTOM", logLevel: "INFO", metricsLevel: "TASK" },
            parallelismConfiguration: {
              configurationType: "CUSTOM",
              parallelism: args.parallelism,
              parallelismPerKpu: 1,
              autoScalingEnabled: args.autoScaling,
            },
          },
          environmentProperties: {
            propertyGroups: [
              {
                propertyGroupId: FLINK_PROPERTY_GROUP,
                propertyMap: {
                  region: args.region,
                  sourceStream: args.sourceStreamName,
                  sinkStream: args.sinkStreamName,
                  initialPosition: "TRIM_HORIZON",
                  allowedLatenessSeconds: String(args.allowedLatenessSeconds),
                },
              },
            ],
          },
        },
        cloudwatchLoggingOptions: {
          logStreamArn: pulumi.interpolate`${logGroup.arn.apply((a) => a.replace(/:\*$/, ""))}:log-stream:${logStream.name}`,
        },
        tags,
      },
      {
        parent: this,
        dependsOn: [this.codeObject],
        // After creation, code and job settings change through `flightpulse flink deploy` (snapshot first,
        // state compatibility checked, rollback on failure: docs/flink.md); `pulumi up` only uploads jars.
        // The provider has no system-rollback setting, so the first deploy turns it on.
        ignoreChanges: [
          "applicationConfiguration.applicationCodeConfiguration",
          "applicationConfiguration.environmentProperties",
        ],
      },
    );
    this.registerOutputs({ application: this.application.name, codeKey });
  }
}
