// The Managed Flink application's control plane over the Kinesis Analytics V2 API (AWS, or the local
// endpoint of `npm start`): status with drift from git, snapshots, safe deploys and rollbacks. A deploy
// checks that the new build can take the running state before it touches anything (job-plan.ts), takes a
// snapshot first, updates with the version id it read (a concurrent change is refused by the service),
// waits for RUNNING, and when the new version fails it ends with the previous version running again from
// its snapshot, saying so. A change that cannot keep the state is refused unless --allow-state-reset,
// which stops with a snapshot and starts the new version from the stream position that re-emits every
// window the stop left open (the downstream MERGE on window + key absorbs the repeats).
import {
  type ApplicationDetail,
  ConcurrentModificationException,
  CreateApplicationSnapshotCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  DescribeApplicationSnapshotCommand,
  type KinesisAnalyticsV2Client,
  LimitExceededException,
  ListApplicationSnapshotsCommand,
  type PropertyGroup,
  RollbackApplicationCommand,
  type SnapshotDetails,
  StartApplicationCommand,
  StopApplicationCommand,
  UpdateApplicationCommand,
} from "@aws-sdk/client-kinesis-analytics-v2";
import { compareState, type JobPlan, type StateComparison, stateSignature } from "./job-plan";

/** The job's settings (JobSettings.java) and the release facts flightpulse keeps beside them. */
export const JOB_PROPERTIES = "FlinkApplicationProperties";
export const RELEASE_PROPERTIES = "FlightpulseRelease";
/** Margin for producers' delay when a reset re-reads the stream (docs/flink.md). */
const RESET_MARGIN_MS = 60_000;

export interface Release {
  /** Digest of the jar's build inputs (POM, Java, SQL): what `status` compares with the checkout. */
  readonly buildDigest: string;
  readonly jarSha256: string;
  readonly gitCommit?: string | undefined;
}

export interface NewBuild extends Release {
  readonly plan: JobPlan;
  /** Where the service reads the jar (S3; locally the endpoint's code folder). */
  readonly code: { readonly bucketArn: string; readonly fileKey: string };
  /** The longest window of its SQL: how far back a state reset re-reads. */
  readonly longestWindowMs: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface FlinkControlOptions {
  readonly client: KinesisAnalyticsV2Client;
  readonly application: string;
  readonly progress?: (line: string) => void;
  readonly clock?: Clock;
  readonly pollMs?: number;
  /** How long an update, start, stop or snapshot may take before the command gives up waiting. */
  readonly timeoutMs?: number;
}

export class FlinkControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AppState {
  readonly status: string;
  readonly versionId: number;
  readonly runtime: string;
  readonly code: { readonly bucketArn: string; readonly fileKey: string };
  readonly jobProperties: Readonly<Record<string, string>>;
  readonly release: Partial<Release> & { readonly stateSignature?: string };
  readonly rollbackEnabled: boolean;
  readonly rolledBackFrom?: number | undefined;
  readonly rolledBackTo?: number | undefined;
}

export interface DeployReport {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly snapshot?: string | undefined;
  readonly stateKept: boolean;
  readonly resumedFrom?: string | undefined;
  readonly comparison: StateComparison;
  readonly unchanged?: boolean;
}

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

function appState(d: ApplicationDetail): AppState {
  const c = d.ApplicationConfigurationDescription;
  const groups = c?.EnvironmentPropertyDescriptions?.PropertyGroupDescriptions ?? [];
  const group = (id: string) => groups.find((g) => g.PropertyGroupId === id)?.PropertyMap ?? {};
  const s3 =
    c?.ApplicationCodeConfigurationDescription?.CodeContentDescription?.S3ApplicationCodeLocationDescription;
  return {
    status: d.ApplicationStatus ?? "UNKNOWN",
    versionId: d.ApplicationVersionId ?? 0,
    runtime: d.RuntimeEnvironment ?? "?",
    code: { bucketArn: s3?.BucketARN ?? "", fileKey: s3?.FileKey ?? "" },
    jobProperties: group(JOB_PROPERTIES),
    release: group(RELEASE_PROPERTIES),
    rollbackEnabled: c?.ApplicationSystemRollbackConfigurationDescription?.RollbackEnabled === true,
    rolledBackFrom: d.ApplicationVersionRolledBackFrom,
    rolledBackTo: d.ApplicationVersionRolledBackTo,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export class FlinkControl {
  private readonly progress: (line: string) => void;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: FlinkControlOptions) {
    this.progress = options.progress ?? (() => {});
    this.clock = options.clock ?? realClock;
    this.pollMs = options.pollMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 15 * 60_000;
  }

  private get name(): string {
    return this.options.application;
  }

  async describe(): Promise<AppState> {
    const { ApplicationDetail } = await this.options.client.send(
      new DescribeApplicationCommand({ ApplicationName: this.name }),
    );
    if (ApplicationDetail === undefined)
      throw new FlinkControlError("NO_APPLICATION", `no application ${this.name}`);
    return appState(ApplicationDetail);
  }

  /** Snapshots, newest first. */
  async snapshots(): Promise<SnapshotDetails[]> {
    const all: SnapshotDetails[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(
        new ListApplicationSnapshotsCommand({ ApplicationName: this.name, Limit: 50, NextToken: token }),
      );
      all.push(...(page.SnapshotSummaries ?? []));
      token = page.NextToken;
    } while (token !== undefined);
    return all.sort(
      (a, b) => (b.SnapshotCreationTimestamp?.getTime() ?? 0) - (a.SnapshotCreationTimestamp?.getTime() ?? 0),
    );
  }

  /** Takes a snapshot of the running app and waits until it is READY. */
  async snapshot(name = `flightpulse-${iso(this.clock.now()).replace(/[:.]/g, "-")}`): Promise<string> {
    const app = await this.describe();
    if (app.status !== "RUNNING")
      throw new FlinkControlError(
        "NOT_RUNNING",
        `${this.name} is ${app.status}: a snapshot needs a RUNNING application (\`flightpulse flink start\`)`,
      );
    this.progress(`snapshot ${name} of version ${app.versionId}…`);
    try {
      await this.options.client.send(
        new CreateApplicationSnapshotCommand({ ApplicationName: this.name, SnapshotName: name }),
      );
    } catch (e) {
      if (e instanceof LimitExceededException)
        throw new FlinkControlError(
          "SNAPSHOT_LIMIT",
          `${this.name} has as many snapshots as Managed Flink keeps (${e.message}); delete old ones ` +
            "(`aws kinesisanalyticsv2 delete-application-snapshot`, oldest first from `flightpulse flink snapshots`) and run this again. Nothing was changed.",
        );
      throw e;
    }
    await this.until(`snapshot ${name}`, async () => {
      const { SnapshotDetails } = await this.options.client.send(
        new DescribeApplicationSnapshotCommand({ ApplicationName: this.name, SnapshotName: name }),
      );
      const status = SnapshotDetails?.SnapshotStatus;
      if (status === "FAILED")
        throw new FlinkControlError(
          "SNAPSHOT_FAILED",
          `snapshot ${name} failed; the job keeps running unchanged`,
        );
      return status === "READY";
    });
    this.progress(`snapshot ${name} READY`);
    return name;
  }

  /**
   * Rolls out a new build. Compatible state: snapshot, update (restore from the latest snapshot), wait.
   * Incompatible: refused before anything changes, unless `allowStateReset`.
   */
  async deploy(
    build: NewBuild,
    opts: { allowStateReset?: boolean; settings?: Record<string, string> } = {},
  ): Promise<DeployReport> {
    const app = await this.describe();
    if (app.status !== "RUNNING" && app.status !== "READY")
      throw new FlinkControlError(
        "BUSY",
        `${this.name} is ${app.status}; deploy when it is RUNNING or READY (\`flightpulse flink status\`)`,
      );
    const comparison =
      app.release.stateSignature === undefined
        ? { compatible: true, missing: [], changed: [], added: [] }
        : compareState(app.release.stateSignature, build.plan);
    if (app.release.stateSignature === undefined)
      this.progress(
        "the running version's state layout is unknown (not deployed by flightpulse flink): Flink checks the restore itself",
      );
    const settings = { ...app.jobProperties, ...(opts.settings ?? {}) };
    if (
      app.release.jarSha256 === build.jarSha256 &&
      opts.settings === undefined &&
      app.status === "RUNNING" &&
      !opts.allowStateReset
    ) {
      this.progress(
        `version ${app.versionId} already runs this build (${build.jarSha256.slice(0, 12)}): nothing to do`,
      );
      return {
        fromVersion: app.versionId,
        toVersion: app.versionId,
        stateKept: true,
        comparison,
        unchanged: true,
      };
    }
    for (const o of comparison.added)
      this.progress(
        `note: ${o.name} is new and starts without state (its first windows see part of the data)`,
      );
    if (!comparison.compatible) {
      const resume = this.resumePosition(this.clock.now(), build, settings);
      const reasons = [
        ...comparison.changed.map((o) => `operator ${o.name} (${o.id}) changed its definition`),
        ...comparison.missing.map((id) => `operator ${id} holds state and is not in the new plan`),
      ];
      if (!opts.allowStateReset)
        throw new FlinkControlError(
          "INCOMPATIBLE_STATE",
          `the new SQL cannot restore the state of version ${app.versionId}: ${reasons.join("; ")}. Nothing was changed. ` +
            `Redeploy with --allow-state-reset to stop with a snapshot and start the new version from the stream position ${iso(resume)} ` +
            "(stop time − longest window − allowed lateness − 1 min); the windows it re-emits replace themselves downstream.",
        );
      this.progress(`state reset: ${reasons.join("; ")}`);
      return this.resetDeploy(app, build, settings, comparison);
    }
    return this.statefulDeploy(app, build, settings, comparison);
  }

  private async statefulDeploy(
    app: AppState,
    build: NewBuild,
    settings: Record<string, string>,
    comparison: StateComparison,
  ): Promise<DeployReport> {
    const running = app.status === "RUNNING";
    const snapshot = running
      ? await this.snapshot(`deploy-v${app.versionId}-${this.clock.now()}`)
      : undefined;
    this.progress(`updating version ${app.versionId} → ${app.versionId + 1} (${build.code.fileKey})…`);
    const update = await this.update(app.versionId, build, settings);
    const outcome = await this.awaitOperation(update);
    if (!outcome.ok) await this.recover(app, outcome.error, snapshot);
    const after = await this.describe();
    this.progress(
      running
        ? `version ${after.versionId} ${after.status}, state restored`
        : `version ${after.versionId} ${after.status}: \`flightpulse flink start\` runs it from the latest snapshot`,
    );
    return { fromVersion: app.versionId, toVersion: after.versionId, snapshot, stateKept: true, comparison };
  }

  private resumePosition(stopMs: number, build: NewBuild, settings: Record<string, string>): number {
    const latenessMs = Number(settings["allowedLatenessSeconds"] ?? 30) * 1000;
    const from = stopMs - build.longestWindowMs - latenessMs - RESET_MARGIN_MS;
    return Math.floor(from / 60_000) * 60_000;
  }

  private async resetDeploy(
    app: AppState,
    build: NewBuild,
    settings: Record<string, string>,
    comparison: StateComparison,
  ): Promise<DeployReport> {
    let snapshot: string | undefined;
    if (app.status === "RUNNING") {
      this.progress(`stopping version ${app.versionId} with a snapshot…`);
      await this.options.client.send(
        new StopApplicationCommand({ ApplicationName: this.name, Force: false }),
      );
      await this.untilStatus("READY");
      snapshot = (await this.snapshots())[0]?.SnapshotName;
    }
    const resume = this.resumePosition(this.clock.now(), build, settings);
    const resetSettings = {
      ...settings,
      initialPosition: "AT_TIMESTAMP",
      initialTimestamp: iso(resume),
      windowsFrom: iso(resume),
    };
    const update = await this.update(app.versionId, build, resetSettings);
    await this.awaitOperation(update);
    this.progress(`starting version ${app.versionId + 1} without state, reading from ${iso(resume)}…`);
    const start = await this.options.client.send(
      new StartApplicationCommand({
        ApplicationName: this.name,
        RunConfiguration: {
          ApplicationRestoreConfiguration: { ApplicationRestoreType: "SKIP_RESTORE_FROM_SNAPSHOT" },
        },
      }),
    );
    const outcome = await this.awaitOperation(start.OperationId);
    if (!outcome.ok) await this.recover(app, outcome.error, snapshot);
    const after = await this.describe();
    this.progress(
      `version ${after.versionId} ${after.status}: re-reading from ${iso(resume)}, windows from then on re-emitted`,
    );
    return {
      fromVersion: app.versionId,
      toVersion: after.versionId,
      snapshot,
      stateKept: false,
      resumedFrom: iso(resume),
      comparison,
    };
  }

  /**
   * The new version did not come up. With system rollback the service already runs the previous version
   * again; otherwise put it back ourselves from the snapshot taken before the change. Always throws.
   */
  private async recover(before: AppState, error: string, snapshot: string | undefined): Promise<never> {
    let now = await this.describe();
    if (now.status !== "RUNNING" || now.code.fileKey !== before.code.fileKey) {
      this.progress(`the new version failed (${error}); restoring version ${before.versionId}…`);
      const restore = snapshot === undefined ? "SKIP_RESTORE_FROM_SNAPSHOT" : "RESTORE_FROM_CUSTOM_SNAPSHOT";
      if (now.status === "RUNNING") {
        await this.options.client.send(
          new StopApplicationCommand({ ApplicationName: this.name, Force: true }),
        );
        await this.untilStatus("READY");
        now = await this.describe();
      }
      const update = await this.options.client.send(
        new UpdateApplicationCommand({
          ApplicationName: this.name,
          CurrentApplicationVersionId: now.versionId,
          ApplicationConfigurationUpdate: {
            ApplicationCodeConfigurationUpdate: {
              CodeContentUpdate: {
                S3ContentLocationUpdate: {
                  BucketARNUpdate: before.code.bucketArn,
                  FileKeyUpdate: before.code.fileKey,
                },
              },
            },
            EnvironmentPropertyUpdates: {
              PropertyGroups: [
                { PropertyGroupId: JOB_PROPERTIES, PropertyMap: { ...before.jobProperties } },
                {
                  PropertyGroupId: RELEASE_PROPERTIES,
                  PropertyMap: { ...before.release } as Record<string, string>,
                },
              ],
            },
          },
        }),
      );
      await this.awaitOperation(update.OperationId);
      const start = await this.options.client.send(
        new StartApplicationCommand({
          ApplicationName: this.name,
          RunConfiguration: {
            ApplicationRestoreConfiguration: {
              ApplicationRestoreType: restore,
              ...(snapshot !== undefined ? { SnapshotName: snapshot } : {}),
            },
          },
        }),
      );
      await this.awaitOperation(start.OperationId);
      now = await this.describe();
    }
    throw new FlinkControlError(
      "ROLLED_BACK",
      `the new version failed: ${error}. Rolled back: version ${now.versionId} (the code of version ${before.versionId}) is ${now.status}` +
        `${snapshot !== undefined ? `, restored from snapshot ${snapshot}` : ""}. Fix the build and deploy again; \`flightpulse flink status\` shows what runs.`,
    );
  }

  /** Back to the previous running version, from the latest snapshot (the service's RollbackApplication). */
  async rollback(): Promise<{
    fromVersion: number;
    toVersion: number;
    rolledBackTo?: number | undefined;
    snapshot?: string | undefined;
  }> {
    const app = await this.describe();
    this.progress(`rolling back version ${app.versionId}…`);
    const { OperationId } = await this.guard(
      this.options.client.send(
        new RollbackApplicationCommand({
          ApplicationName: this.name,
          CurrentApplicationVersionId: app.versionId,
        }),
      ),
    );
    const outcome = await this.awaitOperation(OperationId);
    if (!outcome.ok) throw new FlinkControlError("ROLLBACK_FAILED", `the rollback failed: ${outcome.error}`);
    // The service restores the newest snapshot, which may be the one its stop of the current version took.
    const latest = (await this.snapshots()).find((s) => s.SnapshotStatus === "READY");
    const after = await this.describe();
    this.progress(
      `version ${after.versionId} ${after.status} (the code of version ${after.rolledBackTo ?? "?"})`,
    );
    return {
      fromVersion: app.versionId,
      toVersion: after.versionId,
      rolledBackTo: after.rolledBackTo,
      snapshot: latest?.SnapshotName,
    };
  }

  async stop(force = false): Promise<AppState> {
    this.progress(`stopping ${this.name}${force ? " (force: no snapshot)" : " with a snapshot"}…`);
    const { OperationId } = await this.guard(
      this.options.client.send(new StopApplicationCommand({ ApplicationName: this.name, Force: force })),
    );
    await this.awaitOperation(OperationId);
    return this.describe();
  }

  /** Starts a READY app: from the latest snapshot, a named one, or none. */
  async start(restore: { snapshot?: string; skip?: boolean } = {}): Promise<AppState> {
    this.progress(`starting ${this.name}…`);
    const { OperationId } = await this.guard(
      this.options.client.send(
        new StartApplicationCommand({
          ApplicationName: this.name,
          RunConfiguration: {
            ApplicationRestoreConfiguration: restore.skip
              ? { ApplicationRestoreType: "SKIP_RESTORE_FROM_SNAPSHOT" }
              : restore.snapshot !== undefined
                ? { ApplicationRestoreType: "RESTORE_FROM_CUSTOM_SNAPSHOT", SnapshotName: restore.snapshot }
                : { ApplicationRestoreType: "RESTORE_FROM_LATEST_SNAPSHOT" },
          },
        }),
      ),
    );
    const outcome = await this.awaitOperation(OperationId);
    if (!outcome.ok) throw new FlinkControlError("START_FAILED", `the start failed: ${outcome.error}`);
    return this.describe();
  }

  private async update(
    versionId: number,
    build: NewBuild,
    settings: Record<string, string>,
  ): Promise<string | undefined> {
    const release: Record<string, string> = {
      buildDigest: build.buildDigest,
      jarSha256: build.jarSha256,
      stateSignature: stateSignature(build.plan),
      ...(build.gitCommit !== undefined ? { gitCommit: build.gitCommit } : {}),
    };
    const groups: PropertyGroup[] = [
      { PropertyGroupId: JOB_PROPERTIES, PropertyMap: settings },
      { PropertyGroupId: RELEASE_PROPERTIES, PropertyMap: release },
    ];
    const { OperationId } = await this.guard(
      this.options.client.send(
        new UpdateApplicationCommand({
          ApplicationName: this.name,
          CurrentApplicationVersionId: versionId,
          ApplicationConfigurationUpdate: {
            ApplicationCodeConfigurationUpdate: {
              CodeContentUpdate: {
                S3ContentLocationUpdate: {
                  BucketARNUpdate: build.code.bucketArn,
                  FileKeyUpdate: build.code.fileKey,
                },
              },
            },
            EnvironmentPropertyUpdates: { PropertyGroups: groups },
            // Pulumi's provider cannot set it: every deploy makes sure a failed start rolls back.
            ApplicationSystemRollbackConfigurationUpdate: { RollbackEnabledUpdate: true },
          },
          RunConfigurationUpdate: {
            ApplicationRestoreConfiguration: { ApplicationRestoreType: "RESTORE_FROM_LATEST_SNAPSHOT" },
            FlinkRunConfiguration: { AllowNonRestoredState: false },
          },
        }),
      ),
    );
    return OperationId;
  }

  /** Sends, turning the service's refusals into errors that say what to do next. */
  private async guard<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (e) {
      if (e instanceof ConcurrentModificationException)
        throw new FlinkControlError(
          "CONCURRENT_CHANGE",
          `${this.name} changed while this command ran (${e.message}); nothing of this command was applied. Check \`flightpulse flink status\` and run it again.`,
        );
      throw e;
    }
  }

  /** Follows an operation to its end, printing each status change; ok unless it FAILED. */
  private async awaitOperation(
    operationId: string | undefined,
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    let last = "";
    let result: { ok: true } | { ok: false; error: string } = { ok: true };
    await this.until("the operation", async () => {
      const app = await this.describe();
      if (app.status !== last) this.progress(`  ${this.name}: ${app.status} (version ${app.versionId})`);
      last = app.status;
      if (operationId === undefined) return app.status === "RUNNING" || app.status === "READY";
      const { ApplicationOperationInfoDetails: op } = await this.options.client.send(
        new DescribeApplicationOperationCommand({ ApplicationName: this.name, OperationId: operationId }),
      );
      if (op?.OperationStatus === "IN_PROGRESS" || op?.OperationStatus === undefined) return false;
      if (op.OperationStatus !== "SUCCESSFUL")
        result = {
          ok: false,
          error: op.OperationFailureDetails?.ErrorInfo?.ErrorString ?? `operation ${op.OperationStatus}`,
        };
      return app.status === "RUNNING" || app.status === "READY";
    });
    return result;
  }

  private untilStatus(status: string): Promise<void> {
    return this.until(`status ${status}`, async () => (await this.describe()).status === status);
  }

  private async until(what: string, done: () => Promise<boolean>): Promise<void> {
    const deadline = this.clock.now() + this.timeoutMs;
    while (!(await done())) {
      if (this.clock.now() > deadline)
        throw new FlinkControlError(
          "TIMEOUT",
          `${what} did not finish within ${Math.round(this.timeoutMs / 1000)} s; \`flightpulse flink status\` shows where ${this.name} is`,
        );
      await this.clock.sleep(this.pollMs);
    }
  }
}
