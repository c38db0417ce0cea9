// Names of the streams, tables and topics of one stack. The single place both the Pulumi program and the
// local bootstrap read, so `npm start` creates exactly what `pulumi up` would, under the same names.

export interface ResourceNames {
  /** Kinesis stream the booking platform writes to (partition key = route). */
  readonly bookingStream: string;
  /** Kinesis stream the Managed Flink app writes cross-route insights to. */
  readonly insightsStream: string;
  /** KCL lease table of the booking-events consumer application. */
  readonly leaseTable: string;
  /** KCL lease table of the demand-insights consumer application. */
  readonly insightsLeaseTable: string;
  /** Seat manifests, one item per flight plus one per booking. */
  readonly manifestTable: string;
  /** Alert de-duplication state (cooldowns survive worker failover). */
  readonly alertStateTable: string;
  /** Rejected events until the warehouse table takes them. */
  readonly rejectedTable: string;
  /** Per-route demand baselines (exponentially weighted, per hour of week). */
  readonly baselineTable: string;
  /** Demand state: each shard's snapshot at its checkpoint, and what a finished parent hands its children. */
  readonly shardStateTable: string;
  /** SNS topic for high-demand alerts to revenue teams. */
  readonly demandAlertsTopic: string;
  /** SNS topic for operational alerts (sink failures, stuck shards). */
  readonly operationsTopic: string;
  /** KCL application name (also the lease table's prefix). */
  readonly consumerApplication: string;
}

const STACK_NAME = /^[a-z][a-z0-9-]{0,19}$/;

export function resourceNames(stack: string): ResourceNames {
  if (!STACK_NAME.test(stack)) {
    throw new Error(`stack name "${stack}" must match ${STACK_NAME} (lower case, at most 20 characters)`);
  }
  const p = `flightpulse-${stack}`;
  return {
    bookingStream: `${p}-booking-events`,
    insightsStream: `${p}-demand-insights`,
    leaseTable: `${p}-worker-leases`,
    insightsLeaseTable: `${p}-insights-leases`,
    manifestTable: `${p}-seat-manifests`,
    alertStateTable: `${p}-alert-state`,
    rejectedTable: `${p}-rejected-events`,
    baselineTable: `${p}-route-baselines`,
    shardStateTable: `${p}-shard-state`,
    demandAlertsTopic: `${p}-demand-alerts`,
    operationsTopic: `${p}-operations`,
    consumerApplication: `${p}-worker`,
  };
}

/** The stack name `npm start` uses for everything it creates locally. */
export const LOCAL_STACK = "local";
