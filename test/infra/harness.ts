// Runs the Pulumi program under mocks for one stack, with that stack's own Pulumi.<stack>.yaml, and
// captures every resource's type, name and inputs. No CLI, no provider plugin, no AWS.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";

export const ROOT = path.join(__dirname, "..", "..");
const PROGRAM = path.join(ROOT, "pulumi", "index.ts");
export const ACCOUNT = "123456789012";

export interface Captured {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  readonly inputs: Record<string, unknown>;
}

export interface StackRun {
  readonly resources: Captured[];
  readonly outputs: Record<string, unknown>;
  of(type: string): Captured[];
}

/**
 * A stand-in for the built Flink jar, so the stacks build under mocks without Maven: the program reads and
 * hashes the file, and the tests check the upload is keyed by exactly these bytes.
 */
export const FIXTURE_FLINK_JAR = path.join(os.tmpdir(), "flightpulse-infra-test-insights.jar");
export const FIXTURE_FLINK_JAR_BYTES = Buffer.from("PK\u0003\u0004 flightpulse infra-test stand-in jar");

export function stackConfig(stack: string): Record<string, string> {
  const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
  const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  fs.writeFileSync(FIXTURE_FLINK_JAR, FIXTURE_FLINK_JAR_BYTES);
  return {
    "flightpulse:flinkJar": FIXTURE_FLINK_JAR,
    ...Object.fromEntries(
      Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ),
  };
}

function computed(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const physical = (inputs["name"] as string | undefined) ?? name;
  const arn = `arn:aws:${type.split(":")[1]?.split("/")[0]}:eu-west-1:${ACCOUNT}:${physical}`;
  const extra: Record<string, unknown> = { arn };
  if (type === "aws:apigateway/restApi:RestApi") extra["rootResourceId"] = `${name}-root`;
  if (type === "aws:apigateway/stage:Stage")
    extra["invokeUrl"] = `https://${name}.execute-api.eu-west-1.amazonaws.com/v1`;
  if (type === "aws:ecr/repository:Repository")
    extra["repositoryUrl"] = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/${physical}`;
  if (type === "aws:s3/bucket:Bucket") {
    extra["bucket"] = `${inputs["bucketPrefix"] ?? name}abc123`;
    extra["arn"] = `arn:aws:s3:::${extra["bucket"]}`;
  }
  if (type === "aws:redshiftserverless/workgroup:Workgroup")
    extra["endpoints"] = [{ address: `${physical}.redshift-serverless.amazonaws.com`, port: 5439 }];
  if (type === "aws:kms/key:Key") extra["keyId"] = `${name}-key-id`;
  if (type === "aws:cloudwatch/logGroup:LogGroup")
    extra["arn"] = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${physical}:*`;
  return { ...inputs, name: physical, ...extra };
}

export async function runStack(stack: string): Promise<StackRun> {
  const resources: Captured[] = [];
  pulumi.runtime.setAllConfig(stackConfig(stack));
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const id = `${args.name}-id`;
        resources.push({
          type: args.type,
          name: args.name,
          id,
          inputs: args.inputs as Record<string, unknown>,
        });
        return { id, state: computed(args.type, args.name, args.inputs as Record<string, unknown>) };
      },
      call: (args) => {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return {
            accountId: ACCOUNT,
            arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
            userId: "AIDA",
            id: ACCOUNT,
          };
        }
        if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") {
          return {
            names: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
            zoneIds: ["euw1-az1", "euw1-az2", "euw1-az3"],
            id: "eu-west-1",
          };
        }
        return args.inputs;
      },
    },
    "flightpulse",
    stack,
    false,
  );
  for (const key of Object.keys(require.cache)) {
    if (key.startsWith(path.join(ROOT, "pulumi") + path.sep)) delete require.cache[key];
  }
  const program = require(PROGRAM) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(program)) {
    outputs[k] = pulumi.Output.isInstance(v)
      ? await new Promise((r) => (v as pulumi.Output<unknown>).apply(r))
      : v;
  }
  // Let the last registrations (children created inside applies) settle.
  let seen = -1;
  while (seen !== resources.length) {
    seen = resources.length;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { resources, outputs, of: (type) => resources.filter((r) => r.type === type) };
}

let memo: Promise<Map<string, StackRun>> | undefined;

/** dev, staging and prod, run once per test process and shared by the infra suites. */
export function allStackRuns(): Promise<Map<string, StackRun>> {
  memo ??= (async () => {
    const runs = new Map<string, StackRun>();
    for (const stack of ["dev", "staging", "prod"]) runs.set(stack, await runStack(stack));
    return runs;
  })();
  return memo;
}
