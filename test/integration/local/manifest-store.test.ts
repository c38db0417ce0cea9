// The DynamoDB manifest store on dynalite: a batch of flights read together (BatchGetItem) is read as
// one GetItem per flight would read it.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { sampleEvents } from "../../../analytics/events";
import { applyToManifest } from "../../../consumers/sinks/manifests/flight-manifest";
import {
  DynamoDbManifestStore,
  type StoredManifest,
} from "../../../consumers/sinks/manifests/manifest-store";
import { dynaliteTable } from "../../fixtures/dynalite-table";

describe("DynamoDbManifestStore (dynalite)", function () {
  this.timeout(30_000);
  const dynalite = dynaliteTable("manifestTable");
  const { table } = dynalite;
  let client: DynamoDBClient;
  before(() => {
    client = dynalite.client();
  });

  it("reads 150 flights in batches of 100, each as its own GetItem would, absent ones left out", async () => {
    // Arrange: 120 flights written (two of them twice, so versions differ), 30 never written.
    const store = new DynamoDbManifestStore(client, table);
    const flightNumber = (n: number) => `FH${1000 + n}`;
    for (let n = 0; n < 120; n++) {
      const booking = sampleEvents.bookingCreated({ flightNumber: flightNumber(n), bookingRef: "ABC123" });
      const first: StoredManifest = {
        manifest: applyToManifest(undefined, [booking]),
        version: 1,
        applied: { "shardId-000000000000": `${n}` },
      };
      expect(await store.put(first, undefined)).to.equal(true);
      if (n % 60 === 0) expect(await store.put({ ...first, version: 2 }, 1)).to.equal(true);
    }
    const flights = Array.from({ length: 150 }, (_, n) => `${flightNumber(n)}:2026-12-01`);
    // Act
    const read = await store.getMany([...flights, flights[0]!]);
    // Assert
    expect(read.size).to.equal(120);
    for (const f of flights) expect(read.get(f), f).to.deep.equal(await store.get(f));
    expect(read.get(flights[60]!)?.version).to.equal(2);
    expect(read.has(flights[149]!)).to.equal(false);
  });
});
