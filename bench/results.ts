// Shared benchmark plumbing: timing helpers and the writer that keeps bench/RESULTS.md, one section per
// benchmark, replaced in place so every run leaves the latest figures with the command that made them.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const RESULTS_FILE = path.join(__dirname, "RESULTS.md");

export interface Measurement {
  readonly label: string;
  readonly events: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Runs `fn` once and measures wall and process CPU time. */
export async function measure(
  label: string,
  events: number,
  fn: () => unknown | Promise<unknown>,
): Promise<Measurement> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { label, events, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

export const perSecond = (m: Measurement): number => (m.events / m.wallMs) * 1000;
export const microsPerEvent = (m: Measurement): number => (m.wallMs * 1000) / m.events;
export const cpuMicrosPerEvent = (m: Measurement): number => (m.cpuMs * 1000) / m.events;

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A markdown table row set for measurements, with the ratio of each against the first (the baseline). */
export function table(rows: readonly Measurement[]): string {
  const base = rows[0];
  const lines = [
    "| run | events | wall ms | events/s | µs/event | CPU µs/event | ratio vs baseline (events/s) |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const m of rows) {
    const ratio = base ? perSecond(m) / perSecond(base) : 1;
    lines.push(
      `| ${m.label} | ${fmt(m.events)} | ${fmt(m.wallMs, 1)} | ${fmt(perSecond(m))} | ${fmt(microsPerEvent(m), 2)} | ${fmt(cpuMicrosPerEvent(m), 2)} | ${fmt(ratio, 2)}× |`,
    );
  }
  return lines.join("\n");
}

export function machineLine(): string {
  return `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), node ${process.version}, ${new Date().toISOString()}`;
}

/**
 * Replaces (or appends) the section `## <id>` of bench/RESULTS.md. `body` should state the figures and
 * the ratio against the baseline; the command and machine are added here.
 */
export function writeSection(id: string, title: string, command: string, body: string): void {
  const header =
    "# Benchmark results\n\nWritten by `npm run bench`; each section is replaced by its benchmark's latest run.\n";
  const current = fs.existsSync(RESULTS_FILE) ? fs.readFileSync(RESULTS_FILE, "utf8") : header;
  const marker = `<!-- bench:${id} -->`;
  const section = `${marker}\n## ${title}\n\nCommand: \`${command}\`  \nMachine: ${machineLine()}\n\n${body.trim()}\n${marker}\n`;
  const start = current.indexOf(marker);
  const end = start >= 0 ? current.indexOf(marker, start + marker.length) : -1;
  const next =
    start >= 0 && end >= 0
      ? current.slice(0, start) + section + current.slice(end + marker.length + 1)
      : `${current.trimEnd()}\n\n${section}`;
  fs.writeFileSync(RESULTS_FILE, next);
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The round whose figure is the median of its series (by wall time unless told), so a table shows a real
 * run rather than a mix of rounds.
 */
export function medianRound<T>(rounds: readonly T[], figure: (round: T) => number): T {
  const m = median(rounds.map(figure));
  return rounds.reduce((a, b) => (Math.abs(figure(b) - m) < Math.abs(figure(a) - m) ? b : a));
}
export const byWallMs = (m: Measurement): number => m.wallMs;

/** Per-round ratios of `ours` to `baseline` (higher is better for ours), with their median and range. */
export function roundRatios(
  baselineMs: readonly number[],
  oursMs: readonly number[],
): { ratios: number[]; median: number; min: number; max: number } {
  const ratios = oursMs.map((m, i) => (baselineMs[i] as number) / m);
  return { ratios, median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/**
 * The one line a script can read, e.g. `analytics: median 1.12× DuckDB (min 1.03×, max 1.20×) over 5
 * rounds, 512,000 events/s`.
 */
export function summaryLine(
  name: string,
  baseline: string,
  r: { median: number; min: number; max: number },
  rounds: number,
  eventsPerSecond: number,
): string {
  return `${name}: median ${fmt(r.median, 2)}× ${baseline} (min ${fmt(r.min, 2)}×, max ${fmt(r.max, 2)}×) over ${rounds} rounds, ${fmt(eventsPerSecond)} events/s`;
}

/** A process's /proc stat fields after its name: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime. */
function statFields(pid: number | string): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** utime + stime of a process, in ms (Linux /proc; clock ticks are 10 ms). */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU ms of a process and all its descendants, living or exited and reaped (a server that forks a process
 * per connection, as PostgreSQL does). A process gone between the listing and the read counts nothing.
 */
export function processTreeCpuMs(pid: number): number {
  const parents = new Map<string, string[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = statFields(entry)[1] as string;
      parents.set(ppid, [...(parents.get(ppid) ?? []), entry]);
    } catch {
      // Exited meanwhile.
    }
  }
  let ms = 0;
  for (const queue = [String(pid)]; queue.length > 0; ) {
    const p = queue.pop() as string;
    try {
      const f = statFields(p);
      ms += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10;
    } catch {
      continue;
    }
    queue.push(...(parents.get(p) ?? []));
  }
  return ms;
}
