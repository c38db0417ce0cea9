// `npm run lock:platforms`, after any dependency change: npm 11 leaves out of package-lock.json the
// optional platform packages of other systems (biome's and duckdb's binaries for macOS, Windows, musl...)
// and then its own `npm ci` refuses the lockfile ("Missing: ... from lock file"). This adds the complete
// entries from the registry's metadata; npm skips them at install time on systems they do not fit.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

interface LockEntry {
  version?: string;
  integrity?: string;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
  [k: string]: unknown;
}

const LOCK = path.join(__dirname, "..", "package-lock.json");

/**
 * The registry this project's machines reach does not carry every platform's binary. Those packages can
 * never be installed here, so their entry only has to tell npm which platform they are for; it is read
 * off the package's name (`...-darwin-arm64`, `...-linux-x64-musl`).
 */
function platformFromName(name: string): { os: string[]; cpu: string[]; libc?: string[] } {
  const m =
    /-(android|darwin|linux|win32|freebsd|openbsd|sunos|aix)-(x64|arm64|arm|ia32|ppc64|s390x|riscv64)(?:-(musl|gnu|msvc))?$/.exec(
      name,
    );
  if (m === null)
    throw new Error(`${name}: not in the registry and no platform in its name; add its lock entry by hand`);
  const libc = m[3] === "musl" ? ["musl"] : m[3] === "gnu" ? ["glibc"] : undefined;
  return { os: [m[1] as string], cpu: [m[2] as string], ...(libc !== undefined ? { libc } : {}) };
}

function registryEntry(name: string, version: string, dev: boolean): LockEntry {
  let raw: string;
  try {
    raw = execFileSync("npm", ["view", "--json", `${name}@${version}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return { version, ...(dev ? { dev: true } : {}), optional: true, ...platformFromName(name) };
  }
  const meta = JSON.parse(raw) as {
    version: string;
    license?: string;
    os?: string[];
    cpu?: string[];
    libc?: string[];
    engines?: Record<string, string>;
    dist: { integrity: string };
  };
  return {
    version: meta.version,
    integrity: meta.dist.integrity,
    ...(meta.cpu !== undefined ? { cpu: meta.cpu } : {}),
    ...(dev ? { dev: true } : {}),
    ...(meta.engines !== undefined ? { engines: meta.engines } : {}),
    ...(meta.libc !== undefined ? { libc: meta.libc } : {}),
    ...(meta.license !== undefined ? { license: meta.license } : {}),
    optional: true,
    ...(meta.os !== undefined ? { os: meta.os } : {}),
  };
}

const lock = JSON.parse(fs.readFileSync(LOCK, "utf8")) as { packages: Record<string, LockEntry> };
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const hoisted = `node_modules/${dep}`;
    const nested = `${key}/node_modules/${dep}`;
    if (lock.packages[hoisted] !== undefined || lock.packages[nested] !== undefined) continue;
    const version = range.replace(/^[\^~=]/, "");
    lock.packages[hoisted] = registryEntry(dep, version, entry.dev === true);
    added++;
    console.log(`added ${dep}@${version}`);
  }
}
const sorted = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
);
fs.writeFileSync(LOCK, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
console.log(
  added === 0
    ? "package-lock.json already lists every platform package"
    : `added ${added} platform package(s)`,
);
