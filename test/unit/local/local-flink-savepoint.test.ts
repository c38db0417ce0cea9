import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { SavepointError, takeSavepoint } from "../../../local/flink/local-flink";

/**
 * A stand-in for the MiniCluster's REST API: a running job; a stop-with-savepoint that (like the real
 * JVM) ends the process, here by closing the server, after `onStop` has written what Flink would.
 */
async function fakeFlink(onStop: () => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === "/jobs/overview") {
      res.end(JSON.stringify({ jobs: [{ jid: "abc123def", name: "demand", state: "RUNNING" }] }));
    } else if (req.method === "POST" && req.url === "/jobs/abc123def/stop") {
      req.resume();
      req.on("end", () => {
        res.end(JSON.stringify({ "request-id": "r1" }), () => {
          onStop();
          server.closeAllConnections();
          server.close();
        });
      });
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("local Flink savepoints", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "fp-savepoint-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds a stop's savepoint on disk when the JVM exits before its status is polled", async () => {
    const { url } = await fakeFlink(() => {
      mkdirSync(path.join(dir, "savepoint-abc123-0f0f0f0f0f0f"));
      writeFileSync(path.join(dir, "savepoint-abc123-0f0f0f0f0f0f", "_metadata"), "x");
    });
    const location = await takeSavepoint(url, dir, true);
    expect(location).to.equal(`file:${path.join(dir, "savepoint-abc123-0f0f0f0f0f0f")}`);
  });

  it("refuses a savepoint directory without _metadata: an unfinished savepoint is never restored", async () => {
    const { url } = await fakeFlink(() => mkdirSync(path.join(dir, "savepoint-abc123-0f0f0f0f0f0f")));
    let error: unknown;
    try {
      await takeSavepoint(url, dir, true, 300);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(SavepointError);
    expect((error as Error).message).to.match(/stopped answering before the savepoint completed/);
  });
});
