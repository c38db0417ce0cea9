// The stack's configuration, typed and validated once: every problem is reported together, each naming
// its `flightpulse:` key, before a single resource is declared.
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { FLINK_JAR } from "../analytics/flink/artifact";

export interface AlertSubscription {
  /** e-mail address or E.164 phone number. */
  readonly endpoint: string;
  readonly protocol: "email" | "sms";
  /** Only alerts whose origin airport is listed (one revenue team per origin airport). */
  readonly origins?: readonly string[];
  /** Only these alert types (demand_surge, load_factor, oversold). */
  readonly alertTypes?: readonly string[];
}

export interface StackConfig {
  readonly stack: string;
  readonly streamMode: "PROVISIONED" | "ON_DEMAND";
  readonly shardCount: number;
  readonly retentionHours: number;
  readonly workerCount: number;
  readonly workerMaxCount: number;
  readonly workerCpu: number;
  readonly workerMemory: number;
  readonly workerImageTag: string;
  readonly azCount: number;
  readonly vpcCidr: string;
  readonly logRetentionDays: number;
  readonly archiveExpirationDays: number;
  readonly apiAuth: "IAM" | "API_KEY";
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  readonly redshiftBaseCapacity: number;
  /** The built runner jar (analytics/flink/artifact.ts) the stack uploads. */
  readonly flinkJar: string;
  readonly flinkParallelism: number;
  readonly flinkAutoScaling: boolean;
  readonly quicksightEnabled: boolean;
  readonly quicksightPrincipalArn?: string;
  readonly alertSubscriptions: readonly AlertSubscription[];
  readonly oncallEmails: readonly string[];
  readonly alarmActionsEnabled: boolean;
  readonly iteratorAgeAlarmMs: number;
}

export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "StackConfigError";
  }
}

/** Config keys and their defaults; docs/deploy.md documents the same table. */
export const CONFIG_DEFAULTS = {
  streamMode: "PROVISIONED",
  shardCount: 1,
  retentionHours: 24,
  workerCount: 1,
  workerMaxCount: 4,
  workerCpu: 512,
  workerMemory: 1024,
  workerImageTag: "latest",
  azCount: 2,
  vpcCidr: "10.40.0.0/16",
  logRetentionDays: 30,
  archiveExpirationDays: 365,
  apiAuth: "IAM",
  apiRateLimit: 500,
  apiBurstLimit: 1000,
  redshiftBaseCapacity: 8,
  flinkParallelism: 1,
  flinkAutoScaling: false,
  quicksightEnabled: false,
  alarmActionsEnabled: true,
  iteratorAgeAlarmMs: 60_000,
} as const;

const E164 = /^\+[1-9][0-9]{6,14}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function loadStackConfig(
  config = new pulumi.Config("flightpulse"),
  stack = pulumi.getStack(),
): StackConfig {
  const problems: string[] = [];
  const key = (k: string) => `flightpulse:${k}`;
  const int = (k: keyof typeof CONFIG_DEFAULTS, min: number, max: number): number => {
    const raw = config.get(k);
    const value = raw === undefined ? (CONFIG_DEFAULTS[k] as number) : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key(k)} must be a whole number from ${min} to ${max} (got ${raw})`);
      return CONFIG_DEFAULTS[k] as number;
    }
    return value;
  };
  const bool = (k: keyof typeof CONFIG_DEFAULTS): boolean => {
    const raw = config.get(k);
    if (raw === undefined) return CONFIG_DEFAULTS[k] as boolean;
    if (raw !== "true" && raw !== "false") problems.push(`${key(k)} must be true or false (got ${raw})`);
    return raw === "true";
  };
  const oneOf = <T extends string>(k: keyof typeof CONFIG_DEFAULTS, values: readonly T[]): T => {
    const raw = config.get(k) ?? (CONFIG_DEFAULTS[k] as string);
    if (!(values as readonly string[]).includes(raw))
      problems.push(`${key(k)} must be one of ${values.join(", ")} (got ${raw})`);
    return raw as T;
  };
  const json = <T>(k: string, fallback: T): T => {
    const raw = config.get(k);
    if (raw === undefined) return fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      problems.push(`${key(k)} must be JSON`);
      return fallback;
    }
  };

  const streamMode = oneOf("streamMode", ["PROVISIONED", "ON_DEMAND"] as const);
  const workerCount = int("workerCount", 1, 50);
  const workerMaxCount = int("workerMaxCount", 1, 100);
  if (workerMaxCount < workerCount)
    problems.push(`${key("workerMaxCount")} must be at least flightpulse:workerCount`);
  const workerCpu = int("workerCpu", 256, 16384);
  if (![256, 512, 1024, 2048, 4096, 8192, 16384].includes(workerCpu))
    problems.push(`${key("workerCpu")} must be a Fargate CPU size (256, 512, 1024 ...)`);
  const vpcCidr = config.get("vpcCidr") ?? CONFIG_DEFAULTS.vpcCidr;
  if (!/^10\.[0-9]{1,3}\.0\.0\/16$/.test(vpcCidr))
    problems.push(`${key("vpcCidr")} must be a 10.x.0.0/16 block (got ${vpcCidr})`);
  const redshiftBaseCapacity = int("redshiftBaseCapacity", 8, 512);
  if (redshiftBaseCapacity % 8 !== 0)
    problems.push(`${key("redshiftBaseCapacity")} must be a multiple of 8 RPUs`);
  const flinkJar = path.resolve(config.get("flinkJar") ?? FLINK_JAR);
  if (!existsSync(flinkJar))
    problems.push(
      `${key("flinkJar")}: the Flink application's jar ${flinkJar} does not exist; build it with \`npm run build:flink\` before \`pulumi up\``,
    );
  const quicksightEnabled = bool("quicksightEnabled");
  const quicksightPrincipalArn = config.get("quicksightPrincipalArn");
  if (quicksightEnabled && quicksightPrincipalArn === undefined) {
    problems.push(
      `${key("quicksightPrincipalArn")} is required when flightpulse:quicksightEnabled is true (the QuickSight user or group granted the datasets)`,
    );
  }
  const alertSubscriptions = json<AlertSubscription[]>("alertSubscriptions", []);
  alertSubscriptions.forEach((s, i) => {
    const where = `${key("alertSubscriptions")}[${i}]`;
    if (s.protocol !== "email" && s.protocol !== "sms")
      problems.push(`${where}.protocol must be email or sms`);
    else if (s.protocol === "email" && !EMAIL.test(s.endpoint))
      problems.push(`${where}.endpoint must be an e-mail address`);
    else if (s.protocol === "sms" && !E164.test(s.endpoint))
      problems.push(`${where}.endpoint must be an E.164 phone number (+447700900123)`);
    for (const o of s.origins ?? [])
      if (!/^[A-Z]{3}$/.test(o)) problems.push(`${where}.origins: ${o} is not an IATA airport code`);
  });
  const oncallEmails = json<string[]>("oncallEmails", []);
  oncallEmails.forEach((e, i) => {
    if (!EMAIL.test(e)) problems.push(`${key("oncallEmails")}[${i}] must be an e-mail address`);
  });
  const cfg: StackConfig = {
    stack,
    streamMode,
    shardCount: int("shardCount", 1, 500),
    retentionHours: int("retentionHours", 24, 8760),
    workerCount,
    workerMaxCount,
    workerCpu,
    workerMemory: int("workerMemory", 512, 122880),
    workerImageTag: config.get("workerImageTag") ?? CONFIG_DEFAULTS.workerImageTag,
    azCount: int("azCount", 2, 6),
    vpcCidr,
    logRetentionDays: int("logRetentionDays", 1, 3653),
    archiveExpirationDays: int("archiveExpirationDays", 30, 3650),
    apiAuth: oneOf("apiAuth", ["IAM", "API_KEY"] as const),
    apiRateLimit: int("apiRateLimit", 1, 10_000),
    apiBurstLimit: int("apiBurstLimit", 1, 5_000),
    redshiftBaseCapacity,
    flinkJar,
    flinkParallelism: int("flinkParallelism", 1, 64),
    flinkAutoScaling: bool("flinkAutoScaling"),
    quicksightEnabled,
    ...(quicksightPrincipalArn !== undefined ? { quicksightPrincipalArn } : {}),
    alertSubscriptions,
    oncallEmails,
    alarmActionsEnabled: bool("alarmActionsEnabled"),
    iteratorAgeAlarmMs: int("iteratorAgeAlarmMs", 1000, 86_400_000),
  };
  if (problems.length > 0) throw new StackConfigError(problems);
  return cfg;
}
