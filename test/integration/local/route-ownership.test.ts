// Which shard owns a route, as Kinesis decides it: records put with routes as partition keys on a
// three-shard kinesalite stream land on exactly the shard whose hash key range routeOwner says owns the
// route (a reshard's child takes over its parents' state for those routes, so this must agree with Kinesis).
import { KinesisClient, ListShardsCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import { routeOwner } from "../../../consumers/processor/route-ownership";
import { ROUTES } from "../../../ingest/simulator/network";
import type { RunningService } from "../../../local/emulators/child-service";
import { startKinesalite } from "../../../local/emulators/kinesis-emulators";
import { ensureStream } from "../../../local/stack/bootstrap";
import { readShard } from "../../fixtures/kinesis-shard";

describe("route ownership (kinesalite)", function () {
  this.timeout(30_000);
  let emulator: RunningService;
  let client: KinesisClient;

  before(async () => {
    emulator = await startKinesalite();
    client = new KinesisClient(clientOptions(localAwsConfig({ kinesis: emulator.endpoint }), "kinesis"));
  });
  after(async () => {
    client?.destroy();
    await emulator?.stop();
  });

  it("puts every route's records on the one shard routeOwner names", async () => {
    // Prepare
    await ensureStream(client, "routes", 3);
    const routes = ROUTES.map((r) => `${r.origin}-${r.destination}`);
    // Act
    await client.send(
      new PutRecordsCommand({
        StreamName: "routes",
        Records: routes.map((route) => ({ PartitionKey: route, Data: Buffer.from(route) })),
      }),
    );
    // Assess
    const shards = (await client.send(new ListShardsCommand({ StreamName: "routes" }))).Shards ?? [];
    expect(shards).to.have.length(3);
    const landed: string[] = [];
    for (const shard of shards) {
      const owns = routeOwner({
        startingHashKey: shard.HashKeyRange?.StartingHashKey as string,
        endingHashKey: shard.HashKeyRange?.EndingHashKey as string,
      });
      const records = await readShard(client, "routes", shard.ShardId as string);
      for (const r of records) {
        expect(owns(r.partitionKey), `${r.partitionKey} on ${shard.ShardId}`).to.equal(true);
        landed.push(r.partitionKey);
      }
      // And no other shard's route is claimed by this one.
      expect(routes.filter(owns).sort()).to.deep.equal(records.map((r) => r.partitionKey).sort());
    }
    expect(landed.sort()).to.deep.equal([...routes].sort());
  });
});
