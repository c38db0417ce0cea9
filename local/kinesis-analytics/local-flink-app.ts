// The Flink SQL app of `npm start`, set up the way production has it: a local Kinesis Analytics V2
// endpoint holds the application, the jar sits in its code folder (the local S3), and the application is
// created and started through the real SDK, so `flightpulse flink status|deploy|…` work on it as on AWS.
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import {
  CreateApplicationCommand,
  type CreateApplicationCommandInput,
} from "@aws-sdk/client-kinesis-analytics-v2";
import { buildFlinkArtifact, FLINK_JAR, FlinkBuildError, flinkCodeKey } from "../../analytics/flink/artifact";
import {
  FlinkControl,
  JOB_PROPERTIES,
  type NewBuild,
  RELEASE_PROPERTIES,
} from "../../analytics/flink/control";
import { stateSignature } from "../../analytics/flink/job-plan";
import { localBuild } from "../../analytics/flink/release";
import { LOCAL_REGION } from "../../consumers/aws/clients";
import { NO_FLINK_HINT } from "../flink/local-flink";
import {
  type KinesisAnalyticsServer,
  localKinesisAnalyticsClient,
  startKinesisAnalyticsServer,
} from "./server";

/** The local S3 bucket the code folder stands for. */
export const LOCAL_CODE_BUCKET = "flightpulse-local-flink-code";
export const LOCAL_FLINK_APPLICATION = "flightpulse-local-insights";

/** Puts a jar where the local endpoint reads s3://<bucket>/<content-addressed key>: `pulumi up`'s upload. */
export function putLocalCode(
  codeDir: string,
  jar: string,
  jarSha256: string,
): { bucketArn: string; fileKey: string } {
  const fileKey = flinkCodeKey(jarSha256);
  const target = path.join(codeDir, LOCAL_CODE_BUCKET, fileKey);
  if (!existsSync(target)) {
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(jar, target);
  }
  return { bucketArn: `arn:aws:s3:::${LOCAL_CODE_BUCKET}`, fileKey };
}

/** CreateApplication as the stack declares it (pulumi/components/flink-app.ts), for the local endpoint. */
export function localApplicationRequest(
  name: string,
  code: { bucketArn: string; fileKey: string },
  build: Omit<NewBuild, "code">,
  jobProperties: Record<string, string>,
): CreateApplicationCommandInput {
  return {
    ApplicationName: name,
    RuntimeEnvironment: "FLINK-1_19",
    ServiceExecutionRole: "arn:aws:iam::000000000000:role/flightpulse-local-flink",
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: {
        CodeContentType: "ZIPFILE",
        CodeContent: { S3ContentLocation: { BucketARN: code.bucketArn, FileKey: code.fileKey } },
      },
      ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
      ApplicationSystemRollbackConfiguration: { RollbackEnabled: true },
      EnvironmentProperties: {
        PropertyGroups: [
          { PropertyGroupId: JOB_PROPERTIES, PropertyMap: jobProperties },
          {
            PropertyGroupId: RELEASE_PROPERTIES,
            PropertyMap: {
              buildDigest: build.buildDigest,
              jarSha256: build.jarSha256,
              stateSignature: stateSignature(build.plan),
              ...(build.gitCommit !== undefined ? { gitCommit: build.gitCommit } : {}),
            },
          },
        ],
      },
    },
  };
}

export interface LocalFlinkAppOptions {
  /** The .flightpulse folder: code under flink-code/, snapshots and logs under flink-apps/. */
  readonly dir: string;
  readonly kinesisEndpoint: string;
  readonly bookingStream: string;
  readonly insightsStream: string;
  readonly allowedLatenessSeconds: number;
  readonly port?: number | undefined;
  readonly log?: (line: string) => void;
}

export interface LocalFlinkApp {
  readonly server: KinesisAnalyticsServer;
  readonly application: string;
  readonly codeDir: string;
  /** The running job's state as Flink reports it, "READY" when the application is stopped. */
  jobState(): Promise<string>;
  stop(): Promise<void>;
}

export async function startLocalFlinkApp(options: LocalFlinkAppOptions): Promise<LocalFlinkApp> {
  const log = options.log ?? (() => {});
  try {
    await buildFlinkArtifact({ onProgress: log });
  } catch (e) {
    if (e instanceof FlinkBuildError) throw new FlinkBuildError(`${e.message}\n(${NO_FLINK_HINT})`);
    throw e;
  }
  const codeDir = path.join(options.dir, "flink-code");
  const stateDir = path.join(options.dir, "flink-apps");
  // The endpoint keeps its applications in memory: a previous run's jars (66 MB each) and savepoints
  // belong to applications that no longer exist.
  rmSync(codeDir, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
  const server = await startKinesisAnalyticsServer({
    codeDir,
    stateDir,
    port: options.port,
    log,
  });
  const client = localKinesisAnalyticsClient(server.endpoint);
  try {
    const build = await localBuild(FLINK_JAR);
    const code = putLocalCode(codeDir, FLINK_JAR, build.jarSha256);
    await client.send(
      new CreateApplicationCommand(
        localApplicationRequest(LOCAL_FLINK_APPLICATION, code, build, {
          region: LOCAL_REGION,
          sourceStream: options.bookingStream,
          sinkStream: options.insightsStream,
          initialPosition: "TRIM_HORIZON",
          allowedLatenessSeconds: String(options.allowedLatenessSeconds),
          endpoint: options.kinesisEndpoint,
        }),
      ),
    );
    await new FlinkControl({ client, application: LOCAL_FLINK_APPLICATION, pollMs: 250 }).start({
      skip: true,
    });
  } catch (e) {
    client.destroy();
    await server.stop();
    throw e;
  }
  client.destroy();
  return {
    server,
    application: LOCAL_FLINK_APPLICATION,
    codeDir,
    jobState: async () => {
      const app = server.application(LOCAL_FLINK_APPLICATION);
      const job = app?.runningJob;
      return job === undefined ? (app?.status ?? "READY") : job.jobState();
    },
    stop: () => server.stop(),
  };
}
