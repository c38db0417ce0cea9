// Alert de-duplication state that survives worker failover: one item per (subject, alert type) holding the
// last alert's id, its event time and whether it was sent. Claims are conditional single-item writes, so
// two workers (or a replay after failover) cannot both send the same surge.
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { AlertStateError } from "./errors";

export type ClaimResult = "claimed" | "duplicate";

export interface AlertStateStore {
  /**
   * Claims the right to send `alertId` for `dedupeKey`. Succeeds when there is no previous alert, the
   * previous one is older than the cooldown (in event time), or it is this same alert still unsent (a
   * retry after a crash between claim and publish).
   */
  claim(dedupeKey: string, alertId: string, eventTimeMs: number, cooldownMs: number): Promise<ClaimResult>;
  /** Records that the alert reached SNS. */
  markSent(dedupeKey: string, alertId: string): Promise<void>;
}

interface StateItem {
  alertId: string;
  lastAlertAt: number;
  status: "pending" | "sent";
}

/** Same rule as the DynamoDB condition, for tests and single-process runs. */
export class InMemoryAlertStateStore implements AlertStateStore {
  readonly items = new Map<string, StateItem>();

  async claim(
    dedupeKey: string,
    alertId: string,
    eventTimeMs: number,
    cooldownMs: number,
  ): Promise<ClaimResult> {
    const prev = this.items.get(dedupeKey);
    const free =
      prev === undefined ||
      prev.lastAlertAt <= eventTimeMs - cooldownMs ||
      (prev.alertId === alertId && prev.status === "pending");
    if (!free) return "duplicate";
    this.items.set(dedupeKey, { alertId, lastAlertAt: eventTimeMs, status: "pending" });
    return "claimed";
  }

  async markSent(dedupeKey: string, alertId: string): Promise<void> {
    const prev = this.items.get(dedupeKey);
    if (prev !== undefined && prev.alertId === alertId) prev.status = "sent";
  }
}

export class DynamoDbAlertStateStore implements AlertStateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async claim(
    dedupeKey: string,
    alertId: string,
    eventTimeMs: number,
    cooldownMs: number,
  ): Promise<ClaimResult> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: dedupeKey },
            alertId: { S: alertId },
            lastAlertAt: { N: String(eventTimeMs) },
            status: { S: "pending" },
            updatedAt: { S: new Date(this.now()).toISOString() },
          },
          ConditionExpression:
            "attribute_not_exists(pk) OR lastAlertAt <= :cutoff OR (alertId = :id AND #status = :pending)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":cutoff": { N: String(eventTimeMs - cooldownMs) },
            ":id": { S: alertId },
            ":pending": { S: "pending" },
          },
        }),
      );
      return "claimed";
    } catch (e) {
      if (
        e instanceof ConditionalCheckFailedException ||
        (e as Error).name === "ConditionalCheckFailedException"
      ) {
        return "duplicate";
      }
      throw new AlertStateError(e as Error);
    }
  }

  async markSent(dedupeKey: string, alertId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: dedupeKey } },
          UpdateExpression: "SET #status = :sent, updatedAt = :now",
          // A newer alert may already have claimed the key; never overwrite its state.
          ConditionExpression: "alertId = :id",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":sent": { S: "sent" },
            ":id": { S: alertId },
            ":now": { S: new Date(this.now()).toISOString() },
          },
        }),
      );
    } catch (e) {
      if ((e as Error).name === "ConditionalCheckFailedException") return;
      throw new AlertStateError(e as Error);
    }
  }
}
