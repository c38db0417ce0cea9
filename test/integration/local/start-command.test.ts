import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { ListTopicsCommand } from "@aws-sdk/client-sns";
import { expect } from "chai";
import { createAwsClients, localAwsConfig } from "../../../consumers/aws/clients";
import { SdkDataApi } from "../../../consumers/warehouse/data-api";
import { readMigrations } from "../../../consumers/warehouse/migrations";
import { BIN, startCli, waitGone } from "../../fixtures/start-cli";

describe("flightpulse start (the process behind npm start)", function () {
  this.timeout(60_000);

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`answers on every endpoint within 15 s, and ${signal} leaves no process behind`, async () => {
      // Without the Flink JVM (its own test stops it with Ctrl-C): this one times the emulators and workers.
      const s = await startCli(["--no-simulator", "--no-flink"]);
      try {
        expect(s.startupMs, "start-up time").to.be.below(15_000);
        const aws = createAwsClients(localAwsConfig(s.state.endpoints));
        try {
          const streams = await aws.kinesis.send(new ListStreamsCommand({}));
          expect(streams.StreamNames).to.include(s.state.resources.bookingStream);
          const tables = await aws.dynamodb.send(new ListTablesCommand({}));
          expect(tables.TableNames).to.include(s.state.resources.leaseTable);
          const topics = await aws.sns.send(new ListTopicsCommand({}));
          expect(topics.Topics?.map((t) => t.TopicArn)).to.include(s.state.topics.demand);
          const warehouse = new SdkDataApi(aws.redshiftData, {
            database: "dev",
            workgroupName: "flightpulse-local",
          });
          const applied = await warehouse.query("SELECT count(*) AS n FROM schema_migrations");
          expect(applied).to.deep.equal([{ n: readMigrations().length }]);
        } finally {
          aws.destroy();
        }
        expect((await fetch(s.state.dashboard as string)).status).to.equal(200);
        for (const url of Object.values(s.state.endpoints))
          expect(new URL(url as string).hostname).to.equal("127.0.0.1");
        const pids = Object.values(s.state.pids);
        expect(pids.length).to.be.at.least(5);
        s.child.kill(signal);
        expect(await s.exited, s.output()).to.equal(0);
        expect(await waitGone(pids, 10_000), "processes still alive").to.deep.equal([]);
        expect(fs.existsSync(path.join(s.dir, ".flightpulse", "local.json")), "local.json removed").to.equal(
          false,
        );
      } finally {
        s.child.kill("SIGKILL");
        fs.rmSync(s.dir, { recursive: true, force: true });
      }
    });
  }

  it("leaves no emulator, worker or Flink JVM behind even when it is killed with SIGKILL", async function () {
    // Flink's first start on a machine builds its jar (about a minute with an empty Maven cache).
    this.timeout(150_000);
    const s = await startCli(["--no-simulator"], {}, 120_000);
    try {
      expect(s.state.pids, "the Flink JVM is among the children").to.have.property("flink");
      const children = Object.entries(s.state.pids)
        .filter(([name]) => name !== "flightpulse")
        .map(([, pid]) => pid);
      s.child.kill("SIGKILL");
      await s.exited;
      expect(await waitGone(children, 10_000), "orphans").to.deep.equal([]);
    } finally {
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
  });

  it("refuses an unknown warehouse database before starting anything, naming the flag", async () => {
    const { code, err, startedAnything } = await startUntilExit(["--warehouse", "mysql"]);
    expect(code).to.equal(2);
    expect(err).to.include('--warehouse "mysql" must be postgres or pglite');
    expect(startedAnything, "nothing started").to.equal(false);
  });

  it("fails at start-up naming a port that is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, err } = await startUntilExit(["--dynamodb-port", String(port)]);
      expect(code).to.equal(1);
      expect(err).to.include(`port ${port} (--dynamodb-port) is already in use`);
    } finally {
      blocker.close();
    }
  });
});

/** `flightpulse start` with these flags in a fresh folder, until it exits on its own: its code and stderr. */
async function startUntilExit(
  args: string[],
): Promise<{ code: number | null; err: string; startedAnything: boolean }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-start-"));
  const child = spawn(process.execPath, [BIN, "start", ...args], { cwd: dir });
  try {
    let err = "";
    child.stderr.on("data", (c) => {
      err += c;
    });
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    return { code, err, startedAnything: fs.existsSync(path.join(dir, ".flightpulse")) };
  } finally {
    child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
