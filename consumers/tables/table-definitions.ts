// Key schemas of every DynamoDB table the workers use, defined once: the local bootstrap creates them
// from here and the Pulumi Tables component reads the same definitions, so local and cloud agree.
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import type { ResourceNames } from "../../analytics/resource-names";

export interface TableDefinition {
  /** Which ResourceNames entry names it. */
  readonly nameKey: keyof ResourceNames;
  readonly hashKey: string;
  readonly rangeKey?: string;
  /** Attribute holding an epoch-seconds expiry, when the table uses DynamoDB TTL. */
  readonly ttlAttribute?: string;
  readonly purpose: string;
}

export const TABLES: readonly TableDefinition[] = [
  {
    nameKey: "leaseTable",
    hashKey: "leaseKey",
    purpose: "KCL leases and checkpoints of the booking-events consumer",
  },
  {
    nameKey: "insightsLeaseTable",
    hashKey: "leaseKey",
    purpose: "KCL leases of the demand-insights consumer",
  },
  { nameKey: "manifestTable", hashKey: "pk", rangeKey: "sk", purpose: "Seat manifests, one item per flight" },
  { nameKey: "alertStateTable", hashKey: "pk", purpose: "Alert de-duplication (cooldowns survive failover)" },
  {
    nameKey: "rejectedTable",
    hashKey: "pk",
    rangeKey: "sk",
    ttlAttribute: "expiresAt",
    purpose: "Rejected events with reason and raw bytes",
  },
  {
    nameKey: "baselineTable",
    hashKey: "pk",
    rangeKey: "sk",
    purpose: "Per-route demand baselines by hour of week",
  },
  {
    nameKey: "shardStateTable",
    hashKey: "pk",
    rangeKey: "sk",
    ttlAttribute: "expiresAt",
    purpose:
      "Demand state: each shard's snapshot at its checkpoint, and a finished parent's hand-off to its children",
  },
];

/** CreateTable input (on-demand billing) for a definition under its stack's name. */
export function createTableInput(def: TableDefinition, names: ResourceNames): CreateTableCommandInput {
  const keys = [def.hashKey, ...(def.rangeKey !== undefined ? [def.rangeKey] : [])];
  return {
    TableName: names[def.nameKey],
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: keys.map((k) => ({ AttributeName: k, AttributeType: "S" })),
    KeySchema: [
      { AttributeName: def.hashKey, KeyType: "HASH" },
      ...(def.rangeKey !== undefined ? [{ AttributeName: def.rangeKey, KeyType: "RANGE" as const }] : []),
    ],
  };
}
