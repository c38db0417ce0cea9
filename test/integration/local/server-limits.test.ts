// The local SNS and Data API endpoints bound what they read: a body over the limit is refused with a typed
// 413 whether its size is declared or streamed, and the server goes on answering. Every local server binds
// 127.0.0.1.

import * as http from "node:http";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { expect } from "chai";
import { startHealthServer } from "../../../consumers/observability/health-server";
import { startIngestEndpoint } from "../../../ingest/http-endpoint";
import type { KinesisProducer } from "../../../ingest/producer";
import { startDashboard } from "../../../local/dashboard/server";
import { startKinesisAnalyticsServer } from "../../../local/kinesis-analytics/server";
import { startRedshiftDataServer } from "../../../local/redshift-data/server";
import { startSnsServer } from "../../../local/sns-endpoint/sns-server";

const NINE_MIB = 9 * 1024 * 1024;

const connects = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port, timeout: 2_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });

/** Sends `size` bytes, declared up front or streamed in chunks with no length. */
function post(url: string, size: number, declared: boolean, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", headers: { ...headers, ...(declared ? { "content-length": String(size) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    // The server may answer and close before the whole body is sent: that is the point.
    req.on("error", (e: NodeJS.ErrnoException) =>
      e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e),
    );
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("limits of the local servers", function () {
  this.timeout(60_000);

  it("SNS and Data API endpoints refuse a body over 8 MiB with a typed 413, declared or streamed, and keep answering", async () => {
    const sns = await startSnsServer();
    const api = await startRedshiftDataServer({});
    try {
      for (const declared of [true, false]) {
        const s = await post(sns.endpoint, NINE_MIB, declared, {
          "content-type": "application/x-www-form-urlencoded",
        });
        expect(s.status).to.equal(413);
        expect(s.body).to.match(/<Code>RequestEntityTooLarge<\/Code>/);
        const d = await post(api.endpoint, NINE_MIB, declared, {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "RedshiftData.ExecuteStatement",
        });
        expect(d.status).to.equal(413);
        expect(JSON.parse(d.body)).to.deep.include({ __type: "ValidationException" });
      }
      // Still answering.
      const ok = await fetch(sns.endpoint, {
        method: "POST",
        body: "Action=ListTopics",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(ok.status).to.equal(200);
    } finally {
      await sns.stop();
      await api.stop();
    }
  });

  it("binds every local server to 127.0.0.1 only: another loopback address finds nothing listening", async () => {
    const producer = { totals: { sent: 0 }, putEvents: async () => {} } as unknown as KinesisProducer;
    const ingest = await startIngestEndpoint({ producer });
    const sns = await startSnsServer();
    const api = await startRedshiftDataServer({});
    const dashboard = await startDashboard({ collectors: {} });
    const flinkApi = await startKinesisAnalyticsServer({ codeDir: tmpdir(), stateDir: tmpdir() });
    const health = await startHealthServer(
      { health: () => ({ healthy: true, status: "running" }), metrics: () => ({}) },
      0,
      "127.0.0.1",
    );
    try {
      for (const url of [
        ingest.url,
        sns.endpoint,
        api.endpoint,
        flinkApi.endpoint,
        dashboard.url,
        health.url,
      ]) {
        const { hostname, port } = new URL(url);
        expect(hostname, url).to.equal("127.0.0.1");
        // A server on 0.0.0.0 would answer on 127.0.0.2 too (still this machine's loopback).
        expect(await connects("127.0.0.2", Number(port)), `${url} also answers on 127.0.0.2`).to.equal(false);
        expect(await connects("127.0.0.1", Number(port)), url).to.equal(true);
      }
    } finally {
      await Promise.all([
        ingest.close(),
        sns.stop(),
        api.stop(),
        flinkApi.stop(),
        dashboard.close(),
        health.close(),
      ]);
    }
  });
});
