// The live dashboard's HTTP server (127.0.0.1 only): the page, its script and Chart.js, a JSON snapshot at
// /api/snapshot, and /api/stream, which pushes a fresh snapshot every interval over server-sent events.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { limitServer } from "../../ingest/http-limits";
import { type Collector, collectSnapshot, type DashboardSnapshot } from "./snapshot";

export interface DashboardOptions {
  readonly collectors: Readonly<Record<string, Collector>>;
  readonly port?: number;
  readonly host?: string;
  /** How often the snapshot is rebuilt and pushed (default 1000 ms). */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export interface DashboardServer {
  readonly url: string;
  /** The latest snapshot (rebuilt every interval while any browser listens, or on demand). */
  snapshot(): Promise<DashboardSnapshot>;
  close(): Promise<void>;
}

const PUBLIC = path.join(__dirname, "public");
const STATIC: Record<string, { file: string; type: string }> = {
  "/": { file: path.join(PUBLIC, "index.html"), type: "text/html; charset=utf-8" },
  "/app.js": { file: path.join(PUBLIC, "app.js"), type: "text/javascript; charset=utf-8" },
  "/style.css": { file: path.join(PUBLIC, "style.css"), type: "text/css; charset=utf-8" },
  "/vendor/chart.umd.min.js": {
    // chart.js's package exports hide dist/; its main entry sits beside the UMD build.
    file: path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js"),
    type: "text/javascript; charset=utf-8",
  },
};

export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 1000;
  const listeners = new Set<http.ServerResponse>();
  let latest: Promise<DashboardSnapshot> | undefined;
  const refresh = () => {
    latest = collectSnapshot(options.collectors, now());
    return latest;
  };

  const server = http.createServer(async (req, res) => {
    const url = (req.url ?? "/").split("?")[0] ?? "/";
    try {
      const asset = STATIC[url];
      if (asset !== undefined) {
        res.writeHead(200, { "content-type": asset.type, "cache-control": "no-cache" });
        fs.createReadStream(asset.file).pipe(res);
        return;
      }
      if (url === "/api/snapshot") {
        const snap = await (latest ?? refresh());
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify(snap));
        return;
      }
      if (url === "/api/stream") {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        listeners.add(res);
        req.on("close", () => listeners.delete(res));
        const snap = await (latest ?? refresh());
        res.write(`event: snapshot\ndata: ${JSON.stringify(snap)}\n\n`);
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end((e as Error).message);
    }
  });
  limitServer(server);

  let ticking = false;
  const timer = setInterval(async () => {
    if (ticking || listeners.size === 0) return;
    ticking = true;
    try {
      const data = `event: snapshot\ndata: ${JSON.stringify(await refresh())}\n\n`;
      for (const l of listeners) l.write(data);
    } finally {
      ticking = false;
    }
  }, intervalMs);
  timer.unref();

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE" ? new Error(`dashboard port ${options.port} is already in use (--port)`) : e,
      ),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    snapshot: () => refresh(),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const l of listeners) l.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
