// Publishes alerts to an SNS topic with PublishBatch (at most 10 entries per call), each with per-protocol
// bodies and the message attributes subscription filter policies match on.
import { PublishBatchCommand, type SNSClient } from "@aws-sdk/client-sns";
import { alertAttributes, alertMessage, alertSubject } from "./alert-format";
import type { AlertNotice } from "./alert-notice";

export const SNS_BATCH_LIMIT = 10;

export interface PublishOutcome {
  readonly published: readonly string[];
  readonly failed: readonly { readonly alertId: string; readonly reason: string }[];
}

export interface AlertPublisher {
  publish(alerts: readonly AlertNotice[]): Promise<PublishOutcome>;
}

/** PublishBatch entry ids: alphanumeric, '-' and '_', at most 80 characters, unique within a call. */
const entryId = (index: number) => `a${index}`;

export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
    private readonly dashboardUrl?: string,
  ) {}

  async publish(alerts: readonly AlertNotice[]): Promise<PublishOutcome> {
    const published: string[] = [];
    const failed: { alertId: string; reason: string }[] = [];
    for (let start = 0; start < alerts.length; start += SNS_BATCH_LIMIT) {
      const chunk = alerts.slice(start, start + SNS_BATCH_LIMIT);
      try {
        const out = await this.client.send(
          new PublishBatchCommand({
            TopicArn: this.topicArn,
            PublishBatchRequestEntries: chunk.map((a, i) => ({
              Id: entryId(i),
              Subject: alertSubject(a),
              Message: alertMessage(a, this.dashboardUrl),
              MessageStructure: "json",
              MessageAttributes: alertAttributes(a),
            })),
          }),
        );
        for (const ok of out.Successful ?? []) {
          const alert = chunk[Number(ok.Id?.slice(1))];
          if (alert !== undefined) published.push(alert.alertId);
        }
        for (const bad of out.Failed ?? []) {
          const alert = chunk[Number(bad.Id?.slice(1))];
          if (alert !== undefined)
            failed.push({ alertId: alert.alertId, reason: `${bad.Code}: ${bad.Message ?? ""}` });
        }
      } catch (e) {
        const err = e as Error;
        for (const a of chunk) failed.push({ alertId: a.alertId, reason: `${err.name}: ${err.message}` });
      }
    }
    return { published, failed };
  }
}
