// `flightpulse flink` against the local Kinesis Analytics V2 endpoint driving real Flink jobs (emulator,
// MiniCluster JVMs, savepoints on disk), one application through a day of changes:
//   v1 runs → a compatible SQL change is deployed with its window state → a concurrent update is refused →
//   a change that cannot keep the state is refused with nothing touched → a version that fails to start is
//   rolled back by the service → `rollback` returns to v1 from the latest snapshot → the incompatible
//   change is deployed with --allow-state-reset.
// Through all of it the booking stream is read once in order (one shard), and in the end every insight
// window the job emitted equals DuckDB's reference over all the events: no gap and no double count across
// any change; windows re-emitted after the state reset are identical to the first emission (the
// downstream MERGE on window + key replaces them with themselves).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import {
  ConcurrentModificationException,
  CreateApplicationCommand,
  type KinesisAnalyticsV2Client,
  UpdateApplicationCommand,
} from "@aws-sdk/client-kinesis-analytics-v2";
import { expect } from "chai";
import { buildFlinkArtifact, FLINK_JAR } from "../../../analytics/flink/artifact";
import { FlinkControl, FlinkControlError, type NewBuild } from "../../../analytics/flink/control";
import { flink } from "../../../analytics/flink/flink-command";
import { localBuild } from "../../../analytics/flink/release";
import { clientOptions, LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../consumers/aws/clients";
import { createRandom } from "../../../ingest/simulator/prng";
import { TrafficSimulator } from "../../../ingest/simulator/traffic";
import type { RunningService } from "../../../local/emulators/child-service";
import { startKinesisLocal } from "../../../local/emulators/kinesis-emulators";
import { localApplicationRequest, putLocalCode } from "../../../local/kinesis-analytics/local-flink-app";
import {
  type KinesisAnalyticsServer,
  localKinesisAnalyticsClient,
  startKinesisAnalyticsServer,
} from "../../../local/kinesis-analytics/server";
import { ensureStream } from "../../../local/stack/bootstrap";
import { recordingIo } from "../../fixtures/command-io";
import { decodeJobOutput, type InsightRow, referenceInsights } from "../../fixtures/flink-reference";
import { buildOf, variantJar } from "../../fixtures/flink-variants";
import { readFirstShard } from "../../fixtures/kinesis-shard";

const MINUTE = 60_000;
const LATENESS_MS = 30_000;
const APP = "flightpulse-test-insights";
const BOOKINGS = "booking-events";
const INSIGHTS = "demand-insights";

/** A window's identity downstream (the MERGE key): type, window, and the key inside it. */
const identity = (r: InsightRow) =>
  [r["type"], r["windowStart"], r["windowEnd"], r["airport"], r["direction"], r["rank"], r["channel"]].join(
    "|",
  );

describe("flightpulse flink: deploys, refusals and rollbacks on the local endpoint and real Flink", function () {
  this.timeout(600_000);
  let dir: string;
  let emulator: RunningService;
  let kinesis: KinesisClient;
  let server: KinesisAnalyticsServer;
  let ka: KinesisAnalyticsV2Client;
  let control: FlinkControl;
  const progress: string[] = [];
  const sent: string[] = [];
  let v1: NewBuild;
  let compatible: NewBuild;
  let incompatible: NewBuild;
  let broken: NewBuild;
  // Traffic: 28 minutes at 3 events/s, sent in three phases around the changes.
  const startMs = Math.floor((Date.now() - 40 * MINUTE) / MINUTE) * MINUTE;
  const sim = new TrafficSimulator({
    seed: 23,
    startTime: startMs,
    ratePerSecond: 3,
    badRecordShare: 0,
    scheduleDays: 1,
  });
  const minutes = (from: number, to: number) => {
    const lines: string[] = [];
    for (let m = from; m <= to; m++)
      for (const r of sim.advanceTo(startMs + m * MINUTE))
        if (r.kind === "event") lines.push(JSON.stringify(r.event));
    return lines;
  };

  async function send(lines: readonly string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += 500) {
      const batch = lines.slice(i, i + 500);
      const res = await kinesis.send(
        new PutRecordsCommand({
          StreamName: BOOKINGS,
          Records: batch.map((l) => ({ Data: Buffer.from(l), PartitionKey: "one-shard" })),
        }),
      );
      expect(res.FailedRecordCount ?? 0).to.equal(0);
    }
    sent.push(...lines);
  }

  const emitted = async (): Promise<InsightRow[]> => decodeJobOutput(await readFirstShard(kinesis, INSIGHTS));

  /** Waits until the job has emitted every window the reference closes over the events sent so far. */
  async function caughtUp(): Promise<void> {
    const newest = Math.max(
      ...sent.map((l) => Date.parse((JSON.parse(l) as { occurredAt: string }).occurredAt)),
    );
    const expected = (await referenceInsights(sent, LATENESS_MS)).rows.filter(
      (r) => (r["windowEnd"] as number) <= newest - LATENESS_MS,
    );
    const deadline = Date.now() + 90_000;
    for (;;) {
      const have = new Set((await emitted()).map(identity));
      const missing = expected.filter((r) => !have.has(identity(r)));
      if (missing.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`${missing.length} windows not emitted, e.g. ${identity(missing[0] as InsightRow)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  const jobPid = () => server.application(APP)?.runningJob?.pid;
  const describe = () => control.describe();

  before(async () => {
    await buildFlinkArtifact();
    dir = mkdtempSync(path.join(tmpdir(), "flightpulse-flink-control-"));
    emulator = await startKinesisLocal();
    kinesis = new KinesisClient(
      clientOptions(
        { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoints: { kinesis: emulator.endpoint } },
        "kinesis",
      ),
    );
    await ensureStream(kinesis, BOOKINGS, 1);
    await ensureStream(kinesis, INSIGHTS, 1);
    const codeDir = path.join(dir, "code");
    server = await startKinesisAnalyticsServer({
      codeDir,
      stateDir: path.join(dir, "apps"),
      settleMs: 3_000,
    });
    ka = localKinesisAnalyticsClient(server.endpoint);
    control = new FlinkControl({
      client: ka,
      application: APP,
      pollMs: 250,
      progress: (l) => progress.push(l),
    });
    const local = await localBuild(FLINK_JAR);
    v1 = { ...local, code: putLocalCode(codeDir, FLINK_JAR, local.jarSha256) };
    const head = local.gitCommit;
    // Three plans, three JVMs: at once.
    [compatible, incompatible, broken] = await Promise.all([
      buildOf(
        variantJar(dir, "compatible", "02_valid_events.sql", (s) =>
          s.replace(
            "`channel` IN ('web', 'mobile', 'api')",
            "`channel` IN ('web', 'mobile', 'api', 'agent')",
          ),
        ),
        codeDir,
        head,
      ),
      buildOf(
        variantJar(dir, "ten-minute-channels", "05_channel_conversion.sql", (s) =>
          s.replace("INTERVAL '5' MINUTES))", "INTERVAL '10' MINUTES))"),
        ),
        codeDir,
        head,
      ),
      buildOf(
        variantJar(dir, "missing-stream", "01_booking_events.sql", (s) =>
          s.replace(/'stream' = '\$\{booking\.stream\}'/, "'stream' = 'no-such-stream'"),
        ),
        codeDir,
        head,
      ),
    ]);
    await ka.send(
      new CreateApplicationCommand(
        localApplicationRequest(APP, v1.code, v1, {
          region: LOCAL_REGION,
          sourceStream: BOOKINGS,
          sinkStream: INSIGHTS,
          initialPosition: "TRIM_HORIZON",
          allowedLatenessSeconds: String(LATENESS_MS / 1000),
          endpoint: emulator.endpoint,
        }),
      ),
    );
    await control.start({ skip: true });
  });

  after(async () => {
    ka?.destroy();
    kinesis?.destroy();
    await server?.stop();
    await emulator?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("v1 runs and `status` says it is what this checkout builds", async () => {
    await send(minutes(1, 8));
    await caughtUp();
    const cwd = path.join(dir, "cwd");
    mkdirSync(path.join(cwd, ".flightpulse"), { recursive: true });
    writeFileSync(
      path.join(cwd, ".flightpulse", "local.json"),
      JSON.stringify({ endpoints: { kinesisAnalytics: server.endpoint }, flink: { application: APP } }),
    );
    const status = recordingIo(["status"], cwd);
    const code = await flink(status);
    const out = status.lines;
    expect(out.join("\n")).to.match(/status\s+RUNNING, version 1, runtime FLINK-1_19/);
    expect(out.join("\n")).to.match(/git\s+in sync/);
    expect(code).to.equal(0);
  });

  it("deploys a compatible change with its window state, and `status` reports the drift from git", async () => {
    const before = jobPid();
    const report = await control.deploy(compatible).catch((e: Error) => {
      throw new Error(`${e.message}\n${progress.join("\n")}`);
    });
    expect(report).to.include({ fromVersion: 1, toVersion: 2, stateKept: true });
    expect(report.comparison.compatible).to.equal(true);
    const app = await describe();
    expect(app).to.include({ status: "RUNNING", versionId: 2 });
    expect(app.code.fileKey).to.equal(compatible.code.fileKey);
    expect(jobPid()).to.not.equal(before);
    const status = recordingIo(["status"], path.join(dir, "cwd"));
    const code = await flink(status);
    const out = status.lines;
    expect(out.join("\n")).to.match(
      /git\s+DRIFT: running build [0-9a-f]{12}, this checkout builds [0-9a-f]{12}/,
    );
    expect(code).to.equal(3);
    await send(minutes(9, 14));
    await caughtUp();
  });

  it("refuses an update that names a stale version (a concurrent change), changing nothing", async () => {
    const pid = jobPid();
    const stale = ka.send(
      new UpdateApplicationCommand({
        ApplicationName: APP,
        CurrentApplicationVersionId: 1,
        ApplicationConfigurationUpdate: {
          ApplicationCodeConfigurationUpdate: {
            CodeContentUpdate: { S3ContentLocationUpdate: { FileKeyUpdate: v1.code.fileKey } },
          },
        },
      }),
    );
    const error = await stale.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConcurrentModificationException);
    expect((error as Error).message).to.match(/Current application version is 2/);
    expect(await describe()).to.include({ status: "RUNNING", versionId: 2 });
    expect(jobPid()).to.equal(pid);
  });

  it("refuses a change that cannot restore the state before stopping anything, naming the operator and the way out", async () => {
    const pid = jobPid();
    const error = await control.deploy(incompatible).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(FlinkControlError);
    expect((error as FlinkControlError).code).to.equal("INCOMPATIBLE_STATE");
    expect((error as Error).message).to.match(/GlobalWindowAggregate.*changed its definition/);
    expect((error as Error).message).to.match(/--allow-state-reset .* stream position \d{4}-\d\d-\d\dT/);
    expect(await describe()).to.include({ status: "RUNNING", versionId: 2 });
    expect(jobPid()).to.equal(pid);
  });

  it("rolls back a version that fails to start: the previous version runs again from its snapshot", async () => {
    const error = await control.deploy(broken).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, progress.join("\n")).to.be.instanceOf(FlinkControlError);
    expect((error as FlinkControlError).code).to.equal("ROLLED_BACK");
    expect((error as Error).message).to.match(/Rolled back: version 4 \(the code of version 2\) is RUNNING/);
    const app = await describe();
    expect(app).to.include({ status: "RUNNING", versionId: 4, rolledBackFrom: 3, rolledBackTo: 2 });
    expect(app.code.fileKey).to.equal(compatible.code.fileKey);
    await send(minutes(15, 18));
    await caughtUp();
  });

  it("`rollback` returns to the version before, restored from the latest snapshot", async () => {
    const result = await control.rollback();
    expect(result).to.include({ fromVersion: 4, toVersion: 5, rolledBackTo: 1 });
    const app = await describe();
    expect(app).to.include({ status: "RUNNING", versionId: 5 });
    expect(app.code.fileKey).to.equal(v1.code.fileKey);
    const snapshots = await control.snapshots();
    const used = server.application(APP)?.runningJob;
    expect(used, "a job runs").to.not.equal(undefined);
    expect(
      snapshots[0]?.ApplicationVersionId,
      "the newest snapshot is the one the rollback's stop took",
    ).to.equal(4);
    expect(result.snapshot, "restored from it").to.equal(snapshots[0]?.SnapshotName);
    await send(minutes(19, 22));
    await caughtUp();
  });

  it("deploys the incompatible change with --allow-state-reset: re-reads, re-emits identical windows, loses none", async () => {
    const newest = Math.max(
      ...sent.map((l) => Date.parse((JSON.parse(l) as { occurredAt: string }).occurredAt)),
    );
    // The traffic's own clock: a job caught up with producers that stamp events as they send them.
    const reset = new FlinkControl({
      client: ka,
      application: APP,
      pollMs: 250,
      clock: { now: () => newest + 10_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      progress: (l) => progress.push(l),
    });
    const report = await reset.deploy(incompatible, { allowStateReset: true });
    expect(report.stateKept).to.equal(false);
    const resumedFrom = Date.parse(report.resumedFrom as string);
    expect(resumedFrom).to.equal(
      Math.floor((newest + 10_000 - 15 * MINUTE - LATENESS_MS - MINUTE) / MINUTE) * MINUTE,
    );
    expect(await describe()).to.include({ status: "RUNNING", versionId: 6 });
    await send(minutes(23, 28));
    // One last search far ahead closes every window.
    const closing = startMs + 60 * MINUTE;
    await send([
      JSON.stringify({
        eventId: `closing-${createRandom(5).int(0, 1e9)}`,
        type: "search.performed",
        version: 1,
        occurredAt: new Date(closing).toISOString(),
        origin: "LHR",
        destination: "JFK",
        departureDate: new Date(startMs + 40 * 24 * 60 * MINUTE).toISOString().slice(0, 10),
        passengers: 1,
        cabin: "economy",
        channel: "web",
      }),
    ]);
    // Channel windows are 10 minutes in the new version: the reference's 5-minute ones exist only as far as
    // the old version closed them before the reset.
    const isChannel = (r: InsightRow) => r["type"] === "insight.channel-conversion";
    const tenMinutes = (r: InsightRow) =>
      isChannel(r) && (r["windowEnd"] as number) - (r["windowStart"] as number) === 10 * MINUTE;
    const reference = (await referenceInsights(sent, LATENESS_MS)).rows.filter(
      (r) =>
        (r["windowEnd"] as number) <= closing - LATENESS_MS &&
        !(isChannel(r) && (r["windowEnd"] as number) > newest - LATENESS_MS),
    );
    const deadline = Date.now() + 90_000;
    let rows: InsightRow[] = [];
    for (;;) {
      rows = await emitted();
      const have = new Set(rows.map(identity));
      // Both: the re-emitted windows can all be there before the new version's first 10-minute one.
      const complete = reference.every((r) => have.has(identity(r))) && rows.some(tenMinutes);
      if (complete || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const byKey = new Map<string, InsightRow[]>();
    for (const r of rows) byKey.set(identity(r), [...(byKey.get(identity(r)) ?? []), r]);
    const repeated = [...byKey.values()].filter((v) => v.length > 1);
    expect(repeated.length, "the reset re-emits the windows from its position on").to.be.greaterThan(0);
    for (const copies of repeated)
      expect(copies.slice(1), "a re-emitted window equals the first").to.deep.equal(
        copies.slice(1).map(() => copies[0]),
      );
    const merged = [...byKey.values()].map((v) => v[0] as InsightRow).filter((r) => !tenMinutes(r));
    const sort = (a: readonly InsightRow[]) => [...a].sort((x, y) => identity(x).localeCompare(identity(y)));
    expect(sort(merged)).to.deep.equal(sort(reference));
    const tenMinute = rows.filter(tenMinutes);
    expect(tenMinute.length, "the new version's 10-minute channel windows").to.be.greaterThan(0);
    for (const r of tenMinute) expect(r["windowStart"] as number).to.be.at.least(resumedFrom);
  });

  it("left the job logs and snapshots on disk and nothing running after stop", async () => {
    const app = await control.stop();
    expect(app.status).to.equal("READY");
    expect(jobPid()).to.equal(undefined);
    const names = execFileSync("ls", [path.join(dir, "apps", APP, "snapshots")], { encoding: "utf8" });
    expect(names.split("\n").filter((n) => n.length > 0).length).to.be.greaterThan(3);
  });
});
