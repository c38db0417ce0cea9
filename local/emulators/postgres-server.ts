// A throwaway PostgreSQL server from Debian's packages (postgresql), for running the warehouse on a real
// server instead of pglite: a fresh cluster in a temp folder, trust auth, 127.0.0.1 only. PostgreSQL
// refuses to run as root, so as root it runs as the `postgres` user.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RunningService, startChildService } from "./child-service";
import { choosePort, LOOPBACK } from "./ports";

/** The newest installed PostgreSQL's bin folder, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], "bin");
}

export async function startPostgresServer(
  options: { port?: number } = {},
): Promise<RunningService & { url: string }> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error("PostgreSQL server binaries not found: apt-get install postgresql");
  const port = await choosePort(options.port, "--postgres-port");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-postgres-"));
  const asRoot = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) =>
    (asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (asRoot) execFileSync("chown", ["postgres:postgres", dir]);
  const data = path.join(dir, "data");
  const [initCmd, initArgs] = as(path.join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "--no-sync",
    "-E",
    "UTF8",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "ignore" });
  const url = `postgres://postgres@${LOOPBACK}:${port}/postgres`;
  const [cmd, args] = as(path.join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    `listen_addresses=${LOOPBACK}`,
    "-c",
    "fsync=off",
  ]);
  const service = await startChildService({
    name: "postgres",
    endpoint: url,
    command: cmd,
    args,
    ready: async () => {
      const pg = await import("pg");
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        return true;
      } finally {
        await c.end().catch(() => {});
      }
    },
  });
  return {
    ...service,
    url,
    stop: async () => {
      await service.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
