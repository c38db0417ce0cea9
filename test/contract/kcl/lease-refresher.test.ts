import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { resourceNames } from "../../../analytics/resource-names";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import { DynamoDbLeaseRefresher } from "../../../consumers/kcl/dynamodb-lease-refresher";
import { InMemoryLeaseRefresher } from "../../../consumers/kcl/in-memory-lease-refresher";
import { compareSequence, type Lease, newLease } from "../../../consumers/kcl/lease";
import type { LeaseRefresher } from "../../../consumers/kcl/lease-refresher";
import { createTableInput, TABLES } from "../../../consumers/tables/table-definitions";
import type { RunningService } from "../../../local/emulators/child-service";
import { startDynalite, startDynamoDbLocal } from "../../../local/emulators/dynamodb-emulators";
import { createTableAndWait } from "../../../local/stack/bootstrap";

const TRIM = { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 };
const must = (l: Lease | false): Lease => {
  if (l === false) throw new Error("expected the write to win");
  return l;
};

interface Backend {
  refresher(table: string): Promise<LeaseRefresher>;
  rawItem?(table: string, key: string): Promise<Record<string, unknown> | undefined>;
  putRawItem?(table: string, item: Record<string, AttributeValue>): Promise<void>;
  stop(): Promise<void>;
}

function dynamoBackend(start: () => Promise<RunningService>): () => Promise<Backend> {
  return async () => {
    const emulator = await start();
    const client = new DynamoDBClient(
      clientOptions(localAwsConfig({ dynamodb: emulator.endpoint }), "dynamodb"),
    );
    const leaseDef = TABLES.find((t) => t.nameKey === "leaseTable");
    return {
      async refresher(table) {
        const input = createTableInput(leaseDef!, { ...resourceNames("local"), leaseTable: table });
        await createTableAndWait(client, input);
        return new DynamoDbLeaseRefresher(client, table);
      },
      async rawItem(table, key) {
        return (await client.send(new GetItemCommand({ TableName: table, Key: { leaseKey: { S: key } } })))
          .Item;
      },
      async putRawItem(table, item) {
        await client.send(new PutItemCommand({ TableName: table, Item: item }));
      },
      async stop() {
        client.destroy();
        await emulator.stop();
      },
    };
  };
}

const backends: [string, () => Promise<Backend>][] = [
  ["in memory", async () => ({ refresher: async () => new InMemoryLeaseRefresher(), stop: async () => {} })],
  ["dynalite", dynamoBackend(() => startDynalite())],
  ["DynamoDB Local (AWS's own)", dynamoBackend(() => startDynamoDbLocal())],
];

for (const [name, make] of backends) {
  describe(`lease table contract: ${name}`, function () {
    this.timeout(60_000);
    let backend: Backend;
    let table = 0;
    let leases: LeaseRefresher;
    let tableName: string;
    before(async () => {
      backend = await make();
    });
    after(() => backend?.stop());
    beforeEach(async () => {
      tableName = `leases-${++table}`;
      leases = await backend.refresher(tableName);
    });

    it("creates a lease once, and lists and gets it", async () => {
      const lease = newLease("shardId-000000000001", TRIM, { parentShardIds: ["shardId-000000000000"] });
      expect(await leases.createLeaseIfNotExists(lease)).to.equal(true);
      expect(await leases.createLeaseIfNotExists(lease)).to.equal(false);
      expect(await leases.getLease(lease.leaseKey)).to.deep.equal(lease);
      expect((await leases.listLeases()).map((l) => l.leaseKey)).to.deep.equal([lease.leaseKey]);
    });

    it("takes, renews and evicts, each bumping the counter; a stale counter loses", async () => {
      await leases.createLeaseIfNotExists(newLease("s-1", TRIM));
      const fresh = (await leases.getLease("s-1")) as Lease;
      const a = must(await leases.takeLease(fresh, "worker-a"));
      expect(a).to.include({ leaseOwner: "worker-a", leaseCounter: 1, ownerSwitchesSinceCheckpoint: 1 });
      const renewed = must(await leases.renewLease(a));
      expect(renewed.leaseCounter).to.equal(2);
      expect(await leases.renewLease(a), "renew with a stale counter").to.equal(false);
      expect(await leases.takeLease(a, "worker-b"), "take with a stale counter").to.equal(false);
      const stolen = must(await leases.takeLease(renewed, "worker-b"));
      expect(stolen).to.include({ leaseOwner: "worker-b", leaseCounter: 3, ownerSwitchesSinceCheckpoint: 2 });
      expect(await leases.renewLease(renewed), "the old owner can no longer renew").to.equal(false);
      const released = must(await leases.evictLease(stolen));
      expect(released.leaseOwner).to.equal(undefined);
      expect(released.leaseCounter).to.equal(4);
    });

    it("fences checkpoints: a worker whose lease was taken cannot checkpoint it", async () => {
      await leases.createLeaseIfNotExists(newLease("s-2", TRIM));
      const mine = must(await leases.takeLease((await leases.getLease("s-2")) as Lease, "worker-a"));
      const cp1 = {
        sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
        subSequenceNumber: 3,
      };
      const afterCheckpoint = must(await leases.checkpoint(mine, cp1));
      expect(afterCheckpoint.checkpoint).to.deep.equal(cp1);
      expect(afterCheckpoint.ownerSwitchesSinceCheckpoint).to.equal(0);
      must(await leases.takeLease(afterCheckpoint, "worker-b"));
      const cp2 = {
        sequenceNumber: "49590338271490256608559692538361571095921575989136588999",
        subSequenceNumber: 0,
      };
      expect(await leases.checkpoint(afterCheckpoint, cp2), "checkpoint after losing the lease").to.equal(
        false,
      );
      expect(((await leases.getLease("s-2")) as Lease).checkpoint).to.deep.equal(cp1);
      expect(compareSequence(cp1, cp2)).to.equal(-1);
    });

    it("records children and deletes only with the current counter", async () => {
      await leases.createLeaseIfNotExists(newLease("s-3", TRIM));
      const base = (await leases.getLease("s-3")) as Lease;
      const withKids = must(await leases.updateChildShards(base, ["s-4", "s-5"]));
      expect(withKids.childShardIds).to.deep.equal(["s-4", "s-5"]);
      expect(await leases.deleteLease(base)).to.equal(false);
      expect(await leases.deleteLease(withKids)).to.equal(true);
      expect(await leases.getLease("s-3")).to.equal(undefined);
    });

    if (name !== "in memory") {
      it("writes exactly the KCL 2.x attribute names and types", async () => {
        const lease = newLease("shardId-000000000007", TRIM, {
          parentShardIds: ["shardId-000000000003", "shardId-000000000004"],
          hashKeyRange: { startingHashKey: "0", endingHashKey: "170141183460469231731687303715884105727" },
        });
        await leases.createLeaseIfNotExists(lease);
        const owned = must(await leases.takeLease(lease, "worker-a"));
        must(await leases.updateChildShards(owned, ["shardId-000000000009"]));
        const item = (await backend.rawItem?.(tableName, lease.leaseKey)) as Record<
          string,
          Record<string, unknown>
        >;
        const shape = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, Object.keys(v)[0]]));
        expect(shape).to.deep.equal({
          leaseKey: "S",
          leaseOwner: "S",
          leaseCounter: "N",
          checkpoint: "S",
          checkpointSubSequenceNumber: "N",
          ownerSwitchesSinceCheckpoint: "N",
          parentShardId: "SS",
          childShardIds: "SS",
          startingHashKey: "S",
          endingHashKey: "S",
        });
        expect(item["checkpoint"]).to.deep.equal({ S: "TRIM_HORIZON" });
      });

      it("lists only shard leases: KCL 3.x's leader lock, migration state and worker metrics share the table", async () => {
        // The items as KCL 3.5.1 writes them (read off a table it created on DynamoDB Local).
        const kcl3Entities: Record<string, AttributeValue>[] = [
          {
            leaseKey: { S: "Leader" },
            ownerName: { S: "java-1" },
            recordVersionNumber: { S: "04087f72-a057-4a0f-82ec-f801490f0c73" },
            entityType: { S: "LEADER" },
            leaseDuration: { S: "120000" },
          },
          {
            leaseKey: { S: "Migration3.0" },
            cv: { S: "CLIENT_VERSION_3X" },
            mb: { S: "java-1" },
            mts: { N: "1796225080138" },
            entityType: { S: "CLIENT_VERSION_MIGRATION" },
          },
          {
            leaseKey: { S: "java-1" },
            entityType: { S: "WORKER_METRIC_STATS" },
            lut: { N: "1796225092" },
            opr: { M: {} },
            sts: { M: {} },
          },
        ];
        for (const item of kcl3Entities) await backend.putRawItem?.(tableName, item);
        await leases.createLeaseIfNotExists(newLease("shardId-000000000001", TRIM));
        await backend.putRawItem?.(tableName, {
          leaseKey: { S: "shardId-000000000002" },
          leaseCounter: { N: "4" },
          checkpoint: { S: "TRIM_HORIZON" },
          entityType: { S: "LEASE" },
        });
        expect((await leases.listLeases()).map((l) => l.leaseKey)).to.deep.equal([
          "shardId-000000000001",
          "shardId-000000000002",
        ]);
      });
    }
  });
}
