import { createHash } from "node:crypto";
import { expect } from "chai";
import { eventBatchJsonSchemaDraft04, eventJsonSchemaDraft04 } from "../../analytics/events";
import { resourceNames } from "../../analytics/resource-names";
import { deployedWorkerSettingNames, WORKER_SETTINGS } from "../../consumers/config/worker-settings";
import { TABLES } from "../../consumers/tables/table-definitions";
import { STOP_TIMEOUT_SECONDS } from "../../pulumi/components/consumer-service";
import { QUICKSIGHT_VIEWS } from "../../pulumi/components/quicksight";
import {
  allStackRuns,
  type Captured,
  FIXTURE_FLINK_JAR,
  FIXTURE_FLINK_JAR_BYTES,
  type StackRun,
} from "./harness";

const STACKS = ["dev", "staging", "prod"] as const;
let runs = new Map<string, StackRun>();

const one = (run: StackRun, type: string): Captured => {
  const found = run.of(type);
  expect(found, type).to.have.length(1);
  return found[0] as Captured;
};
const containers = (run: StackRun) =>
  JSON.parse(one(run, "aws:ecs/taskDefinition:TaskDefinition").inputs["containerDefinitions"] as string) as {
    environment: { name: string; value: string }[];
    stopTimeout: number;
  }[];

describe("Pulumi stacks (mocks)", function () {
  this.timeout(60_000);

  before(async () => {
    runs = await allStackRuns();
  });

  for (const stack of STACKS) {
    it(`${stack}: builds every subsystem under its own Pulumi.${stack}.yaml`, () => {
      const run = runs.get(stack) as StackRun;
      const components = run.resources
        .filter((r) => r.type.startsWith("flightpulse:"))
        .map((r) => r.type.split(":")[2]);
      expect(components).to.include.members([
        "Encryption",
        "EventStream",
        "IngestApi",
        "Tables",
        "Alerts",
        "Network",
        "FlinkApp",
        "Observability",
        "Warehouse",
        "ConsumerService",
      ]);
      const names = resourceNames(stack);
      const streams = run.of("aws:kinesis/stream:Stream").map((s) => s.inputs["name"]);
      expect(streams).to.have.members([names.bookingStream, names.insightsStream]);
      expect(run.of("aws:dynamodb/table:Table").map((t) => t.inputs["name"])).to.have.members(
        TABLES.map((t) => names[t.nameKey]),
      );
      expect(run.outputs["ingestUrl"]).to.match(/\/v1\/events$/);
    });
  }

  it("differs between dev and prod where it should (table-driven)", () => {
    const measure = (run: StackRun) => {
      const stream = run
        .of("aws:kinesis/stream:Stream")
        .find((s) => String(s.inputs["name"]).endsWith("booking-events")) as Captured;
      const service = one(run, "aws:ecs/service:Service");
      const workgroup = one(run, "aws:redshiftserverless/workgroup:Workgroup");
      const alarms = run
        .of("aws:cloudwatch/metricAlarm:MetricAlarm")
        .filter((a) => String(a.inputs["name"] ?? "").startsWith("flightpulse-"));
      return {
        streamMode: (stream.inputs["streamModeDetails"] as { streamMode: string }).streamMode,
        shards: stream.inputs["shardCount"],
        tasks: service.inputs["desiredCount"],
        redshiftRpu: workgroup.inputs["baseCapacity"],
        quicksight: run.of("aws:quicksight/dataSet:DataSet").length,
        alarmsAct: alarms.every((a) => a.inputs["actionsEnabled"] === true),
        oncall: run
          .of("aws:sns/topicSubscription:TopicSubscription")
          .filter((s) => String(s.name).includes("oncall")).length,
        subnets: run.of("aws:ec2/subnet:Subnet").length,
      };
    };
    const table: [string, unknown, unknown][] = [
      ["streamMode", "PROVISIONED", "ON_DEMAND"],
      ["shards", 1, undefined],
      ["tasks", 1, 3],
      ["redshiftRpu", 8, 32],
      ["quicksight", 0, Object.keys(QUICKSIGHT_VIEWS).length],
      ["alarmsAct", false, true],
      ["oncall", 0, 1],
      ["subnets", 2, 3],
    ];
    const dev = measure(runs.get("dev") as StackRun);
    const prod = measure(runs.get("prod") as StackRun);
    for (const [key, d, p] of table) {
      expect(dev[key as keyof typeof dev], `dev ${key}`).to.equal(d);
      expect(prod[key as keyof typeof prod], `prod ${key}`).to.equal(p);
    }
  });

  it("deploys the event contract's JSON Schema as the API Gateway models (same source, not a copy)", () => {
    for (const run of runs.values()) {
      const models = Object.fromEntries(
        run
          .of("aws:apigateway/model:Model")
          .map((m) => [m.inputs["name"], JSON.parse(m.inputs["schema"] as string)]),
      );
      expect(models["FlightpulseEvent"]).to.deep.equal(eventJsonSchemaDraft04());
      expect(models["FlightpulseEventBatch"]).to.deep.equal(eventBatchJsonSchemaDraft04());
      const methods = run.of("aws:apigateway/method:Method");
      expect(methods.every((m) => typeof m.inputs["requestValidatorId"] === "string")).to.equal(true);
      const integrations = run.of("aws:apigateway/integration:Integration").map((i) => i.inputs["uri"]);
      expect(integrations.every((u) => String(u).includes(":kinesis:action/Put"))).to.equal(true);
    }
  });

  it("sets on the worker task exactly the settings the worker's config reads", () => {
    for (const run of runs.values()) {
      const [worker] = containers(run);
      expect(worker?.environment.map((e) => e.name).sort()).to.deep.equal(deployedWorkerSettingNames());
      expect(worker?.stopTimeout).to.equal(STOP_TIMEOUT_SECONDS);
    }
  });

  it("rolls back failed deployments and keeps workers running during them", () => {
    for (const run of runs.values()) {
      const svc = one(run, "aws:ecs/service:Service").inputs;
      expect(svc["deploymentCircuitBreaker"]).to.deep.equal({ enable: true, rollback: true });
      expect(svc["deploymentMinimumHealthyPercent"]).to.equal(100);
    }
  });

  it("uploads the built Flink jar under its content address and runs it on FLINK-1_19 with the runner's settings", async () => {
    const sha = createHash("sha256").update(FIXTURE_FLINK_JAR_BYTES).digest("hex");
    for (const [stack, run] of runs) {
      const jar = one(run, "aws:s3/bucketObjectv2:BucketObjectv2").inputs;
      expect(jar["key"]).to.equal(`flink/flightpulse-flink-insights-${sha}.jar`);
      expect(await (jar["source"] as { path: Promise<string> }).path).to.equal(FIXTURE_FLINK_JAR);
      expect(jar["serverSideEncryption"]).to.equal("aws:kms");
      const app = one(run, "aws:kinesisanalyticsv2/application:Application").inputs;
      expect(app["runtimeEnvironment"]).to.equal("FLINK-1_19");
      const config = app["applicationConfiguration"] as {
        applicationCodeConfiguration: {
          codeContent: { s3ContentLocation: { bucketArn: string; fileKey: string } };
        };
        environmentProperties: {
          propertyGroups: { propertyGroupId: string; propertyMap: Record<string, string> }[];
        };
      };
      expect(
        (app["applicationConfiguration"] as { runConfiguration: unknown }).runConfiguration,
      ).to.deep.equal({
        applicationRestoreConfiguration: { applicationRestoreType: "RESTORE_FROM_LATEST_SNAPSHOT" },
        flinkRunConfiguration: { allowNonRestoredState: false },
      });
      const location = config.applicationCodeConfiguration.codeContent.s3ContentLocation;
      expect(location.fileKey).to.equal(jar["key"]);
      expect(location.bucketArn).to.match(new RegExp(`flightpulse-${stack}-flink-code-`));
      const names = resourceNames(stack);
      expect(config.environmentProperties.propertyGroups).to.deep.equal([
        {
          propertyGroupId: "FlinkApplicationProperties",
          propertyMap: {
            region: "eu-west-1",
            sourceStream: names.bookingStream,
            sinkStream: names.insightsStream,
            initialPosition: "TRIM_HORIZON",
            allowedLatenessSeconds: String(WORKER_SETTINGS.allowedLatenessSeconds.default),
          },
        },
      ]);
      // The role reads the jars of the code bucket (every build: deploys and rollbacks switch between
      // them), nothing else.
      const policies = run
        .of("aws:iam/rolePolicy:RolePolicy")
        .map((p) => String(p.inputs["policy"]))
        .filter((p) => p.includes("ApplicationCode"));
      expect(policies.join("\n")).to.include("flink-code-abc123/flink/flightpulse-flink-insights-*.jar");
      expect(jar["key"]).to.match(/^flink\/flightpulse-flink-insights-[0-9a-f]{64}\.jar$/);
    }
  });

  it("keeps the Managed Flink provider's pitfalls out of the stack's inputs", () => {
    for (const run of runs.values()) {
      const app = one(run, "aws:kinesisanalyticsv2/application:Application").inputs;
      // An app left in READY after a failed update is started again by the next `pulumi up`.
      expect(app["startApplication"]).to.equal(true);
      // The runtime is a replacement in the provider: it must never follow anything but this constant.
      expect(app["runtimeEnvironment"]).to.equal("FLINK-1_19");
      const config = app["applicationConfiguration"] as {
        runConfiguration: {
          applicationRestoreConfiguration: { applicationRestoreType: string };
          flinkRunConfiguration: { allowNonRestoredState: boolean };
        };
        applicationSnapshotConfiguration: { snapshotsEnabled: boolean };
      };
      // The provider ignores SKIP_RESTORE_FROM_SNAPSHOT on updates: the stack never asks for it (a state
      // reset goes through `flightpulse flink deploy --allow-state-reset`, which starts the app itself).
      expect(config.runConfiguration.applicationRestoreConfiguration.applicationRestoreType).to.equal(
        "RESTORE_FROM_LATEST_SNAPSHOT",
      );
      expect(config.runConfiguration.flinkRunConfiguration.allowNonRestoredState).to.equal(false);
      expect(config.applicationSnapshotConfiguration.snapshotsEnabled).to.equal(true);
    }
  });
});
