// Dashboard collectors for the local stack: each reads one source the way an operator would (the SNS
// endpoint's delivered messages, a Scan of the lease, manifest and rejected tables, worker /metrics, the
// warehouse's panes and windows through the Data API).
import * as fs from "node:fs";
import * as path from "node:path";
import { type AttributeValue, type DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DataApi } from "../../consumers/warehouse/data-api";
import type { SnsServer } from "../sns-endpoint/sns-server";
import type {
  AlertRow,
  Collector,
  ManifestRow,
  RejectedRow,
  RouteDemand,
  RoutePoint,
  ShardMetrics,
  ShardRow,
  WorkerRow,
} from "./snapshot";

const str = (v: AttributeValue | undefined) => v?.S;
const num = (v: AttributeValue | undefined) => (v?.N === undefined ? undefined : Number(v.N));

async function scanAll(
  client: DynamoDBClient,
  table: string,
  limit: number,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: start, Limit: 500 }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined && items.length < limit);
  return items;
}

export function alertsCollector(sns: SnsServer, topicArn: string, show = 30): Collector {
  return async () => {
    const messages = sns.messages(topicArn);
    const alerts: AlertRow[] = messages
      .slice(-show)
      .reverse()
      .map((m) => ({
        at: m.publishedAt,
        topic: m.topicArn,
        ...(m.subject !== undefined ? { subject: m.subject } : {}),
        attributes: Object.fromEntries(
          Object.entries(m.attributes).map(([k, v]) => [k, v.StringValue ?? ""]),
        ),
        message: m.message,
      }));
    return { alerts, totals: { alerts: messages.length } };
  };
}

export function leasesCollector(client: DynamoDBClient, table: string): Collector {
  return async () => {
    const shards: ShardRow[] = (await scanAll(client, table, 1000))
      .map((i) => ({
        shardId: str(i["leaseKey"]) ?? "?",
        ...(str(i["leaseOwner"]) !== undefined ? { owner: str(i["leaseOwner"]) as string } : {}),
        ...(num(i["leaseCounter"]) !== undefined ? { leaseCounter: num(i["leaseCounter"]) as number } : {}),
        ...(str(i["checkpoint"]) !== undefined ? { checkpoint: str(i["checkpoint"]) as string } : {}),
      }))
      .sort((a, b) => (a.shardId < b.shardId ? -1 : 1));
    return { shards };
  };
}

export function manifestsCollector(client: DynamoDBClient, table: string, show = 12): Collector {
  return async () => {
    const rows: ManifestRow[] = (await scanAll(client, table, 20_000))
      .filter((i) => str(i["sk"]) === "MANIFEST")
      .map((i) => ({
        flight: str(i["flight"]) ?? "?",
        route: str(i["route"]) ?? "?",
        ...(str(i["departureTime"]) !== undefined ? { departure: str(i["departureTime"]) as string } : {}),
        ...(num(i["capacity"]) !== undefined ? { capacity: num(i["capacity"]) as number } : {}),
        seatsBooked: num(i["seatsBooked"]) ?? 0,
        ...(num(i["loadFactor"]) !== undefined ? { loadFactor: num(i["loadFactor"]) as number } : {}),
        oversold: i["oversold"]?.BOOL === true,
      }));
    rows.sort((a, b) => (b.loadFactor ?? 0) - (a.loadFactor ?? 0) || b.seatsBooked - a.seatsBooked);
    return { manifests: rows.slice(0, show) };
  };
}

export function rejectedCollector(client: DynamoDBClient, table: string, show = 20): Collector {
  return async () => {
    const items = await scanAll(client, table, 5000);
    const rows: RejectedRow[] = items
      .map((i) => ({
        ...(str(i["rejectedAt"]) !== undefined ? { at: str(i["rejectedAt"]) as string } : {}),
        shardId: str(i["pk"]) ?? "?",
        sequenceNumber: str(i["sequenceNumber"]) ?? "?",
        code: str(i["code"]) ?? "?",
        reason: str(i["reason"]) ?? "",
      }))
      .sort((a, b) => ((a.at ?? "") < (b.at ?? "") ? 1 : -1));
    return { rejected: rows.slice(0, show), totals: { rejected: items.length } };
  };
}

interface WorkerMetrics {
  events?: number;
  rejected?: number;
  leasesHeld?: number;
  shards?: Record<
    string,
    { millisBehindLatest?: number; recordsPerSecond?: number; lastCheckpointAt?: number }
  >;
  /** Bytes of each shard's last state snapshot. */
  stateBytes?: Record<string, number>;
}

/** Worker health and metrics from each worker's /health and /metrics endpoints. */
export function workersCollector(list: () => readonly { workerId: string; health?: string }[]): Collector {
  return async (now) => {
    let processed = 0;
    let maxLagMs = 0;
    const shardMetrics: ShardMetrics[] = [];
    const workers: WorkerRow[] = await Promise.all(
      list().map(async (w) => {
        if (w.health === undefined)
          return { workerId: w.workerId, url: "", healthy: false, status: "starting", leases: 0 };
        try {
          const signal = AbortSignal.timeout(800);
          const h = (await (await fetch(`${w.health}/health`, { signal })).json()) as {
            healthy: boolean;
            status: string;
            leases?: number;
          };
          const m = (await (await fetch(`${w.health}/metrics`, { signal })).json()) as WorkerMetrics;
          processed += (m.events ?? 0) + (m.rejected ?? 0);
          let rate = 0;
          for (const [shardId, shard] of Object.entries(m.shards ?? {})) {
            maxLagMs = Math.max(maxLagMs, shard.millisBehindLatest ?? 0);
            rate += shard.recordsPerSecond ?? 0;
            shardMetrics.push({
              shardId,
              workerId: w.workerId,
              ...(shard.millisBehindLatest !== undefined
                ? { millisBehindLatest: shard.millisBehindLatest }
                : {}),
              ...(shard.recordsPerSecond !== undefined ? { recordsPerSecond: shard.recordsPerSecond } : {}),
              ...(shard.lastCheckpointAt !== undefined
                ? { checkpointAgeMs: Math.max(0, now - shard.lastCheckpointAt) }
                : {}),
              ...(m.stateBytes?.[shardId] !== undefined ? { stateBytes: m.stateBytes[shardId] } : {}),
            });
          }
          return {
            workerId: w.workerId,
            url: w.health,
            healthy: h.healthy,
            status: h.status,
            leases: h.leases ?? 0,
            recordsPerSecond: rate,
          };
        } catch (e) {
          return {
            workerId: w.workerId,
            url: w.health,
            healthy: false,
            status: (e as Error).message,
            leases: 0,
          };
        }
      }),
    );
    return { workers, shardMetrics, totals: { processed, maxLagMs } };
  };
}

const DASHBOARD_SQL = path.join(__dirname, "..", "..", "sql", "dashboard");
const readSql = (file: string, params: Record<string, number>) =>
  Object.entries(params).reduce(
    (sql, [k, v]) => sql.replaceAll(`:${k}`, String(v)),
    fs.readFileSync(path.join(DASHBOARD_SQL, file), "utf8"),
  );

/** The Data API's TIMESTAMP text ("2026-11-30 09:54:00", UTC without a zone) as epoch ms. */
const utcMs = (text: string) => Date.parse(`${text.replace(" ", "T")}${text.endsWith("Z") ? "" : "Z"}`);

/** Route demand from the warehouse the workers load: the newest windows (top routes) and recent panes. */
export function demandCollector(warehouse: Pick<DataApi, "query">, minutes = 30, show = 10): Collector {
  const seriesSql = readSql("route-demand-series.sql", { minutes });
  const topSql = readSql("top-routes.sql", { limit: show });
  return async () => {
    const [series, top] = await Promise.all([warehouse.query(seriesSql), warehouse.query(topSql)]);
    const points: RoutePoint[] = series.map((r) => ({
      t: utcMs(String(r["pane_start"])),
      route: String(r["route"]),
      bookings: Number(r["bookings"]),
    }));
    const topRoutes: RouteDemand[] = top.map((r) => {
      const searches = Number(r["searches"]);
      const bookings = Number(r["bookings"]);
      return {
        route: String(r["route"]),
        searches,
        bookings,
        seatsBooked: Number(r["seats_booked"]),
        cancellations: 0,
        revenue: Number(r["revenue"]),
        lookToBook: searches === 0 ? 0 : bookings / searches,
      };
    });
    return { series: points, topRoutes };
  };
}

const windowOf = (row: Record<string, unknown> | undefined) =>
  row === undefined
    ? undefined
    : {
        start: new Date(utcMs(String(row["window_start"]))).toISOString(),
        end: new Date(utcMs(String(row["window_end"]))).toISOString(),
      };

/** The Flink app's insights from the warehouse (the newest airport window and Top-N window), and its job state. */
export function insightsCollector(
  warehouse: Pick<DataApi, "query">,
  status: () => Promise<string>,
  show = 10,
): Collector {
  const airportsSql = readSql("insight-airports.sql", { limit: show });
  const routesSql = readSql("insight-top-routes.sql", {});
  return async () => {
    const [state, airports, routes] = await Promise.all([
      status(),
      warehouse.query(airportsSql),
      warehouse.query(routesSql),
    ]);
    const airportWindow = windowOf(airports[0]);
    const routesWindow = windowOf(routes[0]);
    return {
      insights: {
        status: state,
        ...(airportWindow !== undefined ? { airportWindow } : {}),
        airports: airports.map((r) => ({
          airport: String(r["airport"]),
          departingSeats: Number(r["departing_seats"]),
          arrivingSeats: Number(r["arriving_seats"]),
          searches: Number(r["searches"]),
          bookings: Number(r["bookings"]),
        })),
        ...(routesWindow !== undefined ? { routesWindow } : {}),
        topRoutes: routes.map((r) => ({
          rank: Number(r["rank"]),
          route: String(r["route"]),
          seats: Number(r["seats"]),
          bookings: Number(r["bookings"]),
        })),
      },
    };
  };
}
