// The lease table in DynamoDB, item for item as the Java KCL 2.x writes it: leaseKey (S), leaseOwner (S),
// leaseCounter (N), checkpoint (S), checkpointSubSequenceNumber (N), ownerSwitchesSinceCheckpoint (N),
// parentShardId (SS), childShardIds (SS), startingHashKey (S), endingHashKey (S). Every change is a
// conditional UpdateItem on leaseCounter (attributes we do not know, such as KCL 3.x's, are left as they
// are); ConditionalCheckFailed becomes `false`.
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { LeaseTableError } from "./errors";
import type { ExtendedSequenceNumber, Lease } from "./lease";
import type { LeaseRefresher } from "./lease-refresher";

const N = (n: number): AttributeValue => ({ N: String(n) });
const S = (s: string): AttributeValue => ({ S: s });

export function leaseToItem(lease: Lease): Record<string, AttributeValue> {
  return {
    leaseKey: S(lease.leaseKey),
    leaseCounter: N(lease.leaseCounter),
    checkpoint: S(lease.checkpoint.sequenceNumber),
    checkpointSubSequenceNumber: N(lease.checkpoint.subSequenceNumber),
    ownerSwitchesSinceCheckpoint: N(lease.ownerSwitchesSinceCheckpoint),
    ...(lease.leaseOwner !== undefined ? { leaseOwner: S(lease.leaseOwner) } : {}),
    // DynamoDB has no empty sets: an absent attribute means none.
    ...(lease.parentShardIds.length > 0 ? { parentShardId: { SS: [...lease.parentShardIds] } } : {}),
    ...(lease.childShardIds.length > 0 ? { childShardIds: { SS: [...lease.childShardIds] } } : {}),
    ...(lease.hashKeyRange !== undefined
      ? {
          startingHashKey: S(lease.hashKeyRange.startingHashKey),
          endingHashKey: S(lease.hashKeyRange.endingHashKey),
        }
      : {}),
  };
}

export function leaseFromItem(item: Record<string, AttributeValue>): Lease {
  const owner = item["leaseOwner"]?.S;
  const start = item["startingHashKey"]?.S;
  const end = item["endingHashKey"]?.S;
  return {
    leaseKey: item["leaseKey"]?.S ?? "",
    leaseCounter: Number(item["leaseCounter"]?.N ?? "0"),
    checkpoint: {
      sequenceNumber: item["checkpoint"]?.S ?? "TRIM_HORIZON",
      subSequenceNumber: Number(item["checkpointSubSequenceNumber"]?.N ?? "0"),
    },
    ownerSwitchesSinceCheckpoint: Number(item["ownerSwitchesSinceCheckpoint"]?.N ?? "0"),
    parentShardIds: [...(item["parentShardId"]?.SS ?? [])].sort(),
    childShardIds: [...(item["childShardIds"]?.SS ?? [])].sort(),
    ...(owner !== undefined ? { leaseOwner: owner } : {}),
    ...(start !== undefined && end !== undefined
      ? { hashKeyRange: { startingHashKey: start, endingHashKey: end } }
      : {}),
  };
}

/**
 * KCL 3.x keeps more than leases in the lease table: its leader lock ("Leader"), its migration state
 * ("Migration3.0") and one worker-metrics item per worker, each marked with an `entityType` attribute.
 * A shard lease has none (or "LEASE"), which is how the KCL itself tells them apart.
 */
export const isShardLeaseItem = (item: Record<string, AttributeValue>): boolean => {
  const type = item["entityType"]?.S;
  return type === undefined || type === "LEASE";
};

const conditionFailed = (e: unknown) => (e as Error).name === "ConditionalCheckFailedException";

export class DynamoDbLeaseRefresher implements LeaseRefresher {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private async update(
    operation: string,
    lease: Lease,
    requireOwner: boolean,
    update: string,
    values: Record<string, AttributeValue>,
  ): Promise<Lease | false> {
    const ownerCondition = requireOwner
      ? lease.leaseOwner === undefined
        ? " AND attribute_not_exists(leaseOwner)"
        : " AND leaseOwner = :expectedOwner"
      : "";
    try {
      const out = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: S(lease.leaseKey) },
          UpdateExpression: update,
          ConditionExpression: `leaseCounter = :expectedCounter${ownerCondition}`,
          ExpressionAttributeValues: {
            ":expectedCounter": N(lease.leaseCounter),
            ...(requireOwner && lease.leaseOwner !== undefined
              ? { ":expectedOwner": S(lease.leaseOwner) }
              : {}),
            ...values,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return leaseFromItem(out.Attributes ?? {});
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw new LeaseTableError(operation, this.tableName, e as Error);
    }
  }

  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: leaseToItem(lease),
          ConditionExpression: "attribute_not_exists(leaseKey)",
        }),
      );
      return true;
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw new LeaseTableError("create", this.tableName, e as Error);
    }
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    try {
      const out = await this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: S(leaseKey) },
          ConsistentRead: true,
        }),
      );
      return out.Item === undefined ? undefined : leaseFromItem(out.Item);
    } catch (e) {
      throw new LeaseTableError("get", this.tableName, e as Error);
    }
  }

  async listLeases(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let start: Record<string, AttributeValue> | undefined;
    try {
      do {
        const out = await this.client.send(
          new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
        );
        for (const item of out.Items ?? []) if (isShardLeaseItem(item)) leases.push(leaseFromItem(item));
        start = out.LastEvaluatedKey;
      } while (start !== undefined);
    } catch (e) {
      throw new LeaseTableError("list", this.tableName, e as Error);
    }
    return leases.sort((a, b) => (a.leaseKey < b.leaseKey ? -1 : 1));
  }

  renewLease(lease: Lease): Promise<Lease | false> {
    return this.update("renew", lease, true, "SET leaseCounter = leaseCounter + :one", { ":one": N(1) });
  }

  takeLease(lease: Lease, owner: string): Promise<Lease | false> {
    return this.update(
      "take",
      lease,
      false,
      "SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = ownerSwitchesSinceCheckpoint + :switch",
      { ":owner": S(owner), ":one": N(1), ":switch": N(lease.leaseOwner === owner ? 0 : 1) },
    );
  }

  evictLease(lease: Lease): Promise<Lease | false> {
    return this.update("evict", lease, true, "REMOVE leaseOwner SET leaseCounter = leaseCounter + :one", {
      ":one": N(1),
    });
  }

  checkpoint(lease: Lease, checkpoint: ExtendedSequenceNumber): Promise<Lease | false> {
    return this.update(
      "checkpoint",
      lease,
      true,
      "SET checkpoint = :checkpoint, checkpointSubSequenceNumber = :sub, ownerSwitchesSinceCheckpoint = :zero, leaseCounter = leaseCounter + :one",
      {
        ":checkpoint": S(checkpoint.sequenceNumber),
        ":sub": N(checkpoint.subSequenceNumber),
        ":zero": N(0),
        ":one": N(1),
      },
    );
  }

  updateChildShards(lease: Lease, childShardIds: readonly string[]): Promise<Lease | false> {
    return childShardIds.length === 0
      ? this.update("children", lease, false, "REMOVE childShardIds SET leaseCounter = leaseCounter + :one", {
          ":one": N(1),
        })
      : this.update(
          "children",
          lease,
          false,
          "SET childShardIds = :children, leaseCounter = leaseCounter + :one",
          {
            ":children": { SS: [...childShardIds] },
            ":one": N(1),
          },
        );
  }

  async deleteLease(lease: Lease): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: S(lease.leaseKey) },
          ConditionExpression: "leaseCounter = :expectedCounter",
          ExpressionAttributeValues: { ":expectedCounter": N(lease.leaseCounter) },
        }),
      );
      return true;
    } catch (e) {
      if (conditionFailed(e)) return false;
      throw new LeaseTableError("delete", this.tableName, e as Error);
    }
  }
}
