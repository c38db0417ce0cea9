// Checks what a fleet of workers processed (their record logs) against what was put on the stream:
// nothing missing, nothing unknown, each resume at the checkpoint it found, nothing before that checkpoint
// processed again, and every duplicate explained by a worker that lost its lease (or died) before it
// checkpointed that record, which is the KCL's at-least-once contract.
import type { LogLine } from "./worker-process";

export interface PutRecord {
  readonly shard: string;
  readonly sequenceNumber: string;
}

export interface DeliveryAudit {
  readonly processed: number;
  readonly missing: string[];
  readonly unexpected: string[];
  /** Processed more than once, each explained by an uncheckpointed tail of a worker that lost the shard. */
  readonly explainedDuplicates: string[];
  readonly unexplainedDuplicates: string[];
  /** A worker processed a record at or before the checkpoint it started from. */
  readonly rereadBeforeCheckpoint: string[];
  /** A worker started a shard behind the last checkpoint written, or at a position nobody processed. */
  readonly badResumes: string[];
}

const key = (shard: string, seq: string, sub = 0) => `${shard}/${seq}/${sub}`;
const isSeq = (p: string) => /^\d+$/.test(p);

export function auditDelivery(put: readonly PutRecord[], lines: readonly LogLine[]): DeliveryAudit {
  const expected = new Set(put.map((r) => key(r.shard, r.sequenceNumber)));
  const records = lines.filter((l) => l.kind === "R");
  const seen = new Map<string, LogLine[]>();
  for (const r of records) {
    const k = key(r.shard, r.position, r.subSequenceNumber);
    seen.set(k, [...(seen.get(k) ?? []), r]);
  }
  const missing = [...expected].filter((k) => !seen.has(k));
  const unexpected = [...seen.keys()].filter((k) => !expected.has(k));

  // A worker's run on a shard: from its initialize to its next one. Records above the highest checkpoint
  // of their own run were never committed by it (its later runs do not count: it lost the shard between).
  const starts = lines.filter((l) => l.kind === "I");
  const checkpoints = lines.filter((l) => l.kind === "C");
  const committedInRun = (r: LogLine): bigint => {
    const mine = (l: LogLine) => l.worker === r.worker && l.shard === r.shard;
    const begin = starts.filter((i) => mine(i) && i.at <= r.at).at(-1)?.at ?? 0;
    const end = starts.find((i) => mine(i) && i.at > r.at)?.at ?? Number.POSITIVE_INFINITY;
    return checkpoints
      .filter((c) => mine(c) && c.at >= begin && c.at < end)
      .reduce((m, c) => (BigInt(c.position) > m ? BigInt(c.position) : m), -1n);
  };
  const explainedDuplicates: string[] = [];
  const unexplainedDuplicates: string[] = [];
  for (const [k, times] of seen) {
    if (times.length < 2) continue;
    const explained = times.slice(0, -1).every((r) => committedInRun(r) < BigInt(r.position));
    (explained ? explainedDuplicates : unexplainedDuplicates).push(k);
  }

  const rereadBeforeCheckpoint: string[] = [];
  const badResumes: string[] = [];
  for (const start of lines.filter((l) => l.kind === "I")) {
    const before = lines.filter((l) => l.shard === start.shard && l.at <= start.at && l !== start);
    const lastCheckpoint = before
      .filter((l) => l.kind === "C")
      .reduce<bigint | undefined>(
        (m, c) => (m === undefined || BigInt(c.position) > m ? BigInt(c.position) : m),
        undefined,
      );
    const where = `${start.worker} on ${start.shard} from ${start.position}`;
    if (isSeq(start.position)) {
      const p = BigInt(start.position);
      if (lastCheckpoint !== undefined && p < lastCheckpoint)
        badResumes.push(`${where}: behind the checkpoint ${lastCheckpoint} already written`);
      if (!records.some((r) => r.shard === start.shard && r.position === start.position && r.at <= start.at))
        badResumes.push(`${where}: a position no worker had processed`);
      const next = lines.find(
        (l) => l.kind === "I" && l.worker === start.worker && l.shard === start.shard && l.at > start.at,
      );
      for (const r of records) {
        if (r.worker !== start.worker || r.shard !== start.shard || r.at < start.at) continue;
        if (next !== undefined && r.at >= next.at) continue;
        if (BigInt(r.position) <= p) rereadBeforeCheckpoint.push(`${where}: ${r.position}`);
      }
    } else if (start.position === "TRIM_HORIZON") {
      if (lastCheckpoint !== undefined)
        badResumes.push(`${where}: the shard already had the checkpoint ${lastCheckpoint}`);
    } else if (start.position !== "SHARD_END") {
      badResumes.push(`${where}: an unexpected starting position`);
    }
  }
  return {
    processed: seen.size,
    missing,
    unexpected,
    explainedDuplicates,
    unexplainedDuplicates,
    rereadBeforeCheckpoint,
    badResumes,
  };
}
