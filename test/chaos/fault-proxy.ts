// A fault-injecting HTTP proxy for the chaos run: it sits between the workers and one local AWS endpoint
// (DynamoDB, the Data API) and forwards every request unchanged, except while a fault is on, when it
// answers a chosen share of requests itself with the error the real service gives (DynamoDB's
// ProvisionedThroughputExceededException, the Data API's InternalServerException). The workers see what
// they would see in AWS, through their own SDK clients and retry policies; nothing in the product changes.
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Fault {
  /** Share of requests answered with the error, 0..1. */
  readonly rate: number;
  readonly status: number;
  /** The AWS JSON error type, e.g. com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException. */
  readonly type: string;
  readonly message: string;
}

export const DYNAMODB_THROTTLING = (rate: number): Fault => ({
  rate,
  status: 400,
  type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
  message: "The level of configured provisioned throughput for the table was exceeded (chaos run)",
});

export const DATA_API_DOWN: Fault = {
  rate: 1,
  status: 500,
  type: "InternalServerException",
  message: "The Data API is unavailable (chaos run)",
};

export interface FaultProxy {
  readonly url: string;
  /** Requests forwarded and requests answered with the fault, since the start. */
  readonly counts: { forwarded: number; faulted: number };
  /** Turns a fault on until `off()`; `random` decides which requests get it (injected for determinism). */
  on(fault: Fault): void;
  off(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: string,
  random: () => number = Math.random,
): Promise<FaultProxy> {
  const to = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let fault: Fault | undefined;
  const counts = { forwarded: 0, faulted: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const active = fault;
      if (active !== undefined && random() < active.rate) {
        counts.faulted++;
        res.writeHead(active.status, {
          "content-type": "application/x-amz-json-1.0",
          "x-amzn-errortype": active.type,
          "x-amzn-requestid": `chaos-${counts.faulted}`,
        });
        res.end(JSON.stringify({ __type: active.type, message: active.message }));
        return;
      }
      counts.forwarded++;
      const upstream = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", (e) => {
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`chaos proxy: ${e.message}`);
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    on: (f) => {
      fault = f;
    },
    off: () => {
      fault = undefined;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
