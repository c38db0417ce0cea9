// EventStream: the booking-events and demand-insights Kinesis streams (provisioned or on-demand, KMS,
// retention), and the raw archive: Firehose from booking-events to a private, encrypted S3 bucket
// partitioned by date, with a Glue table (partition projection) so Athena can query it with no crawler.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceNames } from "../../analytics/resource-names";
import { firehosePolicy } from "../iam/policies";
import { baseTags, privateBucket, serviceRole } from "./common";

export interface EventStreamArgs {
  readonly stack: string;
  readonly names: ResourceNames;
  readonly mode: "PROVISIONED" | "ON_DEMAND";
  readonly shardCount: number;
  readonly retentionHours: number;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly archiveExpirationDays: number;
  readonly logRetentionDays: number;
}

export class EventStream extends pulumi.ComponentResource {
  readonly bookingStream: aws.kinesis.Stream;
  readonly insightsStream: aws.kinesis.Stream;
  readonly archiveBucket: aws.s3.Bucket;
  readonly firehose: aws.kinesis.FirehoseDeliveryStream;
  readonly glueTable: aws.glue.CatalogTable;

  constructor(name: string, args: EventStreamArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:streaming:EventStream", name, {}, opts);
    const tags = baseTags(args.stack, "event-stream");
    const stream = (logical: string, streamName: string, shards: number) =>
      new aws.kinesis.Stream(
        logical,
        {
          name: streamName,
          retentionPeriod: args.retentionHours,
          encryptionType: "KMS",
          kmsKeyId: args.kmsKeyArn,
          streamModeDetails: { streamMode: args.mode },
          ...(args.mode === "PROVISIONED" ? { shardCount: shards } : {}),
          shardLevelMetrics: [
            "IncomingRecords",
            "OutgoingRecords",
            "IteratorAgeMilliseconds",
            "ReadProvisionedThroughputExceeded",
            "WriteProvisionedThroughputExceeded",
          ],
          tags,
        },
        { parent: this },
      );
    this.bookingStream = stream(`${name}-booking`, args.names.bookingStream, args.shardCount);
    this.insightsStream = stream(`${name}-insights`, args.names.insightsStream, 1);

    this.archiveBucket = privateBucket(
      `${name}-archive`,
      {
        bucketPrefix: `flightpulse-${args.stack}-raw-`,
        forceDestroy: false,
        kmsKeyArn: args.kmsKeyArn,
        tags,
      },
      this,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-archive-lifecycle`,
      {
        bucket: this.archiveBucket.id,
        rules: [
          {
            id: "raw-events",
            status: "Enabled",
            filter: { prefix: "raw/" },
            transitions: [
              { days: 30, storageClass: "STANDARD_IA" },
              { days: 90, storageClass: "GLACIER_IR" },
            ],
            expiration: { days: args.archiveExpirationDays },
          },
          {
            id: "abort-uploads",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-archive-tls`,
      {
        bucket: this.archiveBucket.id,
        policy: this.archiveBucket.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "TlsOnly",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-firehose-logs`,
      {
        name: `/flightpulse/${args.stack}/firehose`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags,
      },
      { parent: this },
    );
    const role = serviceRole(
      `${name}-firehose`,
      "firehose.amazonaws.com",
      pulumi
        .all([this.bookingStream.arn, this.archiveBucket.arn, args.kmsKeyArn, logGroup.arn])
        .apply(([streamArn, bucketArn, kmsKeyArn, logGroupArn]) =>
          firehosePolicy({ streamArn, bucketArn, kmsKeyArn, logGroupArn }),
        ),
      { parent: this, tags },
    );
    this.firehose = new aws.kinesis.FirehoseDeliveryStream(
      `${name}-archive-delivery`,
      {
        name: `flightpulse-${args.stack}-raw-archive`,
        destination: "extended_s3",
        kinesisSourceConfiguration: { kinesisStreamArn: this.bookingStream.arn, roleArn: role.arn },
        extendedS3Configuration: {
          roleArn: role.arn,
          bucketArn: this.archiveBucket.arn,
          prefix: "raw/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/",
          errorOutputPrefix:
            "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/",
          bufferingSize: 64,
          bufferingInterval: 300,
          compressionFormat: "GZIP",
          kmsKeyArn: args.kmsKeyArn,
          cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: "delivery" },
        },
        tags,
      },
      { parent: this },
    );

    const database = new aws.glue.CatalogDatabase(
      `${name}-glue-db`,
      { name: `flightpulse_${args.stack.replace(/-/g, "_")}` },
      { parent: this },
    );
    this.glueTable = new aws.glue.CatalogTable(
      `${name}-glue-raw`,
      {
        databaseName: database.name,
        name: "raw_events",
        tableType: "EXTERNAL_TABLE",
        parameters: {
          classification: "json",
          compressionType: "gzip",
          "projection.enabled": "true",
          "projection.year.type": "integer",
          "projection.year.range": "2024,2100",
          "projection.month.type": "integer",
          "projection.month.range": "1,12",
          "projection.month.digits": "2",
          "projection.day.type": "integer",
          "projection.day.range": "1,31",
          "projection.day.digits": "2",
          "storage.location.template": this.archiveBucket.bucket.apply(
            (b) => `s3://${b}/raw/year=\${year}/month=\${month}/day=\${day}/`,
          ),
        },
        partitionKeys: [
          { name: "year", type: "int" },
          { name: "month", type: "int" },
          { name: "day", type: "int" },
        ],
        storageDescriptor: {
          location: this.archiveBucket.bucket.apply((b) => `s3://${b}/raw/`),
          inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
          outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
          serDeInfo: {
            serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
            parameters: { "ignore.malformed.json": "true" },
          },
          columns: [
            { name: "eventid", type: "string" },
            { name: "type", type: "string" },
            { name: "version", type: "int" },
            { name: "occurredat", type: "string" },
            { name: "origin", type: "string" },
            { name: "destination", type: "string" },
            { name: "flightnumber", type: "string" },
            { name: "departuredate", type: "string" },
            { name: "bookingref", type: "string" },
            { name: "cabin", type: "string" },
            { name: "seats", type: "int" },
            { name: "capacity", type: "int" },
            { name: "passengers", type: "int" },
            { name: "channel", type: "string" },
            { name: "fare", type: "struct<amount:double,currency:string>" },
          ],
        },
      },
      { parent: this },
    );
    this.registerOutputs({
      bookingStreamArn: this.bookingStream.arn,
      archiveBucket: this.archiveBucket.bucket,
    });
  }
}
