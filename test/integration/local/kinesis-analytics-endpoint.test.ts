// The local Kinesis Analytics V2 endpoint's own semantics through the real SDK, with in-memory jobs
// standing in for Flink JVMs (the real ones run in test/integration/flink/flink-control.test.ts): the
// service's errors, status transitions, snapshots as savepoints, updates restoring from the stop's
// savepoint, system rollback of a version that fails, RollbackApplication, malformed requests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  ConcurrentModificationException,
  CreateApplicationCommand,
  CreateApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  InvalidArgumentException,
  InvalidRequestException,
  type KinesisAnalyticsV2Client,
  ListApplicationSnapshotsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  RollbackApplicationCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from "@aws-sdk/client-kinesis-analytics-v2";
import { expect } from "chai";
import type { LocalFlink, LocalFlinkOptions } from "../../../local/flink/local-flink";
import {
  type KinesisAnalyticsServer,
  localKinesisAnalyticsClient,
  startKinesisAnalyticsServer,
} from "../../../local/kinesis-analytics/server";

/** What a fake job was started with, and its savepoints. */
interface FakeRun {
  readonly jar: string;
  readonly savepoint?: string | undefined;
  alive: boolean;
}

describe("local Kinesis Analytics V2 endpoint, through the real SDK v3 client", () => {
  let dir: string;
  let server: KinesisAnalyticsServer;
  let ka: KinesisAnalyticsV2Client;
  const runs: FakeRun[] = [];
  /** Jars whose jobs fail right after starting (a broken build). */
  const failing = new Set<string>();

  const fakeJob = async (options: LocalFlinkOptions): Promise<LocalFlink> => {
    const run: FakeRun = { jar: path.basename(options.jar ?? ""), savepoint: options.savepoint, alive: true };
    runs.push(run);
    let savepoints = 0;
    return {
      name: "flink",
      endpoint: "http://127.0.0.1:1",
      restUrl: "http://127.0.0.1:1",
      pid: 1,
      watchdogPid: 1,
      jar: options.jar ?? "",
      jobState: async () => (failing.has(run.jar) ? "FAILED" : "RUNNING"),
      alive: () => run.alive && !failing.has(run.jar),
      savepoint: async (target, stop) => {
        savepoints++;
        if (stop) run.alive = false;
        return `file:${target}/savepoint-${savepoints}`;
      },
      stop: async () => {
        run.alive = false;
      },
    };
  };

  const code = (jar: string) => {
    const file = path.join(dir, "code", "bucket", "flink", jar);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, "jar");
    return { BucketARN: "arn:aws:s3:::bucket", FileKey: `flink/${jar}` };
  };
  /** CreateApplication with snapshots on (system rollback too unless told), code at `location`. */
  const create = (name: string, location: { BucketARN: string; FileKey: string }, rollback = true) =>
    ka.send(
      new CreateApplicationCommand({
        ApplicationName: name,
        RuntimeEnvironment: "FLINK-1_19",
        ServiceExecutionRole: "arn:aws:iam::000000000000:role/r",
        ApplicationConfiguration: {
          ApplicationCodeConfiguration: {
            CodeContentType: "ZIPFILE",
            CodeContent: { S3ContentLocation: location },
          },
          ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
          ApplicationSystemRollbackConfiguration: { RollbackEnabled: rollback },
          EnvironmentProperties: {
            PropertyGroups: [
              { PropertyGroupId: "FlinkApplicationProperties", PropertyMap: { region: "us-east-1" } },
            ],
          },
        },
      }),
    );
  const describe_ = async () =>
    (await ka.send(new DescribeApplicationCommand({ ApplicationName: "app" }))).ApplicationDetail;
  const settled = async (status: string) => {
    for (let i = 0; i < 200; i++) {
      const d = await describe_();
      if (d?.ApplicationStatus === status) return d;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`never ${status}`);
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: unknown) => e as Error,
    );

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "flightpulse-ka-endpoint-"));
    server = await startKinesisAnalyticsServer({
      codeDir: path.join(dir, "code"),
      stateDir: path.join(dir, "state"),
      settleMs: 30,
      startJob: fakeJob,
    });
    ka = localKinesisAnalyticsClient(server.endpoint);
  });

  after(async () => {
    ka.destroy();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates an application READY at version 1, and refuses code that is not there", async () => {
    const missing = await refusal(
      create("other", { BucketARN: "arn:aws:s3:::bucket", FileKey: "flink/none.jar" }),
    );
    expect(missing).to.be.instanceOf(InvalidArgumentException);
    expect(missing?.message).to.match(/s3:\/\/bucket\/flink\/none\.jar does not exist/);
    const created = await create("app", code("v1.jar"));
    expect(created.ApplicationDetail).to.deep.include({
      ApplicationStatus: "READY",
      ApplicationVersionId: 1,
    });
    const again = await refusal(ka.send(new DescribeApplicationCommand({ ApplicationName: "nope" })));
    expect(again).to.be.instanceOf(ResourceNotFoundException);
  });

  it("starts, refuses a second start and a snapshot of a stopped app, takes snapshots as savepoints", async () => {
    const early = await refusal(
      ka.send(new CreateApplicationSnapshotCommand({ ApplicationName: "app", SnapshotName: "s0" })),
    );
    expect(early).to.be.instanceOf(ResourceInUseException);
    const { OperationId } = await ka.send(new StartApplicationCommand({ ApplicationName: "app" }));
    await settled("RUNNING");
    const op = await ka.send(
      new DescribeApplicationOperationCommand({ ApplicationName: "app", OperationId }),
    );
    expect(op.ApplicationOperationInfoDetails?.OperationStatus).to.equal("SUCCESSFUL");
    expect(await refusal(ka.send(new StartApplicationCommand({ ApplicationName: "app" })))).to.be.instanceOf(
      ResourceInUseException,
    );
    await ka.send(new CreateApplicationSnapshotCommand({ ApplicationName: "app", SnapshotName: "s1" }));
    await server.application("app")?.idle();
    const { SnapshotSummaries } = await ka.send(
      new ListApplicationSnapshotsCommand({ ApplicationName: "app" }),
    );
    expect(
      SnapshotSummaries?.map((s) => [s.SnapshotName, s.SnapshotStatus, s.ApplicationVersionId]),
    ).to.deep.equal([["s1", "READY", 1]]);
    const duplicate = await refusal(
      ka.send(new CreateApplicationSnapshotCommand({ ApplicationName: "app", SnapshotName: "s1" })),
    );
    expect(duplicate).to.be.instanceOf(InvalidArgumentException);
  });

  it("updates a running app: stop with savepoint, the new jar from it; a stale version id is refused", async () => {
    const stale = await refusal(
      ka.send(new UpdateApplicationCommand({ ApplicationName: "app", CurrentApplicationVersionId: 0 })),
    );
    expect(stale).to.be.instanceOf(ConcurrentModificationException);
    await ka.send(
      new UpdateApplicationCommand({
        ApplicationName: "app",
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { FileKeyUpdate: code("v2.jar").FileKey } },
          },
        },
      }),
    );
    const d = await settled("RUNNING");
    expect(d?.ApplicationVersionId).to.equal(2);
    const last = runs.at(-1);
    expect(last?.jar).to.equal("v2.jar");
    expect(last?.savepoint, "restored from the savepoint the update's stop took").to.match(
      /snapshots\/flightpulse-auto-[^/]+\/savepoint-2$/,
    );
    expect(runs.filter((r) => r.alive).length, "one job runs").to.equal(1);
  });

  it("rolls a version that fails back to the previous one, from the update's savepoint", async () => {
    failing.add("broken.jar");
    const { OperationId } = await ka.send(
      new UpdateApplicationCommand({
        ApplicationName: "app",
        CurrentApplicationVersionId: 2,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { FileKeyUpdate: code("broken.jar").FileKey } },
          },
        },
      }),
    );
    await server.application("app")?.idle();
    const d = await settled("RUNNING");
    expect(d).to.deep.include({
      ApplicationVersionId: 4,
      ApplicationVersionRolledBackFrom: 3,
      ApplicationVersionRolledBackTo: 2,
    });
    expect(
      d?.ApplicationConfigurationDescription?.ApplicationCodeConfigurationDescription?.CodeContentDescription
        ?.S3ApplicationCodeLocationDescription?.FileKey,
    ).to.equal("flink/v2.jar");
    const op = (
      await ka.send(new DescribeApplicationOperationCommand({ ApplicationName: "app", OperationId }))
    ).ApplicationOperationInfoDetails;
    expect(op?.OperationStatus).to.equal("FAILED");
    expect(op?.OperationFailureDetails?.ErrorInfo?.ErrorString).to.match(
      /the job failed after it started \(Flink job FAILED\)/,
    );
    expect(op?.OperationFailureDetails?.RollbackOperationId).to.be.a("string");
    expect(runs.at(-1)).to.deep.include({ jar: "v2.jar", alive: true });
  });

  it("RollbackApplication returns to the version before (skipping re-runs of the current one), from the newest savepoint", async () => {
    await ka.send(new RollbackApplicationCommand({ ApplicationName: "app", CurrentApplicationVersionId: 4 }));
    const d = await settled("RUNNING");
    expect(d).to.deep.include({ ApplicationVersionId: 5, ApplicationVersionRolledBackTo: 1 });
    const last = runs.at(-1);
    expect(last?.jar).to.equal("v1.jar");
    const snapshots =
      (await ka.send(new ListApplicationSnapshotsCommand({ ApplicationName: "app" }))).SnapshotSummaries ??
      [];
    const newest = snapshots.reduce((a, b) =>
      (a.SnapshotCreationTimestamp ?? 0) > (b.SnapshotCreationTimestamp ?? 0) ? a : b,
    );
    expect(last?.savepoint).to.include(newest.SnapshotName as string);
  });

  it("stops with a snapshot; a rollback of a stopped app is refused", async () => {
    const before =
      (await ka.send(new ListApplicationSnapshotsCommand({ ApplicationName: "app" }))).SnapshotSummaries
        ?.length ?? 0;
    await ka.send(new StopApplicationCommand({ ApplicationName: "app" }));
    await settled("READY");
    const after =
      (await ka.send(new ListApplicationSnapshotsCommand({ ApplicationName: "app" }))).SnapshotSummaries
        ?.length ?? 0;
    expect(after).to.equal(before + 1);
    expect(runs.filter((r) => r.alive).length).to.equal(0);
    const refused = await refusal(
      ka.send(new RollbackApplicationCommand({ ApplicationName: "app", CurrentApplicationVersionId: 5 })),
    );
    expect(refused).to.be.instanceOf(ResourceInUseException);
  });

  it("answers malformed requests and unknown operations with the service's error types", async () => {
    const post = (target: string, body: string) =>
      fetch(server.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
        body,
      });
    const bad = await post("KinesisAnalytics_20180523.DescribeApplication", "{not json");
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { __type: string }).__type).to.equal("SerializationException");
    const unknown = await post("KinesisAnalytics_20180523.DeleteApplication", "{}");
    expect(((await unknown.json()) as { __type: string }).__type).to.equal("UnknownOperationException");
    const noName = await refusal(ka.send(new DescribeApplicationCommand({} as never)));
    expect(noName).to.be.instanceOf(InvalidArgumentException);
  });

  it("refuses RollbackApplication when no earlier version ever ran", async () => {
    await create("solo", code("v1.jar"), false);
    await ka.send(new StartApplicationCommand({ ApplicationName: "solo" }));
    await server.application("solo")?.idle();
    const refused = await refusal(
      ka.send(new RollbackApplicationCommand({ ApplicationName: "solo", CurrentApplicationVersionId: 1 })),
    );
    expect(refused).to.be.instanceOf(InvalidRequestException);
    expect(refused?.message).to.match(/version 1 has no previous running version/);
  });
});
