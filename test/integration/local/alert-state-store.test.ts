// The alert de-duplication contract, the same scenarios on the in-memory store and on DynamoDB (dynalite):
// one surge claims once; a duplicate within the cooldown is refused; the same alert being published by
// another worker is "in flight"; a failed or abandoned (stale) claim can be taken again.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { resourceNames } from "../../../analytics/resource-names";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import {
  type AlertStateStore,
  DynamoDbAlertStateStore,
  InMemoryAlertStateStore,
} from "../../../consumers/sinks/alerts/alert-state-store";
import { createTableInput, TABLES } from "../../../consumers/tables/table-definitions";
import type { RunningService } from "../../../local/emulators/child-service";
import { startDynalite } from "../../../local/emulators/dynamodb-emulators";
import { createTableAndWait } from "../../../local/stack/bootstrap";

const MIN = 60_000;
const COOLDOWN = 30 * MIN;
const T = Date.parse("2026-11-30T10:00:00Z");

type Factory = (now: () => number) => AlertStateStore;

function contract(name: string, factory: () => Promise<{ make: Factory; stop(): Promise<void> }>) {
  describe(`alert state store contract: ${name}`, function () {
    this.timeout(30_000);
    let backend: { make: Factory; stop(): Promise<void> };
    let clock = 0;
    let n = 0;
    const key = () => `LHR-JFK#demand_surge#${++n}`;
    before(async () => {
      backend = await factory();
    });
    after(() => backend?.stop());

    it("claims a new alert once; a later one inside the cooldown is a duplicate, after it a new claim", async () => {
      const store = backend.make(() => clock);
      const k = key();
      expect(await store.claim(k, "a1", T, COOLDOWN)).to.equal("claimed");
      await store.markSent(k, "a1");
      expect(await store.claim(k, "a1", T, COOLDOWN)).to.equal("duplicate");
      expect(await store.claim(k, "a2", T + 10 * MIN, COOLDOWN)).to.equal("cooldown");
      expect(await store.claim(k, "a3", T + 31 * MIN, COOLDOWN)).to.equal("claimed");
    });

    it("reports the same alert as in flight while another worker publishes it, and a duplicate once sent", async () => {
      const a = backend.make(() => clock);
      const b = backend.make(() => clock);
      const k = key();
      expect(await a.claim(k, "a1", T, COOLDOWN)).to.equal("claimed");
      expect(await b.claim(k, "a1", T, COOLDOWN)).to.equal("in-flight");
      await a.markSent(k, "a1");
      expect(await b.claim(k, "a1", T, COOLDOWN)).to.equal("duplicate");
    });

    it("lets anyone retry a failed publish at once, and take over a claim abandoned longer than the stale time", async () => {
      const a = backend.make(() => clock);
      const b = backend.make(() => clock);
      const k1 = key();
      expect(await a.claim(k1, "a1", T, COOLDOWN)).to.equal("claimed");
      await a.markFailed(k1, "a1");
      expect(await b.claim(k1, "a1", T, COOLDOWN)).to.equal("claimed");
      const k2 = key();
      clock = 1_000_000;
      expect(await a.claim(k2, "a2", T, COOLDOWN)).to.equal("claimed");
      clock += 29_000;
      expect(await b.claim(k2, "a2", T, COOLDOWN)).to.equal("in-flight");
      clock += 2_000;
      expect(await b.claim(k2, "a2", T, COOLDOWN)).to.equal("claimed");
    });
  });
}

contract("in memory", async () => {
  const shared = new Map();
  return {
    make: (now) => Object.assign(new InMemoryAlertStateStore(now), { items: shared }),
    stop: async () => {},
  };
});

contract("dynalite", async () => {
  const emulator: RunningService = await startDynalite();
  const client = new DynamoDBClient(
    clientOptions(localAwsConfig({ dynamodb: emulator.endpoint }), "dynamodb"),
  );
  const def = TABLES.find((t) => t.nameKey === "alertStateTable");
  const names = resourceNames("local");
  await createTableAndWait(client, createTableInput(def!, names));
  return {
    make: (now) => new DynamoDbAlertStateStore(client, names.alertStateTable, now),
    stop: async () => {
      client.destroy();
      await emulator.stop();
    },
  };
});
