// What the dashboard shows, as one JSON document pushed to the browser over server-sent events. Each
// part comes from the same place an operator or analyst would look: worker metrics endpoints, the lease
// and manifest tables, the SNS endpoint's delivered messages, the rejected-events sink.

export interface RouteDemand {
  readonly route: string;
  readonly searches: number;
  readonly bookings: number;
  readonly seatsBooked: number;
  readonly cancellations: number;
  readonly revenue: number;
  readonly lookToBook: number;
}

export interface RoutePoint {
  /** Pane start, epoch ms (event time). */
  readonly t: number;
  readonly route: string;
  readonly bookings: number;
}

export interface ManifestRow {
  readonly flight: string;
  readonly route: string;
  readonly departure?: string;
  readonly capacity?: number;
  readonly seatsBooked: number;
  readonly loadFactor?: number;
  readonly oversold: boolean;
}

export interface AlertRow {
  readonly at: string;
  readonly topic: string;
  readonly subject?: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly message: string;
}

export interface ShardRow {
  readonly shardId: string;
  readonly owner?: string;
  readonly leaseCounter?: number;
  readonly checkpoint?: string;
  readonly millisBehindLatest?: number;
  readonly recordsPerSecond?: number;
  /** How long ago the owner last wrote the checkpoint (absent until it has, this run). */
  readonly checkpointAgeMs?: number;
  /** Bytes of the demand state snapshot the owner wrote at its last checkpoint (or restored). */
  readonly stateBytes?: number;
}

export interface WorkerRow {
  readonly workerId: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly status: string;
  readonly leases: number;
  readonly recordsPerSecond?: number;
}

export interface RejectedRow {
  readonly at?: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly code: string;
  readonly reason: string;
}

/** The Flink SQL app's cross-route insights, newest windows, as loaded into the warehouse. */
export interface NetworkInsights {
  /** The Flink job as its MiniCluster reports it (RUNNING, FAILED, …), or "off" with --no-flink. */
  readonly status: string;
  readonly airportWindow?: { readonly start: string; readonly end: string };
  readonly airports: readonly {
    readonly airport: string;
    readonly departingSeats: number;
    readonly arrivingSeats: number;
    readonly searches: number;
    readonly bookings: number;
  }[];
  readonly routesWindow?: { readonly start: string; readonly end: string };
  readonly topRoutes: readonly {
    readonly rank: number;
    readonly route: string;
    readonly seats: number;
    readonly bookings: number;
  }[];
}

export interface Totals {
  readonly eventsIn: number;
  readonly processed: number;
  readonly rejected: number;
  readonly alerts: number;
  readonly maxLagMs: number;
}

export interface DashboardSnapshot {
  readonly generatedAt: string;
  readonly totals: Totals;
  readonly topRoutes: readonly RouteDemand[];
  readonly series: readonly RoutePoint[];
  readonly manifests: readonly ManifestRow[];
  readonly alerts: readonly AlertRow[];
  readonly shards: readonly ShardRow[];
  readonly workers: readonly WorkerRow[];
  readonly rejected: readonly RejectedRow[];
  readonly insights: NetworkInsights;
  /** Parts that could not be read this time, with why (shown, never hidden). */
  readonly problems: readonly string[];
}

export const emptySnapshot = (now: number): DashboardSnapshot => ({
  generatedAt: new Date(now).toISOString(),
  totals: { eventsIn: 0, processed: 0, rejected: 0, alerts: 0, maxLagMs: 0 },
  topRoutes: [],
  series: [],
  manifests: [],
  alerts: [],
  shards: [],
  workers: [],
  rejected: [],
  insights: { status: "off", airports: [], topRoutes: [] },
  problems: [],
});

/** A worker's own figures for a shard it reads (its /metrics), joined into the lease table's rows. */
export interface ShardMetrics {
  readonly shardId: string;
  readonly workerId: string;
  readonly millisBehindLatest?: number;
  readonly recordsPerSecond?: number;
  readonly checkpointAgeMs?: number;
  readonly stateBytes?: number;
}

/** What one collector contributes; totals merge field by field, shard metrics join the shard rows. */
export type SnapshotPart = Partial<Omit<DashboardSnapshot, "totals">> & {
  readonly totals?: Partial<Totals>;
  readonly shardMetrics?: readonly ShardMetrics[];
};

/** Each lease row with its owner's figures for the shard (a worker that lost it may still report it). */
function joinShardMetrics(shards: readonly ShardRow[], metrics: readonly ShardMetrics[]): ShardRow[] {
  return shards.map((row) => {
    const m =
      metrics.find((x) => x.shardId === row.shardId && x.workerId === row.owner) ??
      (row.owner === undefined ? undefined : metrics.find((x) => x.shardId === row.shardId));
    if (m === undefined) return row;
    return {
      ...row,
      ...(m.millisBehindLatest !== undefined ? { millisBehindLatest: m.millisBehindLatest } : {}),
      ...(m.recordsPerSecond !== undefined ? { recordsPerSecond: m.recordsPerSecond } : {}),
      ...(m.checkpointAgeMs !== undefined ? { checkpointAgeMs: m.checkpointAgeMs } : {}),
      ...(m.stateBytes !== undefined ? { stateBytes: m.stateBytes } : {}),
    };
  });
}

/** One part of the snapshot, read from one source. A failing collector leaves its part empty. */
export type Collector = (now: number) => Promise<SnapshotPart>;

export async function collectSnapshot(
  collectors: Readonly<Record<string, Collector>>,
  now: number,
): Promise<DashboardSnapshot> {
  const parts = await Promise.all(
    Object.entries(collectors).map(async ([name, collect]) => {
      try {
        return await collect(now);
      } catch (e) {
        return { problems: [`${name}: ${(e as Error).message}`] } satisfies SnapshotPart;
      }
    }),
  );
  const snapshot: { -readonly [K in keyof DashboardSnapshot]: DashboardSnapshot[K] } = emptySnapshot(now);
  const shardMetrics: ShardMetrics[] = [];
  for (const part of parts) {
    const { totals, problems, shardMetrics: metrics, ...rest } = part;
    Object.assign(snapshot, rest);
    snapshot.totals = { ...snapshot.totals, ...totals };
    snapshot.problems = [...snapshot.problems, ...(problems ?? [])];
    shardMetrics.push(...(metrics ?? []));
  }
  snapshot.shards = joinShardMetrics(snapshot.shards, shardMetrics);
  return snapshot;
}
