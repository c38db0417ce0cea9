import { expect } from "chai";
import { decodeRecord, sampleEvents } from "../../../analytics/events";
import { PutRecordsFailedError, RecordTooLargeError, StreamUnavailableError } from "../../../ingest/errors";
import type { KinesisPutPort, PutRecordEntry, PutRecordOutcome } from "../../../ingest/kinesis-put-port";
import { KinesisProducer, MAX_RECORDS_PER_REQUEST, splitIntoRequests } from "../../../ingest/producer";

/** A fake stream: records the requests, and fails records the test chooses. */
function fakeStream(
  failFor: (entry: PutRecordEntry, attemptOfEntry: number) => string | undefined = () => undefined,
) {
  const requests: PutRecordEntry[][] = [];
  const written: PutRecordEntry[] = [];
  const attempts = new Map<PutRecordEntry, number>();
  const port: KinesisPutPort = {
    async putRecords(_stream, records) {
      requests.push([...records]);
      return records.map((r): PutRecordOutcome => {
        const n = (attempts.get(r) ?? 0) + 1;
        attempts.set(r, n);
        const code = failFor(r, n);
        if (code !== undefined) return { errorCode: code, errorMessage: "injected" };
        written.push(r);
        return { sequenceNumber: String(written.length), shardId: `shardId-${r.partitionKey}` };
      });
    },
  };
  return { port, requests, written };
}

const entry = (key: string, bytes = 10): PutRecordEntry => ({
  data: new Uint8Array(bytes),
  partitionKey: key,
});
const noSleep = { sleep: async () => {}, random: () => 0.5 };

describe("Kinesis producer", () => {
  describe("splitIntoRequests", () => {
    it("cuts at 500 records", () => {
      const sizes = splitIntoRequests(Array.from({ length: 1201 }, () => entry("A"))).map((r) => r.length);
      expect(sizes).to.deep.equal([MAX_RECORDS_PER_REQUEST, MAX_RECORDS_PER_REQUEST, 201]);
    });
    it("cuts at 5 MiB, partition keys included", () => {
      const big = Array.from({ length: 6 }, () => entry("LHR-JFK", 1024 * 1024 - 7));
      expect(splitIntoRequests(big).map((r) => r.length)).to.deep.equal([5, 1]);
      const overByKey = Array.from({ length: 5 }, () => entry("LHR-JFKX", 1024 * 1024 - 8));
      expect(splitIntoRequests(overByKey).map((r) => r.length)).to.deep.equal([5]);
    });
    it("refuses a record over 1 MiB with its index", () => {
      expect(() => splitIntoRequests([entry("A"), entry("B", 1024 * 1024)])).to.throw(
        RecordTooLargeError,
        "record 1",
      );
    });
  });

  it("writes events as contract JSON with the route as partition key", async () => {
    const s = fakeStream();
    const events = [
      sampleEvents.bookingCreated(),
      sampleEvents.searchPerformed({ origin: "CDG", destination: "FCO" }),
    ];
    const stats = await new KinesisProducer({ port: s.port, streamName: "x", ...noSleep }).putEvents(events);
    expect(stats.sent).to.equal(2);
    expect(s.written.map((w) => w.partitionKey)).to.deep.equal(["LHR-JFK", "CDG-FCO"]);
    const decoded = decodeRecord(s.written[0]!.data);
    expect(decoded.ok && decoded.event.eventId).to.equal(events[0]!.eventId);
  });

  it("retries only the failed records, with growing backoff", async () => {
    const failing = new Set(["B", "D"]);
    const s = fakeStream((e, n) =>
      failing.has(e.partitionKey) && n <= 2 ? "ProvisionedThroughputExceededException" : undefined,
    );
    const sleeps: number[] = [];
    const producer = new KinesisProducer({
      port: s.port,
      streamName: "x",
      baseDelayMs: 100,
      random: () => 0.999,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const stats = await producer.putRecords(["A", "B", "C", "D"].map((k) => entry(k)));
    expect(s.requests.map((r) => r.map((e) => e.partitionKey).join(""))).to.deep.equal(["ABCD", "BD", "BD"]);
    expect(stats).to.include({ sent: 4, requests: 3, retried: 4 });
    expect(sleeps).to.deep.equal([99, 199]);
  });

  it("gives up after maxAttempts and says how many records failed", async () => {
    const s = fakeStream((e) => (e.partitionKey === "B" ? "InternalFailure" : undefined));
    const producer = new KinesisProducer({ port: s.port, streamName: "x", maxAttempts: 3, ...noSleep });
    const err = await producer.putRecords([entry("A"), entry("B")]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(PutRecordsFailedError);
    expect((err as PutRecordsFailedError).failed).to.equal(1);
    expect((err as Error).message).to.include("InternalFailure");
    expect(s.requests).to.have.length(3);
  });

  it("retries a throttled request and stops at once on a missing stream", async () => {
    let calls = 0;
    const throttled: KinesisPutPort = {
      async putRecords(_s, records) {
        calls++;
        if (calls === 1)
          throw Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" });
        return records.map(() => ({ sequenceNumber: "1", shardId: "s" }));
      },
    };
    expect(
      (await new KinesisProducer({ port: throttled, streamName: "x", ...noSleep }).putRecords([entry("A")]))
        .sent,
    ).to.equal(1);
    const missing: KinesisPutPort = {
      async putRecords() {
        throw Object.assign(new Error("Stream x not found"), { name: "ResourceNotFoundException" });
      },
    };
    const err = await new KinesisProducer({ port: missing, streamName: "x", ...noSleep })
      .putRecords([entry("A")])
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StreamUnavailableError);
    expect((err as Error).message).to.include("ResourceNotFoundException");
  });

  it("keeps each partition key's order with several lanes", async () => {
    const s = fakeStream();
    const keys = Array.from({ length: 2000 }, (_, i) => `R${i % 7}`);
    const entries = keys.map((k, i) => ({ data: Buffer.from(String(i)), partitionKey: k }));
    await new KinesisProducer({ port: s.port, streamName: "x", concurrency: 4, ...noSleep }).putRecords(
      entries,
    );
    expect(s.written).to.have.length(2000);
    for (let k = 0; k < 7; k++) {
      const seen = s.written
        .filter((w) => w.partitionKey === `R${k}`)
        .map((w) => Number(Buffer.from(w.data).toString()));
      expect(seen).to.deep.equal([...seen].sort((a, b) => a - b));
    }
  });
});
