// The control plane's AWS-only paths, with the SDK mocked (aws-sdk-client-mock): the service's system
// rollback, a concurrent change, snapshot limits, an application that is busy or never settles, and the
// exact requests of a state-reset deploy. The happy paths run against the local endpoint and real Flink
// (test/integration/flink/flink-control.test.ts).
import {
  type ApplicationDetail,
  ConcurrentModificationException,
  CreateApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  DescribeApplicationSnapshotCommand,
  KinesisAnalyticsV2Client,
  LimitExceededException,
  ListApplicationSnapshotsCommand,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from "@aws-sdk/client-kinesis-analytics-v2";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { FlinkControl, FlinkControlError, type NewBuild } from "../../../analytics/flink/control";
import { type JobPlan, stateSignature } from "../../../analytics/flink/job-plan";

const MINUTE = 60_000;
const op = (operator: Partial<JobPlan["operators"][number]> & { id: string; name: string }) => ({
  description: null,
  stateful: true,
  ...operator,
});
const RUNNING_PLAN: JobPlan = {
  operators: [
    op({ id: "a1", name: "Source: booking_events[1]" }),
    op({
      id: "b2",
      name: "GlobalWindowAggregate[9]",
      description: "[9]:GlobalWindowAggregate(size=[5 min])",
    }),
    op({ id: "c3", name: "Calc[10]", description: "[10]:Calc(select=[a])", stateful: false }),
    op({ id: "d4", name: "airport_demand_insights[19]: Writer" }),
  ],
};

function build(plan: JobPlan, sha = "f".repeat(64)): NewBuild {
  return {
    plan,
    buildDigest: "1".repeat(64),
    jarSha256: sha,
    gitCommit: "abc",
    longestWindowMs: 15 * MINUTE,
    code: { bucketArn: "arn:aws:s3:::code", fileKey: `flink/flightpulse-flink-insights-${sha}.jar` },
  };
}

function detail(
  status: string,
  version: number,
  fileKey = "flink/old.jar",
  extra: Partial<ApplicationDetail> = {},
): ApplicationDetail {
  return {
    ApplicationARN: "arn:aws:kinesisanalytics:eu-west-1:1:application/app",
    ApplicationName: "app",
    RuntimeEnvironment: "FLINK-1_19",
    ApplicationStatus: status as ApplicationDetail["ApplicationStatus"],
    ApplicationVersionId: version,
    ApplicationConfigurationDescription: {
      ApplicationCodeConfigurationDescription: {
        CodeContentType: "ZIPFILE",
        CodeContentDescription: {
          S3ApplicationCodeLocationDescription: { BucketARN: "arn:aws:s3:::code", FileKey: fileKey },
        },
      },
      EnvironmentPropertyDescriptions: {
        PropertyGroupDescriptions: [
          {
            PropertyGroupId: "FlinkApplicationProperties",
            PropertyMap: { region: "eu-west-1", allowedLatenessSeconds: "30" },
          },
          {
            PropertyGroupId: "FlightpulseRelease",
            PropertyMap: { jarSha256: "0".repeat(64), stateSignature: stateSignature(RUNNING_PLAN) },
          },
        ],
      },
    },
    ...extra,
  };
}

describe("FlinkControl against the Kinesis Analytics V2 API (SDK mocked)", () => {
  // Mocks the class for every instance: installed for this suite only, or the integration tests in the
  // same mocha process would talk to the mock.
  const stub = () => mockClient(KinesisAnalyticsV2Client);
  let ka: ReturnType<typeof stub>;
  before(() => {
    ka = stub();
  });
  after(() => ka.restore());
  let now = Date.parse("2026-12-02T12:00:00Z");
  const clock = {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  const control = () =>
    new FlinkControl({
      client: new KinesisAnalyticsV2Client({ region: "eu-west-1" }),
      application: "app",
      clock,
      pollMs: 1_000,
      timeoutMs: 60_000,
    });
  const sent = (command: Parameters<typeof ka.commandCalls>[0]) => ka.commandCalls(command).length;

  /** Every operation the control follows ends (or stays) with this status. */
  const operationsEnd = (
    OperationStatus: "SUCCESSFUL" | "FAILED" | "IN_PROGRESS",
    failure?: { RollbackOperationId: string; ErrorInfo: { ErrorString: string } },
  ) =>
    ka.on(DescribeApplicationOperationCommand).resolves({
      ApplicationOperationInfoDetails: {
        Operation: "any",
        OperationStatus,
        StartTime: new Date(),
        EndTime: OperationStatus === "IN_PROGRESS" ? undefined : new Date(),
        ...(failure !== undefined ? { OperationFailureDetails: failure } : {}),
      },
    });

  beforeEach(() => {
    ka.reset();
    now = Date.parse("2026-12-02T12:00:00Z");
    ka.on(ListApplicationSnapshotsCommand).resolves({ SnapshotSummaries: [] });
    ka.on(CreateApplicationSnapshotCommand).resolves({});
    ka.on(DescribeApplicationSnapshotCommand).resolves({
      SnapshotDetails: { SnapshotName: "s", SnapshotStatus: "READY", ApplicationVersionId: 7 },
    });
  });

  it("reports the service's system rollback, with its error, and changes nothing more itself", async () => {
    ka.on(DescribeApplicationCommand)
      .resolvesOnce({ ApplicationDetail: detail("RUNNING", 7) })
      .resolvesOnce({ ApplicationDetail: detail("RUNNING", 7) })
      .resolves({
        ApplicationDetail: detail("RUNNING", 9, "flink/old.jar", {
          ApplicationVersionRolledBackFrom: 8,
          ApplicationVersionRolledBackTo: 7,
        }),
      });
    ka.on(UpdateApplicationCommand).resolves({
      ApplicationDetail: detail("UPDATING", 8),
      OperationId: "op-1",
    });
    operationsEnd("FAILED", {
      RollbackOperationId: "op-2",
      ErrorInfo: { ErrorString: "Job failed: ClassNotFoundException" },
    });
    const error = await control()
      .deploy(build(RUNNING_PLAN))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(FlinkControlError);
    expect((error as FlinkControlError).code).to.equal("ROLLED_BACK");
    expect((error as Error).message).to.match(
      /ClassNotFoundException.*version 9 \(the code of version 7\) is RUNNING, restored from snapshot deploy-v7-/,
    );
    expect(sent(UpdateApplicationCommand), "only the deploy's own update").to.equal(1);
    expect(sent(StartApplicationCommand)).to.equal(0);
  });

  it("turns a concurrent change into an error that says nothing was applied and what to do", async () => {
    ka.on(DescribeApplicationCommand).resolves({ ApplicationDetail: detail("RUNNING", 7) });
    ka.on(UpdateApplicationCommand).rejects(
      new ConcurrentModificationException({ message: "version 8 is current", $metadata: {} }),
    );
    const error = await control()
      .deploy(build(RUNNING_PLAN))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((error as FlinkControlError).code).to.equal("CONCURRENT_CHANGE");
    expect((error as Error).message).to.match(
      /changed while this command ran \(version 8 is current\); nothing of this command was applied/,
    );
    const update = ka.commandCalls(UpdateApplicationCommand)[0]?.args[0].input;
    expect(update?.CurrentApplicationVersionId, "the update names the version it read").to.equal(7);
    expect(
      update?.ApplicationConfigurationUpdate?.ApplicationSystemRollbackConfigurationUpdate,
    ).to.deep.equal({ RollbackEnabledUpdate: true });
    expect(update?.RunConfigurationUpdate).to.deep.equal({
      ApplicationRestoreConfiguration: { ApplicationRestoreType: "RESTORE_FROM_LATEST_SNAPSHOT" },
      FlinkRunConfiguration: { AllowNonRestoredState: false },
    });
  });

  it("refuses an incompatible change having sent nothing but reads", async () => {
    ka.on(DescribeApplicationCommand).resolves({ ApplicationDetail: detail("RUNNING", 7) });
    const tenMinutes: JobPlan = {
      operators: RUNNING_PLAN.operators.map((o) =>
        o.id === "b2" ? { ...o, description: "[12]:GlobalWindowAggregate(size=[10 min])" } : o,
      ),
    };
    const error = await control()
      .deploy(build(tenMinutes))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((error as FlinkControlError).code).to.equal("INCOMPATIBLE_STATE");
    // stop time 12:00 − 15 min window − 30 s lateness − 1 min margin, to the minute
    expect((error as Error).message).to.include("stream position 2026-12-02T11:43:00.000Z");
    expect(
      sent(UpdateApplicationCommand) + sent(StopApplicationCommand) + sent(CreateApplicationSnapshotCommand),
    ).to.equal(0);
  });

  it("accepts a change in stateless steps only (renumbered by the planner), and a new stateful operator with a note", async () => {
    ka.on(DescribeApplicationCommand).resolves({ ApplicationDetail: detail("READY", 7) });
    ka.on(UpdateApplicationCommand).resolves({ ApplicationDetail: detail("READY", 8), OperationId: "op-1" });
    operationsEnd("SUCCESSFUL");
    const lines: string[] = [];
    const renumbered: JobPlan = {
      operators: [
        ...RUNNING_PLAN.operators.map((o) =>
          o.id === "b2"
            ? {
                ...o,
                name: "GlobalWindowAggregate[11]",
                description: "[11]:GlobalWindowAggregate(size=[5 min])",
              }
            : o.id === "c3"
              ? { ...o, description: "[12]:Calc(select=[a, b])" }
              : o,
        ),
        op({ id: "e5", name: "WindowRank[30]", description: "[30]:WindowRank(size=[1 min])" }),
      ],
    };
    const c = new FlinkControl({
      client: new KinesisAnalyticsV2Client({ region: "eu-west-1" }),
      application: "app",
      clock,
      progress: (l) => lines.push(l),
    });
    const report = await c.deploy(build(renumbered));
    expect(report.comparison.compatible).to.equal(true);
    expect(report.comparison.added.map((o) => o.id)).to.deep.equal(["e5"]);
    expect(lines.join("\n")).to.match(/WindowRank\[30\] is new and starts without state/);
    expect(sent(CreateApplicationSnapshotCommand), "a READY app has no running state to snapshot").to.equal(
      0,
    );
  });

  it("resets state with the exact requests: stop with snapshot, AT_TIMESTAMP + windowsFrom, start without restore", async () => {
    ka.on(DescribeApplicationCommand)
      .resolvesOnce({ ApplicationDetail: detail("RUNNING", 7) })
      .resolvesOnce({ ApplicationDetail: detail("READY", 7) })
      .resolvesOnce({ ApplicationDetail: detail("READY", 8, "flink/new.jar") })
      .resolves({ ApplicationDetail: detail("RUNNING", 8, "flink/new.jar") });
    ka.on(StopApplicationCommand).resolves({ OperationId: "stop" });
    ka.on(ListApplicationSnapshotsCommand).resolves({
      SnapshotSummaries: [
        {
          SnapshotName: "auto-stop",
          SnapshotStatus: "READY",
          ApplicationVersionId: 7,
          SnapshotCreationTimestamp: new Date(now),
        },
      ],
    });
    ka.on(UpdateApplicationCommand).resolves({ ApplicationDetail: detail("READY", 8), OperationId: "up" });
    ka.on(StartApplicationCommand).resolves({ OperationId: "start" });
    operationsEnd("SUCCESSFUL");
    const changed: JobPlan = { operators: RUNNING_PLAN.operators.filter((o) => o.id !== "b2") };
    const report = await control().deploy(build(changed), { allowStateReset: true });
    expect(report).to.include({
      stateKept: false,
      resumedFrom: "2026-12-02T11:43:00.000Z",
      snapshot: "auto-stop",
    });
    expect(ka.commandCalls(StopApplicationCommand)[0]?.args[0].input.Force).to.equal(false);
    const props =
      ka.commandCalls(UpdateApplicationCommand)[0]?.args[0].input.ApplicationConfigurationUpdate
        ?.EnvironmentPropertyUpdates?.PropertyGroups;
    expect(props?.[0]?.PropertyMap).to.deep.equal({
      region: "eu-west-1",
      allowedLatenessSeconds: "30",
      initialPosition: "AT_TIMESTAMP",
      initialTimestamp: "2026-12-02T11:43:00.000Z",
      windowsFrom: "2026-12-02T11:43:00.000Z",
    });
    expect(props?.[1]?.PropertyMap?.["stateSignature"]).to.equal(stateSignature(changed));
    expect(ka.commandCalls(StartApplicationCommand)[0]?.args[0].input.RunConfiguration).to.deep.equal({
      ApplicationRestoreConfiguration: { ApplicationRestoreType: "SKIP_RESTORE_FROM_SNAPSHOT" },
    });
  });

  it("says what to do when the snapshot limit is reached, before changing anything", async () => {
    ka.on(DescribeApplicationCommand).resolves({ ApplicationDetail: detail("RUNNING", 7) });
    ka.on(CreateApplicationSnapshotCommand).rejects(
      new LimitExceededException({ message: "1000 snapshots", $metadata: {} }),
    );
    const error = await control()
      .deploy(build(RUNNING_PLAN))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((error as FlinkControlError).code).to.equal("SNAPSHOT_LIMIT");
    expect((error as Error).message).to.match(/delete-application-snapshot.*Nothing was changed/);
    expect(sent(UpdateApplicationCommand)).to.equal(0);
  });

  it("refuses to deploy over an application that is busy, and gives up waiting with where to look", async () => {
    ka.on(DescribeApplicationCommand).resolves({ ApplicationDetail: detail("UPDATING", 7) });
    const busy = await control()
      .deploy(build(RUNNING_PLAN))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((busy as FlinkControlError).code).to.equal("BUSY");
    expect((busy as Error).message).to.match(/is UPDATING; deploy when it is RUNNING or READY/);
    ka.on(StopApplicationCommand).resolves({ OperationId: "stop" });
    operationsEnd("IN_PROGRESS");
    const stuck = await control()
      .stop()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((stuck as FlinkControlError).code).to.equal("TIMEOUT");
    expect((stuck as Error).message).to.match(
      /did not finish within 60 s; `flightpulse flink status` shows where app is/,
    );
  });

  it("does nothing when the running version already is this build", async () => {
    ka.on(DescribeApplicationCommand).resolves({ ApplicationDetail: detail("RUNNING", 7) });
    const report = await control().deploy(build(RUNNING_PLAN, "0".repeat(64)));
    expect(report).to.include({ unchanged: true, fromVersion: 7, toVersion: 7 });
    expect(sent(UpdateApplicationCommand) + sent(CreateApplicationSnapshotCommand)).to.equal(0);
  });
});
