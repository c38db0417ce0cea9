import { expect } from "chai";
import { startHealthServer } from "../../../consumers/observability/health-server";
import { createLogger } from "../../../consumers/observability/logger";

describe("structured logger", () => {
  it("writes one JSON object per line with bound fields, filtered by level", () => {
    const lines: string[] = [];
    const log = createLogger({
      level: "info",
      write: (l) => lines.push(l),
      now: () => Date.UTC(2026, 10, 22),
    });
    const shardLog = log.child({ shardId: "shardId-000000000001", leaseOwner: "w1" });
    shardLog.debug("dropped");
    shardLog.info("checkpointed", { sequenceNumber: 12345678901234567890n });
    shardLog.error("failed", { err: Object.assign(new Error("boom"), { code: "SINK_DOWN" }) });
    expect(lines).to.have.length(2);
    const first = JSON.parse(lines[0]!);
    expect(first).to.deep.equal({
      time: "2026-11-22T00:00:00.000Z",
      level: "info",
      msg: "checkpointed",
      shardId: "shardId-000000000001",
      leaseOwner: "w1",
      sequenceNumber: "12345678901234567890",
    });
    const second = JSON.parse(lines[1]!);
    expect(second.err).to.include({ name: "Error", message: "boom", code: "SINK_DOWN" });
  });

  it("never writes a secret, however deep it sits in the fields", () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    log.child({ credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "s3cr3t" } }).info("client", {
      aws: { region: "eu-west-1", sessionToken: "tok3n" },
      redshiftSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:wh",
      password: "hunter2",
      authorization: "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/…",
    });
    const [line] = lines;
    for (const secret of ["AKIAEXAMPLE", "s3cr3t", "tok3n", "hunter2"]) expect(line).to.not.include(secret);
    expect(JSON.parse(line!)).to.deep.include({
      credentials: "[redacted]",
      aws: { region: "eu-west-1", sessionToken: "[redacted]" },
      redshiftSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:wh",
      password: "[redacted]",
    });
  });
});

describe("health endpoint", () => {
  it("answers 200 when healthy, 503 when not, and serves metrics", async () => {
    let healthy = true;
    const server = await startHealthServer(
      {
        health: () => ({ healthy, status: healthy ? "processing" : "shutting down" }),
        metrics: () => ({ leases: 3 }),
      },
      0,
      "127.0.0.1",
    );
    try {
      const ok = await fetch(`${server.url}/health`);
      expect(ok.status).to.equal(200);
      expect(await ok.json()).to.deep.equal({ healthy: true, status: "processing" });
      healthy = false;
      expect((await fetch(`${server.url}/health`)).status).to.equal(503);
      expect(await (await fetch(`${server.url}/metrics`)).json()).to.deep.equal({ leases: 3 });
      expect((await fetch(`${server.url}/nope`)).status).to.equal(404);
    } finally {
      await server.close();
    }
  });

  it("names the setting when the port is taken", async () => {
    const first = await startHealthServer(
      { health: () => ({ healthy: true, status: "x" }), metrics: () => ({}) },
      0,
      "127.0.0.1",
    );
    const port = Number(new URL(first.url).port);
    try {
      let message = "";
      await startHealthServer(
        { health: () => ({ healthy: true, status: "x" }), metrics: () => ({}) },
        port,
        "127.0.0.1",
      ).catch((e: Error) => {
        message = e.message;
      });
      expect(message).to.equal(`FLIGHTPULSE_HEALTH_PORT: port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await first.close();
    }
  });
});
