// The worker process's stop while it is still starting: ECS may stop a task before its start has finished
// (a deploy right after a scale-out). The worker must hand over and exit as after its start, not sit on
// the signal until the task's stop timeout kills it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import { isAlive, type RunningService } from "../../../local/emulators/child-service";
import { type LocalStack, startLocalStack } from "../../../local/stack/local-stack";
import { startLocalWorkers } from "../../../local/stack/local-workers";
import { type FaultProxy, startFaultProxy } from "../../fixtures/fault-proxy";
import { eventually } from "../../fixtures/pipeline-expectations";

describe("worker process: SIGTERM during start-up", function () {
  this.timeout(120_000);
  let stack: LocalStack;
  let dir: string;
  let kinesis: FaultProxy;
  let worker: RunningService | undefined;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-worker-start-"));
    stack = await startLocalStack({ root: dir, kinesis: "kinesalite", bookingShards: 2 });
    kinesis = await startFaultProxy(stack.state.endpoints.kinesis as string);
  });
  after(async () => {
    await worker?.stop();
    await kinesis?.close();
    await stack?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("holds the signal until the start has finished, then hands over and exits", async () => {
    // Prepare: Kinesis answers nothing for now, so the worker's start (its first shard sync) cannot finish;
    // its health endpoint is up, which is when a test harness or ECS sees it running.
    kinesis.hold();
    [worker] = await startLocalWorkers(stack, {
      count: 1,
      cwd: dir,
      env: { FLIGHTPULSE_KINESIS_ENDPOINT: kinesis.url },
    });
    const w = worker as RunningService;
    const logFile = path.join(dir, ".flightpulse", `${w.name}.log`);
    const logged = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");

    // Act
    process.kill(w.pid, "SIGTERM");
    await new Promise((r) => setTimeout(r, 1_000));
    const stillStarting = { alive: isAlive(w.pid), started: logged().includes('"msg":"worker started"') };
    kinesis.release();

    // Assess: signalled before its start was done (or this test proves nothing), it finished the start,
    // handed its leases back and exited by itself.
    expect(stillStarting, "signalled while starting").to.deep.equal({ alive: true, started: false });
    await eventually(`${w.name} to exit after SIGTERM`, 30_000, async () =>
      isAlive(w.pid) ? undefined : true,
    );
    expect(logged()).to.match(/"msg":"released \d+ lease\(s\)"/);
    expect(kinesis.counts.forwarded, "requests that waited for the release").to.be.greaterThan(0);
  });
});
