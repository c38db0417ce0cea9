// The worker's HTTP health endpoint: ECS's container health check calls /health; the local dashboard
// reads /metrics. Health is whatever the worker reports (e.g. "not started", "shutting down").
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthReport {
  readonly healthy: boolean;
  readonly status: string;
  readonly [key: string]: unknown;
}

export interface HealthSource {
  health(): HealthReport;
  /** Snapshot of metrics for dashboards (JSON-serialisable). */
  metrics(): unknown;
}

export interface HealthServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startHealthServer(
  source: HealthSource,
  port: number,
  host: string,
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== "GET") return send(405, { error: "only GET" });
      if (req.url === "/health") {
        const report = source.health();
        return send(report.healthy ? 200 : 503, report);
      }
      if (req.url === "/metrics") return send(200, source.metrics());
      return send(404, { error: "not found", paths: ["/health", "/metrics"] });
    } catch (e) {
      return send(500, { error: (e as Error).message });
    }
  });
  // A slow or stuck client may not hold a socket: headers within 10 s, the whole request within 30 s.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new Error(`FLIGHTPULSE_HEALTH_PORT: port ${port} on ${host} is already in use`)
          : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
