import { expect } from "chai";
import { resourceNames } from "../../../analytics/resource-names";
import { ConfigError } from "../../../consumers/config/errors";
import { loadWorkerConfig } from "../../../consumers/config/worker-config";
import { deployedWorkerSettingNames, WORKER_SETTINGS } from "../../../consumers/config/worker-settings";

const topics = {
  FLIGHTPULSE_DEMAND_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:flightpulse-prod-demand-alerts",
  FLIGHTPULSE_OPERATIONS_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:flightpulse-prod-operations",
};

const configError = (env: Record<string, string>): ConfigError => {
  try {
    loadWorkerConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
};

describe("worker configuration", () => {
  it("derives every resource name from the stack and uses documented defaults", () => {
    const c = loadWorkerConfig({ ...topics, FLIGHTPULSE_STACK: "prod", AWS_REGION: "eu-west-1" });
    const n = resourceNames("prod");
    expect(c.names).to.deep.equal({
      bookingStream: n.bookingStream,
      leaseTable: n.leaseTable,
      insightsStream: n.insightsStream,
      insightsLeaseTable: n.insightsLeaseTable,
      manifestTable: n.manifestTable,
      alertStateTable: n.alertStateTable,
      rejectedTable: n.rejectedTable,
      baselineTable: n.baselineTable,
      shardStateTable: n.shardStateTable,
    });
    expect(c.settings.failoverMillis).to.equal(10_000);
    expect(c.settings.initialPosition).to.equal("TRIM_HORIZON");
    expect(c.aws).to.deep.equal({ region: "eu-west-1" });
    expect(c.workerId).to.match(/-\d+$/);
  });

  it("names every bad or missing setting at once", () => {
    const e = configError({
      FLIGHTPULSE_FAILOVER_MS: "soon",
      FLIGHTPULSE_LOG_LEVEL: "loud",
      AWS_REGION: "moon",
    });
    const text = e.problems.join("\n");
    for (const name of [
      "FLIGHTPULSE_FAILOVER_MS",
      "FLIGHTPULSE_LOG_LEVEL",
      "AWS_REGION",
      "FLIGHTPULSE_DEMAND_TOPIC_ARN",
      "FLIGHTPULSE_OPERATIONS_TOPIC_ARN",
    ]) {
      expect(text).to.include(name);
    }
    expect(e.problems).to.have.length(5);
    expect(e.message).to.include("expected one of debug, info, warn, error");
  });

  it("writes manifests at the checkpoint unless told per batch, and names a bad choice", () => {
    expect(loadWorkerConfig(topics).settings.manifestWrites).to.equal("checkpoint");
    expect(
      loadWorkerConfig({ ...topics, FLIGHTPULSE_MANIFEST_WRITES: "batch" }).settings.manifestWrites,
    ).to.equal("batch");
    const e = configError({ ...topics, FLIGHTPULSE_MANIFEST_WRITES: "sometimes" });
    expect(e.problems).to.have.length(1);
    expect(e.problems[0]).to.include("FLIGHTPULSE_MANIFEST_WRITES").and.include("checkpoint, batch");
  });

  it("requires a timestamp for AT_TIMESTAMP", () => {
    const e = configError({ ...topics, FLIGHTPULSE_INITIAL_POSITION: "AT_TIMESTAMP" });
    expect(e.problems).to.deep.equal([
      "FLIGHTPULSE_INITIAL_TIMESTAMP is required when FLIGHTPULSE_INITIAL_POSITION=AT_TIMESTAMP",
    ]);
  });

  it("maps local endpoint overrides to explicit credentials, and refuses them for cloud stacks", () => {
    const local = loadWorkerConfig({ ...topics, FLIGHTPULSE_KINESIS_ENDPOINT: "http://127.0.0.1:4568/" });
    expect(local.aws.endpoints).to.deep.equal({ kinesis: "http://127.0.0.1:4568" });
    expect(local.aws.credentials).to.not.equal(undefined);
    const e = configError({
      ...topics,
      FLIGHTPULSE_STACK: "prod",
      FLIGHTPULSE_KINESIS_ENDPOINT: "http://127.0.0.1:1",
    });
    expect(e.message).to.include("only for FLIGHTPULSE_STACK=local");
  });

  it("lists the deployed settings sorted, and every setting has a distinct variable", () => {
    const names = deployedWorkerSettingNames();
    expect(names).to.deep.equal([...names].sort());
    expect(names).to.include("FLIGHTPULSE_LEASE_TABLE");
    expect(names).not.to.include("FLIGHTPULSE_KINESIS_ENDPOINT");
    const all = Object.values(WORKER_SETTINGS).map((s) => s.env);
    expect(new Set(all).size).to.equal(all.length);
  });
});
