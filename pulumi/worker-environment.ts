// The worker task's environment: exactly the settings consumers/config/worker-settings.ts marks as
// deployed, with this stack's values. An infra test asserts the names match, so the task can never set a
// variable the worker does not read, nor miss one it needs.
import * as pulumi from "@pulumi/pulumi";
import { deployedWorkerSettingNames } from "../consumers/config/worker-settings";

export interface WorkerEnvironmentInputs {
  readonly stack: string;
  readonly region: string;
  readonly bookingStream: pulumi.Input<string>;
  readonly leaseTable: pulumi.Input<string>;
  readonly insightsStream: pulumi.Input<string>;
  readonly insightsLeaseTable: pulumi.Input<string>;
  readonly manifestTable: pulumi.Input<string>;
  readonly alertStateTable: pulumi.Input<string>;
  readonly rejectedTable: pulumi.Input<string>;
  readonly baselineTable: pulumi.Input<string>;
  readonly shardStateTable: pulumi.Input<string>;
  readonly demandTopicArn: pulumi.Input<string>;
  readonly operationsTopicArn: pulumi.Input<string>;
  readonly redshiftWorkgroup: pulumi.Input<string>;
  readonly redshiftDatabase: string;
  readonly dashboardUrl: pulumi.Input<string>;
  readonly healthPort: number;
}

export function workerEnvironment(
  i: WorkerEnvironmentInputs,
): pulumi.Output<{ name: string; value: string }[]> {
  const values: Record<string, pulumi.Input<string>> = {
    FLIGHTPULSE_STACK: i.stack,
    AWS_REGION: i.region,
    FLIGHTPULSE_BOOKING_STREAM: i.bookingStream,
    FLIGHTPULSE_LEASE_TABLE: i.leaseTable,
    FLIGHTPULSE_INSIGHTS_STREAM: i.insightsStream,
    FLIGHTPULSE_INSIGHTS_LEASE_TABLE: i.insightsLeaseTable,
    FLIGHTPULSE_MANIFEST_TABLE: i.manifestTable,
    FLIGHTPULSE_ALERT_STATE_TABLE: i.alertStateTable,
    FLIGHTPULSE_REJECTED_TABLE: i.rejectedTable,
    FLIGHTPULSE_BASELINE_TABLE: i.baselineTable,
    FLIGHTPULSE_SHARD_STATE_TABLE: i.shardStateTable,
    FLIGHTPULSE_DEMAND_TOPIC_ARN: i.demandTopicArn,
    FLIGHTPULSE_OPERATIONS_TOPIC_ARN: i.operationsTopicArn,
    FLIGHTPULSE_REDSHIFT_WORKGROUP: i.redshiftWorkgroup,
    FLIGHTPULSE_REDSHIFT_DATABASE: i.redshiftDatabase,
    FLIGHTPULSE_LOG_LEVEL: "info",
    FLIGHTPULSE_HEALTH_PORT: String(i.healthPort),
    FLIGHTPULSE_DASHBOARD_URL: i.dashboardUrl,
  };
  const expected = deployedWorkerSettingNames();
  const given = Object.keys(values).sort();
  if (JSON.stringify(expected) !== JSON.stringify(given)) {
    throw new Error(
      `worker environment out of step with worker-settings.ts: expected ${expected.join(", ")}; given ${given.join(", ")}`,
    );
  }
  return pulumi.all(
    Object.entries(values).map(([name, value]) => pulumi.output(value).apply((v) => ({ name, value: v }))),
  );
}
