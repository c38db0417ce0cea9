// The batch path: loads a file of events (JSON lines, gzip accepted) through the producer at full speed,
// for backfills and very large batch updates. Lines are forwarded as they are, bad ones included: the
// consumers reject those with a reason, exactly as they would from the live stream, so nothing is lost.
import * as fs from "node:fs";
import * as readline from "node:readline";
import { createGunzip } from "node:zlib";
import type { PutRecordEntry } from "./kinesis-put-port";
import type { KinesisProducer } from "./producer";

export interface ReplayProgress {
  readonly lines: number;
  readonly sent: number;
  readonly bytesRead: number;
  readonly totalBytes: number;
  readonly elapsedMs: number;
}

export interface ReplaySummary extends ReplayProgress {
  /** Lines that were blank (skipped). */
  readonly blank: number;
  /** Lines whose partition key could not be read (sent with a fallback key; consumers will reject them). */
  readonly unroutable: number;
  readonly eventsPerSecond: number;
}

export interface ReplayOptions {
  readonly producer: KinesisProducer;
  /** Records per producer call (default 2000: four PutRecords requests in flight across lanes). */
  readonly chunk?: number;
  readonly onProgress?: (p: ReplayProgress) => void;
  readonly now?: () => number;
}

const ROUTE = /"origin"\s*:\s*"([^"]*)"[\s\S]*?"destination"\s*:\s*"([^"]*)"/;

/** The route of a raw line without a full parse; the consumers do the real validation. */
export function partitionKeyOfLine(line: string): string | undefined {
  const m = ROUTE.exec(line);
  return m === null ? undefined : `${m[1]}-${m[2]}`;
}

export async function replayFile(path: string, options: ReplayOptions): Promise<ReplaySummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const totalBytes = fs.statSync(path).size;
  const file = fs.createReadStream(path);
  const gz = path.endsWith(".gz");
  const input = gz ? file.pipe(createGunzip()) : file;
  const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const chunkSize = options.chunk ?? 2000;
  let batch: PutRecordEntry[] = [];
  let count = 0;
  let blank = 0;
  let unroutable = 0;
  const progress = (): ReplayProgress => ({
    lines: count,
    sent: options.producer.totals.sent,
    bytesRead: file.bytesRead,
    totalBytes,
    elapsedMs: now() - started,
  });
  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    await options.producer.putRecords(sending);
    options.onProgress?.(progress());
  };
  for await (const line of lines) {
    if (line.trim() === "") {
      blank++;
      continue;
    }
    count++;
    let key = partitionKeyOfLine(line);
    if (key === undefined) {
      unroutable++;
      key = "unroutable";
    }
    batch.push({ data: Buffer.from(line, "utf8"), partitionKey: key });
    if (batch.length >= chunkSize) await flush();
  }
  await flush();
  const final = progress();
  return {
    ...final,
    blank,
    unroutable,
    eventsPerSecond: final.elapsedMs > 0 ? (final.sent / final.elapsedMs) * 1000 : final.sent,
  };
}

/** A one-line progress bar for terminals: `[#####.....] 52% 51,200 events 8,900/s`. */
export function progressBar(p: ReplayProgress, width = 30): string {
  const ratio = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 1;
  const filled = Math.round(ratio * width);
  const rate = p.elapsedMs > 0 ? Math.round((p.sent / p.elapsedMs) * 1000) : 0;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.round(ratio * 100)
    .toString()
    .padStart(3)}% ${p.sent.toLocaleString("en-US")} events ${rate.toLocaleString("en-US")}/s`;
}
