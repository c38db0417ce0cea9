// Turns the raw environment into the worker's validated, fully-resolved configuration: names derived from
// the stack where not overridden, cross-setting rules checked, endpoints mapped onto the AWS client config.
import * as os from "node:os";
import { resourceNames } from "../../analytics/resource-names";
import { type AwsConfig, LOCAL_CREDENTIALS } from "../aws/clients";
import { ConfigError } from "./errors";
import { loadSettings } from "./settings";
import { WORKER_SETTINGS, type WorkerSettings } from "./worker-settings";

export interface WorkerConfig {
  readonly settings: WorkerSettings;
  readonly workerId: string;
  readonly aws: AwsConfig;
  readonly names: {
    readonly bookingStream: string;
    readonly leaseTable: string;
    readonly insightsStream: string;
    readonly insightsLeaseTable: string;
    readonly manifestTable: string;
    readonly alertStateTable: string;
    readonly rejectedTable: string;
    readonly baselineTable: string;
    readonly shardStateTable: string;
  };
}

export function loadWorkerConfig(env: Readonly<Record<string, string | undefined>>): WorkerConfig {
  const s = loadSettings(WORKER_SETTINGS, env);
  const problems: string[] = [];
  if (s.initialPosition === "AT_TIMESTAMP" && s.initialTimestamp === undefined) {
    problems.push("FLIGHTPULSE_INITIAL_TIMESTAMP is required when FLIGHTPULSE_INITIAL_POSITION=AT_TIMESTAMP");
  }
  const endpoints = {
    ...(s.kinesisEndpoint !== undefined ? { kinesis: s.kinesisEndpoint } : {}),
    ...(s.dynamodbEndpoint !== undefined ? { dynamodb: s.dynamodbEndpoint } : {}),
    ...(s.snsEndpoint !== undefined ? { sns: s.snsEndpoint } : {}),
    ...(s.redshiftDataEndpoint !== undefined ? { redshiftData: s.redshiftDataEndpoint } : {}),
  };
  const local = Object.keys(endpoints).length > 0;
  if (local && s.stack !== "local") {
    // Endpoint overrides against a cloud stack's names would write emulator data under production names.
    problems.push(
      `endpoint overrides (FLIGHTPULSE_*_ENDPOINT) are only for FLIGHTPULSE_STACK=local, not "${s.stack}"`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const derived = resourceNames(s.stack);
  return {
    settings: s,
    workerId: s.workerId ?? `${os.hostname()}-${process.pid}`,
    aws: local
      ? { region: s.region, endpoints, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 }
      : { region: s.region },
    names: {
      bookingStream: s.bookingStream ?? derived.bookingStream,
      leaseTable: s.leaseTable ?? derived.leaseTable,
      insightsStream: s.insightsStream ?? derived.insightsStream,
      insightsLeaseTable: s.insightsLeaseTable ?? derived.insightsLeaseTable,
      manifestTable: s.manifestTable ?? derived.manifestTable,
      alertStateTable: s.alertStateTable ?? derived.alertStateTable,
      rejectedTable: s.rejectedTable ?? derived.rejectedTable,
      baselineTable: s.baselineTable ?? derived.baselineTable,
      shardStateTable: s.shardStateTable ?? derived.shardStateTable,
    },
  };
}
