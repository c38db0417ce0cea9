// One Managed Flink application as the local Kinesis Analytics V2 endpoint keeps it: versions of its
// configuration, status transitions (READY → STARTING → RUNNING → UPDATING/STOPPING/ROLLING_BACK …),
// snapshots and operations, driving a real local Flink job (local/flink) the way the service drives its
// cluster: a snapshot is a Flink savepoint on disk, a stop with snapshots enabled is a stop with
// savepoint, an update stops the job with a savepoint and starts the new version's jar from it, and a
// version that fails to start is rolled back to the previous one and its snapshot (system rollback).
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import type { LocalFlink } from "../flink/local-flink";

export type ApplicationStatus =
  | "READY"
  | "STARTING"
  | "RUNNING"
  | "UPDATING"
  | "STOPPING"
  | "FORCE_STOPPING"
  | "ROLLING_BACK";

export type RestoreType =
  | "SKIP_RESTORE_FROM_SNAPSHOT"
  | "RESTORE_FROM_LATEST_SNAPSHOT"
  | "RESTORE_FROM_CUSTOM_SNAPSHOT";

export interface RestoreConfig {
  readonly type: RestoreType;
  readonly snapshotName?: string | undefined;
  readonly allowNonRestoredState: boolean;
}

export interface ApplicationConfig {
  readonly runtime: string;
  readonly serviceRole: string;
  readonly code: { readonly bucketArn: string; readonly fileKey: string };
  readonly propertyGroups: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly snapshotsEnabled: boolean;
  readonly rollbackEnabled: boolean;
  readonly restore: RestoreConfig;
}

export interface Snapshot {
  readonly name: string;
  status: "CREATING" | "READY" | "FAILED";
  readonly versionId: number;
  readonly createdAt: Date;
  location?: string;
  /** Why it FAILED (the endpoint's log says it; the API has no field for it). */
  error?: string;
}

export interface Operation {
  readonly id: string;
  readonly operation: string;
  status: "IN_PROGRESS" | "SUCCESSFUL" | "FAILED";
  readonly startTime: Date;
  endTime?: Date;
  readonly fromVersion: number;
  toVersion: number;
  error?: string;
  rollbackOperationId?: string;
}

/** Starts the app's Flink job for a configuration: its jar from the code store, its properties. */
export type LaunchJob = (
  config: ApplicationConfig,
  restore: { readonly savepoint?: string; readonly allowNonRestoredState: boolean },
) => Promise<LocalFlink>;

export interface LocalApplicationOptions {
  readonly name: string;
  readonly arn: string;
  readonly config: ApplicationConfig;
  /** Where its snapshots (savepoints) go. */
  readonly stateDir: string;
  readonly launch: LaunchJob;
  /** How long a new version must keep running before an update counts as successful. */
  readonly settleMs: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

let operationCounter = 0;

export class LocalApplication {
  status: ApplicationStatus = "READY";
  versionId = 1;
  readonly versions = new Map<number, ApplicationConfig>();
  readonly snapshots: Snapshot[] = [];
  readonly operations = new Map<string, Operation>();
  readonly createdAt: Date;
  lastUpdatedAt: Date;
  updatedFrom?: number;
  rolledBackFrom?: number;
  rolledBackTo?: number;
  /** The version ids that reached RUNNING, in order: a rollback returns to the one before the current. */
  private readonly ran: number[] = [];
  private job: LocalFlink | undefined;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The background work of the running operation, so shutdown can wait for it. */
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly options: LocalApplicationOptions) {
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.versions.set(1, options.config);
    this.createdAt = this.now();
    this.lastUpdatedAt = this.createdAt;
  }

  get name(): string {
    return this.options.name;
  }

  get arn(): string {
    return this.options.arn;
  }

  get config(): ApplicationConfig {
    return this.versions.get(this.versionId) as ApplicationConfig;
  }

  /** The Flink job of the running version (its REST URL for the dashboard), if any. */
  get runningJob(): LocalFlink | undefined {
    return this.job;
  }

  start(restore: RestoreConfig): Operation {
    return this.begin("StartApplication", "STARTING", async (op) => {
      this.job = await this.launchChecked(this.config, this.restorePoint(restore));
      this.ran.push(this.versionId);
      op.toVersion = this.versionId;
    });
  }

  stop(force: boolean): Operation {
    return this.begin("StopApplication", force ? "FORCE_STOPPING" : "STOPPING", async () => {
      await this.stopJob(!force && this.config.snapshotsEnabled);
    });
  }

  snapshot(name: string): Snapshot {
    const snapshot: Snapshot = {
      name,
      status: "CREATING",
      versionId: this.versionId,
      createdAt: this.now(),
    };
    this.snapshots.push(snapshot);
    const job = this.job;
    this.work = this.work.then(async () => {
      try {
        if (job === undefined) throw new Error("no job");
        snapshot.location = await job.savepoint(this.snapshotDir(name), false);
        snapshot.status = "READY";
      } catch (e) {
        snapshot.status = "FAILED";
        snapshot.error = (e as Error).message;
      }
    });
    return snapshot;
  }

  /** A new version with this configuration; a running app is updated (stop with snapshot, start new). */
  update(config: ApplicationConfig): Operation {
    const previous = this.versionId;
    this.versionId += 1;
    this.versions.set(this.versionId, config);
    this.updatedFrom = previous;
    this.lastUpdatedAt = this.now();
    if (this.status === "READY") {
      const op = this.record("UpdateApplication", previous);
      op.status = "SUCCESSFUL";
      op.endTime = this.now();
      return op;
    }
    return this.begin("UpdateApplication", "UPDATING", async (op) => {
      // The snapshot holds the state of the version that ran until now.
      const stopSnapshot = await this.stopJob(
        (this.versions.get(previous) as ApplicationConfig).snapshotsEnabled,
        previous,
      );
      try {
        this.job = await this.launchChecked(config, this.restorePoint(config.restore));
        this.ran.push(this.versionId);
      } catch (e) {
        op.error = (e as Error).message;
        const oldConfig = this.versions.get(previous) as ApplicationConfig;
        if (!oldConfig.rollbackEnabled && !config.rollbackEnabled) throw e;
        // System rollback: the previous version from the snapshot this update took.
        const rollback = this.record("RollbackApplication", this.versionId);
        op.rollbackOperationId = rollback.id;
        this.status = "ROLLING_BACK";
        await this.restoreVersion(previous, stopSnapshot);
        rollback.status = "SUCCESSFUL";
        rollback.endTime = this.now();
        rollback.toVersion = this.versionId;
        throw e;
      }
    });
  }

  /** Back to the version that ran before the current one, from the latest snapshot that restores. */
  rollback(): Operation {
    const current = this.versionId;
    // A rollback re-runs an older version's configuration under a new id: skip those that equal the current.
    const same = (v: number) => JSON.stringify(this.versions.get(v)) === JSON.stringify(this.config);
    const target = [...this.ran].reverse().find((v) => v !== current && !same(v));
    if (target === undefined) throw new RollbackRefused(`version ${current} has no previous running version`);
    return this.begin("RollbackApplication", "ROLLING_BACK", async (op) => {
      const latest = await this.stopJob(this.config.snapshotsEnabled && this.job?.alive() === true);
      await this.restoreVersion(target, latest);
      op.toVersion = this.versionId;
    });
  }

  latestSnapshot(): Snapshot | undefined {
    return this.snapshots
      .filter((s) => s.status === "READY")
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .at(-1);
  }

  /** Waits for the operation in progress (shutdown). */
  async idle(): Promise<void> {
    await this.work;
  }

  async shutdown(): Promise<void> {
    await this.work.catch(() => {});
    await this.job?.stop();
    this.job = undefined;
  }

  private async restoreVersion(target: number, preferred: Snapshot | undefined): Promise<void> {
    const config = this.versions.get(target) as ApplicationConfig;
    const candidates = [
      preferred,
      ...this.snapshots.filter((s) => s.status === "READY" && s.versionId === target).reverse(),
    ].filter((s): s is Snapshot => s !== undefined);
    let lastError: unknown = new Error("no snapshot to restore");
    for (const snapshot of candidates) {
      try {
        this.job = await this.launchChecked(config, {
          savepoint: snapshot.location as string,
          allowNonRestoredState: false,
        });
        this.versionId += 1;
        this.versions.set(this.versionId, config);
        this.rolledBackFrom = this.versionId - 1;
        this.rolledBackTo = target;
        this.ran.push(this.versionId);
        return;
      } catch (e) {
        lastError = e;
      }
    }
    throw lastError;
  }

  private restorePoint(restore: RestoreConfig): { savepoint?: string; allowNonRestoredState: boolean } {
    const snapshot =
      restore.type === "SKIP_RESTORE_FROM_SNAPSHOT"
        ? undefined
        : restore.type === "RESTORE_FROM_LATEST_SNAPSHOT"
          ? this.latestSnapshot()
          : this.snapshots.find((s) => s.name === restore.snapshotName && s.status === "READY");
    return {
      ...(snapshot?.location !== undefined ? { savepoint: snapshot.location } : {}),
      allowNonRestoredState: restore.allowNonRestoredState,
    };
  }

  /** Starts a job and holds it to the settle time: one that dies in it failed to start. */
  private async launchChecked(
    config: ApplicationConfig,
    restore: { savepoint?: string; allowNonRestoredState: boolean },
  ): Promise<LocalFlink> {
    const job = await this.options.launch(config, restore);
    const deadline = this.now().getTime() + this.options.settleMs;
    while (this.now().getTime() < deadline) {
      const state = await job.jobState();
      if (!job.alive() || state === "FAILED" || state === "FAILING" || state === "unreachable") {
        await job.stop();
        throw new Error(`the job failed after it started (Flink job ${state})`);
      }
      await this.sleep(250);
    }
    return job;
  }

  /** Stops the job, with a savepoint when asked: the snapshot the service takes on a stop or update. */
  private async stopJob(withSnapshot: boolean, versionId = this.versionId): Promise<Snapshot | undefined> {
    const job = this.job;
    this.job = undefined;
    if (job === undefined) return undefined;
    if (!withSnapshot || !job.alive()) {
      await job.stop();
      return undefined;
    }
    const name = `flightpulse-auto-${this.now().toISOString().replace(/[:.]/g, "-")}`;
    const snapshot: Snapshot = { name, status: "CREATING", versionId, createdAt: this.now() };
    this.snapshots.push(snapshot);
    try {
      snapshot.location = await job.savepoint(this.snapshotDir(name), true);
      snapshot.status = "READY";
      return snapshot;
    } catch (e) {
      snapshot.status = "FAILED";
      throw e;
    } finally {
      await job.stop();
    }
  }

  private snapshotDir(name: string): string {
    const dir = path.join(this.options.stateDir, "snapshots", name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private record(operation: string, fromVersion: number): Operation {
    operationCounter += 1;
    const op: Operation = {
      id: `op-${operationCounter.toString(36)}-${Date.now().toString(36)}`,
      operation,
      status: "IN_PROGRESS",
      startTime: this.now(),
      fromVersion,
      toVersion: this.versionId,
    };
    this.operations.set(op.id, op);
    return op;
  }

  /** Runs an operation in the background from a transient status; it ends RUNNING or READY. */
  private begin(
    operation: string,
    transient: ApplicationStatus,
    body: (op: Operation) => Promise<void>,
  ): Operation {
    const op = this.record(
      operation,
      operation === "UpdateApplication" ? this.versionId - 1 : this.versionId,
    );
    this.status = transient;
    this.work = this.work.then(async () => {
      try {
        await body(op);
        op.status = "SUCCESSFUL";
      } catch (e) {
        op.status = "FAILED";
        op.error ??= (e as Error).message;
      } finally {
        op.endTime = this.now();
        this.status = this.job?.alive() === true ? "RUNNING" : "READY";
        this.lastUpdatedAt = this.now();
      }
    });
    return op;
  }
}

/** RollbackApplication asked of an app with nothing to roll back to. */
export class RollbackRefused extends Error {}
