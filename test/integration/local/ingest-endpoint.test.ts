// The local ingest endpoint against a real stream (kinesalite): a good batch is accepted and readable from
// the stream, route as partition key; every kind of bad request is refused with a clear message and
// leaves the stream exactly as it was (nothing half-written).
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { decodeRecord, type FlightEvent, sampleEvents } from "../../../analytics/events";
import { resourceNames } from "../../../analytics/resource-names";
import { createAwsClients, localAwsConfig } from "../../../consumers/aws/clients";
import { type IngestEndpoint, startIngestEndpoint } from "../../../ingest/http-endpoint";
import { sdkKinesisPutPort } from "../../../ingest/kinesis-put-port";
import { KinesisProducer } from "../../../ingest/producer";
import type { RunningService } from "../../../local/emulators/child-service";
import { startKinesalite } from "../../../local/emulators/kinesis-emulators";
import { ensureStream } from "../../../local/stack/bootstrap";
import { ingestRefusals } from "../../fixtures/ingest-refusals";

describe("local ingest endpoint (HTTP, kinesalite)", function () {
  this.timeout(60_000);
  const stream = resourceNames("local").bookingStream;
  let kinesis: RunningService;
  let aws: ReturnType<typeof createAwsClients>;
  let endpoint: IngestEndpoint;

  before(async () => {
    kinesis = await startKinesalite();
    aws = createAwsClients(localAwsConfig({ kinesis: kinesis.endpoint }));
    await ensureStream(aws.kinesis, stream, 2);
    endpoint = await startIngestEndpoint({
      producer: new KinesisProducer({ port: sdkKinesisPutPort(aws.kinesis), streamName: stream }),
    });
  });
  after(async () => {
    await endpoint?.close();
    aws?.destroy();
    await kinesis?.stop();
  });

  /** Everything in the stream, from every shard's start, as (partition key, event). */
  async function readAll(): Promise<{ partitionKey: string; event: FlightEvent }[]> {
    const out: { partitionKey: string; event: FlightEvent }[] = [];
    const shards = (await aws.kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    for (const shard of shards) {
      let iterator = (
        await aws.kinesis.send(
          new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shard.ShardId,
            ShardIteratorType: "TRIM_HORIZON",
          }),
        )
      ).ShardIterator;
      for (;;) {
        const page = await aws.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of page.Records ?? []) {
          const d = decodeRecord(r.Data as Uint8Array);
          if (!d.ok) throw new Error(d.rejection.reason);
          out.push({ partitionKey: r.PartitionKey as string, event: d.event });
        }
        if ((page.Records ?? []).length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return out;
  }

  const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${endpoint.url}/events`, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("accepts a good batch, readable from the stream with the route as partition key", async () => {
    // Prepare
    const batch = [
      sampleEvents.bookingCreated(),
      sampleEvents.searchPerformed({ origin: "CDG", destination: "LHR" }),
      sampleEvents.flightScheduled({ origin: "SFO", destination: "SEA" }),
    ];
    // Act
    const res = await post({ events: batch });
    // Assess
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ accepted: 3 });
    const stored = await readAll();
    const byId = new Map(stored.map((s) => [s.event.eventId, s]));
    for (const e of batch) {
      expect(byId.get(e.eventId)?.event).to.deep.equal(e);
      expect(byId.get(e.eventId)?.partitionKey).to.equal(`${e.origin}-${e.destination}`);
    }
  });

  for (const [name, send, status, message] of ingestRefusals(post, () => endpoint.url)) {
    it(`refuses ${name} with ${status} and a clear message, writing nothing`, async () => {
      const before = (await readAll()).length;
      const res = await send();
      expect(res.status).to.equal(status);
      expect(((await res.json()) as { message: string }).message).to.include(message);
      expect((await readAll()).length).to.equal(before);
    });
  }
});
