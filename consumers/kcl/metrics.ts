// Runtime metrics per shard (MillisBehindLatest, records/s, batch latency) and per worker (leases held,
// takes, steals). Readable in process (snapshot, for the dashboard and /metrics) and written as CloudWatch
// Embedded Metric Format lines, which CloudWatch Logs turns into metrics with no API call.

interface ShardStats {
  millisBehindLatest?: number;
  records: number;
  batches: number;
  lastBatchLatencyMs: number;
  recordsPerSecond: number;
  lastAt: number;
  /** When this worker last wrote the shard's checkpoint (epoch ms); absent until it has. */
  lastCheckpointAt?: number;
}

export interface MetricsSnapshot {
  readonly workerId: string;
  readonly leasesHeld: number;
  readonly takes: number;
  readonly steals: number;
  readonly shards: Readonly<Record<string, Readonly<ShardStats>>>;
}

export const METRICS_NAMESPACE = "flightpulse";

export class RuntimeMetrics {
  private readonly shards = new Map<string, ShardStats>();
  leasesHeld = 0;
  takes = 0;
  steals = 0;

  constructor(
    private readonly workerId: string,
    private readonly dimensions: Readonly<Record<string, string>> = {},
  ) {}

  recordBatch(
    shardId: string,
    records: number,
    millisBehindLatest: number | undefined,
    latencyMs: number,
    now: number,
  ): void {
    const s = this.shards.get(shardId) ?? {
      records: 0,
      batches: 0,
      lastBatchLatencyMs: 0,
      recordsPerSecond: 0,
      lastAt: now,
    };
    const dt = Math.max(1, now - s.lastAt);
    // Exponentially weighted rate: smooth enough for a dashboard, quick to follow a surge.
    s.recordsPerSecond = s.batches === 0 ? 0 : 0.7 * s.recordsPerSecond + 0.3 * ((records * 1000) / dt);
    s.records += records;
    s.batches++;
    s.lastBatchLatencyMs = latencyMs;
    s.lastAt = now;
    if (millisBehindLatest !== undefined) s.millisBehindLatest = millisBehindLatest;
    this.shards.set(shardId, s);
  }

  recordCheckpoint(shardId: string, now: number): void {
    const s = this.shards.get(shardId);
    if (s !== undefined) s.lastCheckpointAt = now;
    else
      this.shards.set(shardId, {
        records: 0,
        batches: 0,
        lastBatchLatencyMs: 0,
        recordsPerSecond: 0,
        lastAt: now,
        lastCheckpointAt: now,
      });
  }

  forget(shardId: string): void {
    this.shards.delete(shardId);
  }

  snapshot(): MetricsSnapshot {
    return {
      workerId: this.workerId,
      leasesHeld: this.leasesHeld,
      takes: this.takes,
      steals: this.steals,
      shards: Object.fromEntries([...this.shards].map(([k, v]) => [k, { ...v }])),
    };
  }

  /** One EMF line per shard plus one for the worker. */
  emf(now: number): string[] {
    const line = (dims: Record<string, string>, metrics: Record<string, [number, string]>) =>
      JSON.stringify({
        _aws: {
          Timestamp: now,
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [Object.keys(dims)],
              Metrics: Object.entries(metrics).map(([Name, [, Unit]]) => ({ Name, Unit })),
            },
          ],
        },
        ...dims,
        ...Object.fromEntries(Object.entries(metrics).map(([k, [v]]) => [k, v])),
      });
    const lines = [...this.shards].map(([shardId, s]) =>
      line(
        { ...this.dimensions, ShardId: shardId },
        {
          MillisBehindLatest: [s.millisBehindLatest ?? 0, "Milliseconds"],
          RecordsPerSecond: [s.recordsPerSecond, "Count/Second"],
          BatchLatency: [s.lastBatchLatencyMs, "Milliseconds"],
        },
      ),
    );
    lines.push(
      line(
        { ...this.dimensions, WorkerId: this.workerId },
        {
          LeasesHeld: [this.leasesHeld, "Count"],
          LeaseTakes: [this.takes, "Count"],
          LeaseSteals: [this.steals, "Count"],
        },
      ),
    );
    return lines;
  }
}
