// Tables: the DynamoDB tables of consumers/tables/table-definitions.ts (the same definitions the local
// bootstrap uses): on-demand, point-in-time recovery, encrypted with the stack key, TTL where defined.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceNames } from "../../analytics/resource-names";
import { TABLES } from "../../consumers/tables/table-definitions";
import { baseTags } from "./common";

export interface TablesArgs {
  readonly stack: string;
  readonly names: ResourceNames;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Protect tables from deletion (prod). */
  readonly protect: boolean;
}

export class Tables extends pulumi.ComponentResource {
  readonly tables: Readonly<Record<string, aws.dynamodb.Table>>;

  constructor(name: string, args: TablesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:storage:Tables", name, {}, opts);
    const tags = baseTags(args.stack, "tables");
    const tables: Record<string, aws.dynamodb.Table> = {};
    for (const def of TABLES) {
      tables[def.nameKey] = new aws.dynamodb.Table(
        `${name}-${def.nameKey}`,
        {
          name: args.names[def.nameKey],
          billingMode: "PAY_PER_REQUEST",
          hashKey: def.hashKey,
          ...(def.rangeKey !== undefined ? { rangeKey: def.rangeKey } : {}),
          attributes: [def.hashKey, ...(def.rangeKey !== undefined ? [def.rangeKey] : [])].map((n) => ({
            name: n,
            type: "S",
          })),
          pointInTimeRecovery: { enabled: true },
          serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
          deletionProtectionEnabled: args.protect,
          ...(def.ttlAttribute !== undefined
            ? { ttl: { attributeName: def.ttlAttribute, enabled: true } }
            : {}),
          tags: { ...tags, purpose: def.purpose },
        },
        { parent: this },
      );
    }
    this.tables = tables;
    this.registerOutputs({ tableNames: Object.values(tables).map((t) => t.name) });
  }

  get arns(): pulumi.Output<string[]> {
    return pulumi.all(Object.values(this.tables).map((t) => t.arn));
  }
}
