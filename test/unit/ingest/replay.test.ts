import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { encodeEvent } from "../../../analytics/events";
import type { KinesisPutPort, PutRecordEntry } from "../../../ingest/kinesis-put-port";
import { KinesisProducer } from "../../../ingest/producer";
import { partitionKeyOfLine, progressBar, replayFile } from "../../../ingest/replay";
import { TrafficSimulator } from "../../../ingest/simulator/traffic";

describe("replay of an event file", () => {
  let dir: string;
  let lines: string[];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-replay-"));
    const sim = new TrafficSimulator({ seed: 7, startTime: Date.UTC(2026, 10, 22, 12), ratePerSecond: 100 });
    lines = sim
      .take(5000)
      .map((r) => Buffer.from(r.kind === "event" ? encodeEvent(r.event) : r.data).toString());
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const sinkProducer = () => {
    const written: PutRecordEntry[] = [];
    const port: KinesisPutPort = {
      async putRecords(_s, records) {
        written.push(...records);
        return records.map(() => ({ sequenceNumber: "1", shardId: "s0" }));
      },
    };
    return { written, producer: new KinesisProducer({ port, streamName: "s", concurrency: 4 }) };
  };

  for (const gz of [false, true]) {
    it(`sends every line${gz ? " of a gzip file" : ""}, bad ones included, and reports progress`, async () => {
      const file = path.join(dir, gz ? "events.jsonl.gz" : "events.jsonl");
      const text = `${lines.join("\n")}\n\n`;
      fs.writeFileSync(file, gz ? gzipSync(text) : text);
      const { written, producer } = sinkProducer();
      const seen: number[] = [];
      const summary = await replayFile(file, { producer, chunk: 1000, onProgress: (p) => seen.push(p.sent) });
      expect(summary).to.include({ lines: lines.length, sent: lines.length, blank: 1 });
      expect(written.map((w) => Buffer.from(w.data).toString()).sort()).to.deep.equal([...lines].sort());
      expect(seen).to.have.length(Math.ceil(lines.length / 1000));
      expect(seen[seen.length - 1]).to.equal(lines.length);
      expect(summary.bytesRead).to.equal(summary.totalBytes);
    });
  }

  it("routes lines by origin and destination without a full parse", () => {
    expect(partitionKeyOfLine('{"origin":"LHR","x":1,"destination":"JFK"}')).to.equal("LHR-JFK");
    expect(partitionKeyOfLine("{not json")).to.equal(undefined);
  });

  it("draws a progress bar", () => {
    const bar = progressBar({ lines: 10, sent: 5000, bytesRead: 50, totalBytes: 100, elapsedMs: 1000 }, 10);
    expect(bar).to.equal("[#####.....]  50% 5,000 events 5,000/s");
  });
});
