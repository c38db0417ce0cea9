// `flightpulse replay FILE`: the batch path for backfills and very large batch updates.
import * as fs from "node:fs";
import { progressBar, type ReplayProgress, replayFile } from "../replay";
import { type CommandIo, parseFlags, parseNumber, UsageError } from "./command-io";
import { producerFor, STREAM_FLAG_OPTIONS, STREAM_FLAGS_HELP } from "./target-stream";

export const REPLAY_HELP = `Usage: flightpulse replay FILE [options]

Loads a file of events (JSON lines; .gz accepted) into the booking stream at full speed, with a progress
bar and a summary. Lines go as they are: invalid ones are rejected by the consumers with a reason.

  --concurrency N          parallel PutRecords lanes (default 4; a route always uses one lane)
${STREAM_FLAGS_HELP}`;

const OPTIONS = {
  concurrency: { type: "string" },
  help: { type: "boolean" },
  ...STREAM_FLAG_OPTIONS,
} as const;

export async function replay(io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(io.argv, OPTIONS, true);
  if (values.help === true) {
    io.out(REPLAY_HELP);
    return 0;
  }
  const file = positionals[0];
  if (file === undefined || positionals.length > 1) throw new UsageError("replay takes exactly one FILE");
  if (!fs.existsSync(file)) throw new UsageError(`FILE ${file} does not exist`);
  const concurrency =
    values.concurrency === undefined ? 4 : parseNumber("--concurrency", values.concurrency, 1, 64);
  const { producer, client, target } = producerFor(values, io, { concurrency });
  io.out(`replaying ${file} into ${target}`);
  let lastTenth = -1;
  const onProgress = (p: ReplayProgress) => {
    if (io.tty) {
      io.err(`\r${progressBar(p)}`);
      return;
    }
    const tenth = Math.floor((p.bytesRead / Math.max(1, p.totalBytes)) * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      io.err(progressBar(p));
    }
  };
  try {
    const s = await replayFile(file, { producer, onProgress });
    if (io.tty) io.err("\n");
    io.out(
      `replayed ${s.sent.toLocaleString("en-US")} of ${s.lines.toLocaleString("en-US")} lines in ${(s.elapsedMs / 1000).toFixed(1)} s ` +
        `(${Math.round(s.eventsPerSecond).toLocaleString("en-US")} events/s; ${s.blank} blank, ${s.unroutable} without a route)`,
    );
    return 0;
  } finally {
    client.destroy();
  }
}
