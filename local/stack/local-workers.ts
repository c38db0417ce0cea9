// Worker processes (`flightpulse worker`) against the local stack, each behind the watchdog (so none
// outlives its parent), with its JSON log in .flightpulse/worker-N.log; ready once /health answers.
import * as path from "node:path";
import { WORKER_NODE_FLAGS } from "../../consumers/node-flags";
import { type RunningService, startChildService } from "../emulators/child-service";
import { freePort } from "../emulators/ports";
import { LOCAL_WAREHOUSE, type LocalStack } from "./local-stack";

const BIN = path.join(__dirname, "..", "..", "bin", "flightpulse.js");

export interface LocalWorkerOptions {
  readonly count: number;
  /** Folder holding .flightpulse/ (logs). */
  readonly cwd: string;
  /** Extra worker settings (e.g. FLIGHTPULSE_SURGE_FLOOR_SEATS), over the local defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /** First worker number (default 1): names are worker-N. */
  readonly firstIndex?: number;
  /** Node.js flags after the workers' own, e.g. `--cpu-prof` to profile them (NODE_OPTIONS refuses it). */
  readonly nodeFlags?: readonly string[];
}

export async function startLocalWorkers(stack: LocalStack, o: LocalWorkerOptions): Promise<RunningService[]> {
  const started: RunningService[] = [];
  try {
    const first = o.firstIndex ?? 1;
    for (let i = first; i < first + o.count; i++) {
      const name = `worker-${i}`;
      const port = await freePort();
      const health = `http://127.0.0.1:${port}`;
      const e = stack.state.endpoints;
      started.push(
        await startChildService({
          name,
          endpoint: health,
          command: process.execPath,
          args: [...WORKER_NODE_FLAGS, ...(o.nodeFlags ?? []), BIN, "worker"],
          cwd: o.cwd,
          env: {
            FLIGHTPULSE_STACK: "local",
            AWS_REGION: "us-east-1",
            FLIGHTPULSE_WORKER_ID: name,
            FLIGHTPULSE_HEALTH_PORT: String(port),
            FLIGHTPULSE_KINESIS_ENDPOINT: e.kinesis ?? "",
            FLIGHTPULSE_DYNAMODB_ENDPOINT: e.dynamodb ?? "",
            FLIGHTPULSE_SNS_ENDPOINT: e.sns ?? "",
            FLIGHTPULSE_REDSHIFT_DATA_ENDPOINT: e.redshiftData ?? "",
            FLIGHTPULSE_REDSHIFT_WORKGROUP: LOCAL_WAREHOUSE,
            FLIGHTPULSE_DEMAND_TOPIC_ARN: stack.state.topics.demand,
            FLIGHTPULSE_OPERATIONS_TOPIC_ARN: stack.state.topics.operations,
            FLIGHTPULSE_WATCHDOG_LOG: path.join(o.cwd, ".flightpulse", `${name}.log`),
            ...o.env,
          },
          ready: async () => (await fetch(`${health}/health`, { signal: AbortSignal.timeout(500) })).ok,
          startTimeoutMs: 60_000,
        }),
      );
    }
    return started;
  } catch (e) {
    await Promise.all(started.map((w) => w.stop()));
    throw e;
  }
}
