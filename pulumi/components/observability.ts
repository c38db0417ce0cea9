// Observability: one CloudWatch dashboard (stream throughput and iterator age, worker lag and sink errors
// from the workers' embedded-metric logs, Data API failures, alerts sent, Flink uptime and backpressure)
// and the alarms that page operations through the operations topic.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { baseTags } from "./common";

/** Namespace of the workers' CloudWatch Embedded Metric Format lines. */
export const WORKER_METRICS_NAMESPACE = "flightpulse";

export interface ObservabilityArgs {
  readonly stack: string;
  readonly region: string;
  readonly bookingStreamName: pulumi.Input<string>;
  readonly insightsStreamName: pulumi.Input<string>;
  readonly flinkApplicationName: pulumi.Input<string>;
  readonly demandTopicName: pulumi.Input<string>;
  readonly operationsTopicArn: pulumi.Input<string>;
  readonly iteratorAgeAlarmMs: number;
  readonly alarmActionsEnabled: boolean;
}

export class Observability extends pulumi.ComponentResource {
  readonly dashboard: aws.cloudwatch.Dashboard;
  readonly alarms: aws.cloudwatch.MetricAlarm[] = [];

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:observability:Observability", name, {}, opts);
    const tags = baseTags(args.stack, "observability");
    const ns = WORKER_METRICS_NAMESPACE;
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: `flightpulse-${args.stack}`,
        dashboardBody: pulumi
          .all([
            args.bookingStreamName,
            args.insightsStreamName,
            args.flinkApplicationName,
            args.demandTopicName,
          ])
          .apply(([booking, insights, flink, topic]) => {
            const widget = (title: string, metrics: unknown[][], x: number, y: number, stat = "Sum") => ({
              type: "metric",
              x,
              y,
              width: 12,
              height: 6,
              properties: { title, region: args.region, stat, period: 60, view: "timeSeries", metrics },
            });
            return JSON.stringify({
              widgets: [
                widget(
                  "Records in per stream (records/min)",
                  [
                    ["AWS/Kinesis", "IncomingRecords", "StreamName", booking],
                    ["AWS/Kinesis", "IncomingRecords", "StreamName", insights],
                  ],
                  0,
                  0,
                ),
                widget(
                  "Iterator age (ms)",
                  [
                    ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", booking],
                    ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", insights],
                  ],
                  12,
                  0,
                  "Maximum",
                ),
                widget(
                  "Worker lag, MillisBehindLatest",
                  [[ns, "MillisBehindLatest", "Stack", args.stack]],
                  0,
                  6,
                  "Maximum",
                ),
                widget(
                  "Sink errors",
                  [
                    [ns, "SinkErrors", "Stack", args.stack],
                    [ns, "RejectedEvents", "Stack", args.stack],
                  ],
                  12,
                  6,
                ),
                widget("Data API failures", [[ns, "DataApiFailures", "Stack", args.stack]], 0, 12),
                widget("Alerts sent", [["AWS/SNS", "NumberOfMessagesPublished", "TopicName", topic]], 12, 12),
                widget(
                  "Flink uptime and backpressure",
                  [
                    ["AWS/KinesisAnalytics", "uptime", "Application", flink],
                    ["AWS/KinesisAnalytics", "backPressuredTimeMsPerSecond", "Application", flink],
                  ],
                  0,
                  18,
                  "Maximum",
                ),
              ],
            });
          }),
      },
      { parent: this },
    );
    const alarm = (
      id: string,
      a: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "tags">,
    ) => {
      const m = new aws.cloudwatch.MetricAlarm(
        `${name}-${id}`,
        {
          ...a,
          name: `flightpulse-${args.stack}-${id}`,
          actionsEnabled: args.alarmActionsEnabled,
          alarmActions: [args.operationsTopicArn],
          okActions: [args.operationsTopicArn],
          tags,
        },
        { parent: this },
      );
      this.alarms.push(m);
      return m;
    };
    alarm("iterator-age", {
      alarmDescription: "Workers are behind the booking stream",
      namespace: "AWS/Kinesis",
      metricName: "GetRecords.IteratorAgeMilliseconds",
      dimensions: { StreamName: args.bookingStreamName },
      statistic: "Maximum",
      period: 60,
      evaluationPeriods: 5,
      threshold: args.iteratorAgeAlarmMs * 5,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    alarm("sink-errors", {
      alarmDescription: "A sink failed non-retryably: a shard stopped processing",
      namespace: ns,
      metricName: "SinkErrors",
      dimensions: { Stack: args.stack },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    alarm("data-api-failures", {
      alarmDescription: "Warehouse loads are failing",
      namespace: ns,
      metricName: "DataApiFailures",
      dimensions: { Stack: args.stack },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    alarm("flink-down", {
      alarmDescription: "The insights Flink application restarted or stopped",
      namespace: "AWS/KinesisAnalytics",
      metricName: "fullRestarts",
      dimensions: { Application: args.flinkApplicationName },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
    });
    this.registerOutputs({ dashboard: this.dashboard.dashboardName });
  }

  get dashboardUrl(): pulumi.Output<string> {
    return this.dashboard.dashboardName.apply(
      (n) => `https://console.aws.amazon.com/cloudwatch/home#dashboards:name=${encodeURIComponent(n)}`,
    );
  }
}
