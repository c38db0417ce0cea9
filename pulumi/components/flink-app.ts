// FlinkApp: the Managed Service for Apache Flink SQL application (FLINK-1_20) for cross-route insights,
// reading booking-events and writing demand-insights. Code from S3 (bucket and key from stack config),
// checkpointing and snapshots on, parallelism and autoscaling from config, logs to CloudWatch.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { flinkPolicy } from "../iam/policies";
import { baseTags, serviceRole } from "./common";

export interface FlinkAppArgs {
  readonly stack: string;
  readonly region: string;
  readonly sourceStreamArn: pulumi.Input<string>;
  readonly sourceStreamName: pulumi.Input<string>;
  readonly sinkStreamArn: pulumi.Input<string>;
  readonly sinkStreamName: pulumi.Input<string>;
  readonly codeBucket: string;
  readonly codeKey: string;
  readonly parallelism: number;
  readonly autoScaling: boolean;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly logRetentionDays: number;
}

export class FlinkApp extends pulumi.ComponentResource {
  readonly application: aws.kinesisanalyticsv2.Application;

  constructor(name: string, args: FlinkAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:insights:FlinkApp", name, {}, opts);
    const tags = baseTags(args.stack, "flink");
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
        .all([args.sourceStreamArn, args.sinkStreamArn, args.kmsKeyArn, logGroup.arn])
        .apply(([sourceStreamArn, sinkStreamArn, kmsKeyArn, logGroupArn]) =>
          flinkPolicy({
            sourceStreamArn,
            sinkStreamArn,
            kmsKeyArn,
            logGroupArn,
            codeObjectArn: `arn:aws:s3:::${args.codeBucket}/${args.codeKey}`,
          }),
        ),
      { parent: this, tags },
    );
    this.application = new aws.kinesisanalyticsv2.Application(
      `${name}-app`,
      {
        name: `flightpulse-${args.stack}-insights`,
        runtimeEnvironment: "FLINK-1_20",
        serviceExecutionRole: role.arn,
        startApplication: true,
        applicationConfiguration: {
          applicationCodeConfiguration: {
            codeContentType: "ZIPFILE",
            codeContent: {
              s3ContentLocation: { bucketArn: `arn:aws:s3:::${args.codeBucket}`, fileKey: args.codeKey },
            },
          },
          applicationSnapshotConfiguration: { snapshotsEnabled: true },
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
                propertyGroupId: "FlinkApplicationProperties",
                propertyMap: {
                  region: args.region,
                  sourceStream: args.sourceStreamName,
                  sinkStream: args.sinkStreamName,
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
      { parent: this },
    );
    this.registerOutputs({ application: this.application.name });
  }
}
