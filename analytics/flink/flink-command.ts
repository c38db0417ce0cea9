// `flightpulse flink status|deploy|snapshot|snapshots|rollback|stop|start`: the Managed Flink app's control
// plane from the command line, against AWS (--app, --region and the default credential chain) or the local
// stack of `npm start` (its Kinesis Analytics V2 endpoint, found in .flightpulse/local.json).
import { KinesisAnalyticsV2Client } from "@aws-sdk/client-kinesis-analytics-v2";
import { type CommandIo, parseFlags, UsageError } from "../../ingest/commands/command-io";
import { putLocalCode } from "../../local/kinesis-analytics/local-flink-app";
import { localKinesisAnalyticsClient } from "../../local/kinesis-analytics/server";
import { readLocalStackFile } from "../../local/stack/local-stack";
import { buildFlinkArtifact, FLINK_JAR, flinkCodeKey } from "./artifact";
import { FlinkControl, FlinkControlError } from "./control";
import { driftFrom, localBuild } from "./release";

export const FLINK_HELP = `Usage: flightpulse flink <command> [options]

The Managed Flink SQL app's control plane (Kinesis Analytics V2 API), on AWS or on the local stack.

Commands:
  status                what runs (state, version, runtime, last snapshot) and whether it is what git holds
  deploy                roll out this checkout's build: snapshot first, state checked, rollback on failure
  snapshot [NAME]       take a snapshot of the running app
  snapshots             list snapshots, newest first
  rollback              back to the previous version, restored from the latest snapshot
  stop                  stop with a snapshot (--force: without)
  start                 start from the latest snapshot (--snapshot NAME, or --no-restore)

Options:
  --app NAME            the application (AWS: flightpulse-<stack>-insights); local: the npm start app
  --region REGION       AWS region; with --app, talks to AWS (credentials from the default chain)
  --local               the local stack of \`npm start\` (the default when no --app is given)
  --allow-state-reset   deploy: a change that cannot keep the state starts from an earlier stream position
  --set NAME=VALUE      deploy: change a job setting (repeatable), e.g. --set allowedLatenessSeconds=60
  --force               stop: without a snapshot
  --snapshot NAME       start: restore from this snapshot
  --no-restore          start: without state

On AWS the jar must be in the code bucket first: \`pulumi up\` uploads every build (docs/flink.md).`;

const FLAGS = {
  app: { type: "string" },
  region: { type: "string" },
  local: { type: "boolean" },
  "allow-state-reset": { type: "boolean" },
  set: { type: "string", multiple: true },
  force: { type: "boolean" },
  snapshot: { type: "string" },
  "no-restore": { type: "boolean" },
  help: { type: "boolean" },
} as const;

interface Target {
  readonly client: KinesisAnalyticsV2Client;
  readonly application: string;
  /** Locally the CLI puts the jar in the endpoint's code folder; on AWS `pulumi up` did. */
  readonly codeDir?: string | undefined;
  /** The local endpoint, when the target is the local stack. */
  readonly localEndpoint?: string | undefined;
}

function target(values: { app?: string; region?: string; local?: boolean }, io: CommandIo): Target {
  if (values.app !== undefined && values.local !== true) {
    const region = values.region ?? io.env?.["AWS_REGION"] ?? io.env?.["AWS_DEFAULT_REGION"];
    if (region === undefined) throw new UsageError("--region (or AWS_REGION) is required with --app");
    return { client: new KinesisAnalyticsV2Client({ region }), application: values.app };
  }
  const state = readLocalStackFile(io.cwd);
  const endpoint = state?.endpoints.kinesisAnalytics;
  const flink = state?.["flink"] as { application?: string; codeDir?: string } | undefined;
  if (endpoint === undefined || flink?.application === undefined)
    throw new FlinkControlError(
      "NO_LOCAL_STACK",
      "no local Flink app: start the local stack with `npm start` (without --no-flink), or name an AWS app with --app and --region",
    );
  return {
    client: localKinesisAnalyticsClient(endpoint),
    application: values.app ?? flink.application,
    codeDir: flink.codeDir,
    localEndpoint: endpoint,
  };
}

function settingsFrom(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(pair);
    if (m === null) throw new UsageError(`--set "${pair}" must be NAME=VALUE`);
    settings[m[1] as string] = m[2] as string;
  }
  return settings;
}

const when = (d: Date | undefined) => (d === undefined ? "–" : d.toISOString());

export async function flink(io: CommandIo): Promise<number> {
  const [sub, ...rest] = io.argv;
  if (sub === undefined || sub === "--help" || sub === "help") {
    io.out(FLINK_HELP);
    return 0;
  }
  const { values, positionals } = parseFlags(rest, FLAGS, true);
  if (values.help === true) {
    io.out(FLINK_HELP);
    return 0;
  }
  const t = target(values, io);
  const control = new FlinkControl({ client: t.client, application: t.application, progress: io.err });
  try {
    switch (sub) {
      case "status": {
        const app = await control.describe();
        const latest = (await control.snapshots())[0];
        const drift = driftFrom(app.release);
        io.out(`application  ${t.application}`);
        io.out(`status       ${app.status}, version ${app.versionId}, runtime ${app.runtime}`);
        io.out(`code         ${app.code.fileKey}`);
        io.out(
          `release      build ${app.release.buildDigest?.slice(0, 12) ?? "unknown"}, commit ${app.release.gitCommit?.slice(0, 12) ?? "unknown"}`,
        );
        io.out(
          `snapshot     ${latest === undefined ? "none" : `${latest.SnapshotName} (${latest.SnapshotStatus}, version ${latest.ApplicationVersionId}, ${when(latest.SnapshotCreationTimestamp)})`}`,
        );
        if (app.rolledBackFrom !== undefined)
          io.out(
            `rolled back  from version ${app.rolledBackFrom} to the code of version ${app.rolledBackTo}`,
          );
        io.out(
          drift.inSync
            ? "git          in sync: the running build is this checkout's"
            : `git          DRIFT: running build ${drift.runningDigest?.slice(0, 12) ?? "unknown"}, this checkout builds ${drift.localDigest.slice(0, 12)}${drift.changedFiles.length > 0 ? `; changed: ${drift.changedFiles.join(", ")}` : ""} (\`flightpulse flink deploy\`)`,
        );
        return drift.inSync ? 0 : 3;
      }
      case "deploy": {
        const settings = settingsFrom(values.set);
        await buildFlinkArtifact({ onProgress: io.err });
        const build = await localBuild(FLINK_JAR);
        const app = await control.describe();
        const code =
          t.codeDir !== undefined
            ? putLocalCode(t.codeDir, FLINK_JAR, build.jarSha256)
            : { bucketArn: app.code.bucketArn, fileKey: flinkCodeKey(build.jarSha256) };
        const report = await control.deploy(
          { ...build, code },
          {
            allowStateReset: values["allow-state-reset"] === true,
            ...(settings !== undefined ? { settings } : {}),
          },
        );
        io.out(
          report.unchanged === true
            ? `deploy: version ${report.toVersion} already runs this build`
            : report.stateKept
              ? `deploy: version ${report.fromVersion} → ${report.toVersion} RUNNING, state kept (rollback point: snapshot ${report.snapshot ?? "none"})`
              : `deploy: version ${report.fromVersion} → ${report.toVersion} RUNNING, state reset: re-read from ${report.resumedFrom} (old state in snapshot ${report.snapshot ?? "none"})`,
        );
        return 0;
      }
      case "snapshot":
        io.out(`snapshot ${await control.snapshot(positionals[0])} READY`);
        return 0;
      case "snapshots":
        for (const s of await control.snapshots())
          io.out(
            `${s.SnapshotName}  ${s.SnapshotStatus}  version ${s.ApplicationVersionId}  ${when(s.SnapshotCreationTimestamp)}`,
          );
        return 0;
      case "rollback": {
        const r = await control.rollback();
        io.out(
          `rollback: version ${r.fromVersion} → ${r.toVersion} (the code of version ${r.rolledBackTo ?? "?"}) RUNNING, restored from snapshot ${r.snapshot ?? "none"}`,
        );
        return 0;
      }
      case "stop": {
        const app = await control.stop(values.force === true);
        io.out(`stop: ${t.application} ${app.status}`);
        return 0;
      }
      case "start": {
        const app = await control.start({
          ...(values.snapshot !== undefined ? { snapshot: values.snapshot } : {}),
          skip: values["no-restore"] === true,
        });
        io.out(`start: ${t.application} ${app.status}, version ${app.versionId}`);
        return 0;
      }
      default:
        throw new UsageError(`unknown flink command "${sub}"`);
    }
  } catch (e) {
    if (e instanceof FlinkControlError) {
      io.err(`flightpulse flink ${sub}: ${e.message}`);
      return 1;
    }
    if (t.localEndpoint !== undefined && (e as { code?: string }).code === "ECONNREFUSED") {
      io.err(
        `flightpulse flink ${sub}: the local stack is not running (nothing answers at ${t.localEndpoint}, from .flightpulse/local.json): start it with \`npm start\``,
      );
      return 1;
    }
    throw e;
  } finally {
    t.client.destroy();
  }
}
