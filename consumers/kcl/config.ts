// The runtime's configuration with the Java KCL's defaults, validated once with messages naming the field.
import type { ExtendedSequenceNumber } from "./lease";

export type InitialPosition = "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP";

export interface KclConfig {
  readonly streamName: string;
  readonly workerId: string;
  /** KCL failoverTimeMillis: a lease not renewed for this long may be taken (default 10 s). */
  readonly failoverTimeMillis: number;
  /** Renewer period (KCL: failover / 3). */
  readonly renewIntervalMillis: number;
  /** Taker period. The KCL uses 2 × failover; shorter here so shards move soon after expiry (default failover / 2). */
  readonly takeIntervalMillis: number;
  readonly maxLeasesForWorker: number;
  readonly maxLeasesToStealAtOneTime: number;
  /** GetRecords limit (KCL maxRecords, default 10,000). */
  readonly maxRecords: number;
  /** Pause after an empty read (KCL idleTimeBetweenReadsInMillis, default 1 s). */
  readonly idleTimeBetweenReadsMillis: number;
  /** Shard discovery period (KCL shardSyncIntervalMillis, default 60 s). */
  readonly shardSyncIntervalMillis: number;
  /** Batches fetched ahead of the processor per shard; no GetRecords while more are pending (default 3). */
  readonly maxPendingBatches: number;
  readonly initialPosition: InitialPosition;
  readonly initialTimestamp?: Date;
  /**
   * KCL callProcessRecordsEvenForEmptyRecordList (default false): also call processRecords for empty
   * reads, so a processor with time-driven state (idle watermarks) can flush and checkpoint.
   */
  readonly callProcessRecordsEvenForEmptyRecordList: boolean;
}

export const KCL_DEFAULTS = {
  failoverTimeMillis: 10_000,
  maxLeasesForWorker: Number.POSITIVE_INFINITY,
  maxLeasesToStealAtOneTime: 1,
  maxRecords: 10_000,
  idleTimeBetweenReadsMillis: 1000,
  shardSyncIntervalMillis: 60_000,
  maxPendingBatches: 3,
  callProcessRecordsEvenForEmptyRecordList: false,
  initialPosition: "TRIM_HORIZON" as InitialPosition,
} as const;

export class KclConfigError extends Error {
  readonly code = "KCL_CONFIG_INVALID";
  readonly retryable = false;
}

export function kclConfig(input: Partial<KclConfig> & Pick<KclConfig, "streamName" | "workerId">): KclConfig {
  const failover = input.failoverTimeMillis ?? KCL_DEFAULTS.failoverTimeMillis;
  const cfg: KclConfig = {
    ...KCL_DEFAULTS,
    renewIntervalMillis: Math.floor(failover / 3),
    takeIntervalMillis: Math.floor(failover / 2),
    ...input,
    failoverTimeMillis: failover,
  };
  const problems: string[] = [];
  const positive = (k: keyof KclConfig) => {
    const v = cfg[k];
    if (typeof v !== "number" || !(v > 0)) problems.push(`${k} must be a positive number (got ${String(v)})`);
  };
  (
    [
      "failoverTimeMillis",
      "renewIntervalMillis",
      "takeIntervalMillis",
      "maxLeasesForWorker",
      "maxLeasesToStealAtOneTime",
      "maxRecords",
      "idleTimeBetweenReadsMillis",
      "shardSyncIntervalMillis",
      "maxPendingBatches",
    ] as const
  ).forEach(positive);
  if (cfg.maxRecords > 10_000)
    problems.push(`maxRecords must be at most 10000, the GetRecords limit (got ${cfg.maxRecords})`);
  if (cfg.renewIntervalMillis >= cfg.failoverTimeMillis)
    problems.push("renewIntervalMillis must be shorter than failoverTimeMillis, or leases expire while held");
  if (cfg.streamName.trim() === "") problems.push("streamName is required");
  if (cfg.workerId.trim() === "") problems.push("workerId is required");
  if (cfg.initialPosition === "AT_TIMESTAMP" && cfg.initialTimestamp === undefined)
    problems.push("initialTimestamp is required with initialPosition AT_TIMESTAMP");
  if (problems.length > 0) throw new KclConfigError(`invalid consumer configuration: ${problems.join("; ")}`);
  return cfg;
}

export const initialCheckpoint = (cfg: KclConfig): ExtendedSequenceNumber => ({
  sequenceNumber: cfg.initialPosition,
  subSequenceNumber: 0,
});
