import { expect } from "chai";
import { decodeRecord, sampleEvents } from "../../../analytics/events";
import { type IngestEndpoint, startIngestEndpoint } from "../../../ingest/http-endpoint";
import type { KinesisPutPort, PutRecordEntry } from "../../../ingest/kinesis-put-port";
import { KinesisProducer } from "../../../ingest/producer";
import { ingestRefusals } from "../../fixtures/ingest-refusals";

describe("local ingest endpoint (HTTP, fake stream)", () => {
  let written: PutRecordEntry[];
  let endpoint: IngestEndpoint;
  let down = false;

  before(async () => {
    const port: KinesisPutPort = {
      async putRecords(_s, records) {
        if (down) throw Object.assign(new Error("no such stream"), { name: "ResourceNotFoundException" });
        written.push(...records);
        return records.map((_, i) => ({ sequenceNumber: String(i), shardId: "shardId-000000000000" }));
      },
    };
    const producer = new KinesisProducer({ port, streamName: "s", sleep: async () => {} });
    endpoint = await startIngestEndpoint({ producer });
  });
  beforeEach(() => {
    written = [];
    down = false;
  });
  after(() => endpoint.close());

  const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${endpoint.url}/events`, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("binds loopback", () => {
    expect(new URL(endpoint.url).hostname).to.equal("127.0.0.1");
  });

  it("accepts one event and a batch, writing them with the route as partition key", async () => {
    const one = await post(sampleEvents.bookingCreated());
    expect(one.status).to.equal(200);
    expect(await one.json()).to.deep.equal({ accepted: 1 });
    const batch = [
      sampleEvents.searchPerformed(),
      sampleEvents.flightScheduled({ origin: "SFO", destination: "SEA" }),
    ];
    const res = await post({ events: batch });
    expect(await res.json()).to.deep.equal({ accepted: 2 });
    expect(written.map((w) => w.partitionKey)).to.deep.equal(["LHR-JFK", "LHR-JFK", "SFO-SEA"]);
    const last = decodeRecord(written[2]!.data);
    expect(last.ok && last.event).to.deep.equal(batch[1]);
  });

  it("refuses a batch with one bad event, names index and field, and writes nothing", async () => {
    const res = await post({
      events: [sampleEvents.bookingCreated(), sampleEvents.bookingCreated({ seats: 0 })],
    });
    expect(res.status).to.equal(400);
    const body = (await res.json()) as {
      message: string;
      errors: { index: number; path: string; reason: string }[];
    };
    expect(body.message).to.include("nothing was written");
    expect(body.errors).to.have.length(1);
    expect(body.errors[0]).to.include({ index: 1, path: "/events/1/seats" });
    expect(body.errors[0]!.reason).to.match(/^\/events\/1\/seats: must be a whole number from 1 to 9/);
    expect(written).to.deep.equal([]);
  });

  const refusals = ingestRefusals(post, () => endpoint.url);
  for (const [name, send, status, message] of refusals) {
    it(`refuses ${name} with ${status}`, async () => {
      const res = await send();
      expect(res.status).to.equal(status);
      expect(((await res.json()) as { message: string }).message).to.include(message);
      expect(written).to.deep.equal([]);
    });
  }

  it("answers 503 naming the cause when the stream cannot be written", async () => {
    down = true;
    const res = await post(sampleEvents.bookingCreated());
    expect(res.status).to.equal(503);
    expect(((await res.json()) as { message: string }).message).to.include("ResourceNotFoundException");
  });
});
