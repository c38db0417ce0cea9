// The alert sink: claim each alert in the state table (dropping those within their cooldown, even when a
// different worker sent them), publish the claimed ones, mark them sent. One surge gives one alert.
import type { AlertNotice } from "./alert-notice";
import { dedupeKeyOf } from "./alert-notice";
import type { AlertStateStore } from "./alert-state-store";
import { AlertPublishError } from "./errors";
import type { AlertPublisher } from "./sns-alert-publisher";

export interface AlertSinkOptions {
  readonly state: AlertStateStore;
  readonly publisher: AlertPublisher;
  /** Minimum event-time gap between two alerts of one subject and type (default 30 minutes). */
  readonly cooldownMs?: number;
}

export interface AlertSinkResult {
  readonly sent: readonly string[];
  readonly suppressed: readonly string[];
}

export const DEFAULT_ALERT_COOLDOWN_MS = 30 * 60_000;

export class AlertSink {
  private readonly cooldownMs: number;

  constructor(private readonly options: AlertSinkOptions) {
    this.cooldownMs = options.cooldownMs ?? DEFAULT_ALERT_COOLDOWN_MS;
  }

  /** Sends what is not a duplicate. Throws a retryable AlertPublishError when SNS refused any; retrying is safe. */
  async send(alerts: readonly AlertNotice[]): Promise<AlertSinkResult> {
    const claimed: AlertNotice[] = [];
    const suppressed: string[] = [];
    // In order: two alerts of one key in one call resolve as the earlier one claiming first.
    for (const a of alerts) {
      const r = await this.options.state.claim(
        dedupeKeyOf(a),
        a.alertId,
        a.windowEnd,
        a.cooldownMs ?? this.cooldownMs,
      );
      if (r === "claimed") claimed.push(a);
      else suppressed.push(a.alertId);
    }
    if (claimed.length === 0) return { sent: [], suppressed };
    const outcome = await this.options.publisher.publish(claimed);
    const byId = new Map(claimed.map((a) => [a.alertId, a]));
    await Promise.all(
      outcome.published.map((id) => {
        const a = byId.get(id);
        return a === undefined ? undefined : this.options.state.markSent(dedupeKeyOf(a), id);
      }),
    );
    if (outcome.failed.length > 0) {
      throw new AlertPublishError(
        outcome.failed.map((f) => f.alertId),
        outcome.failed.map((f) => f.reason).join("; "),
      );
    }
    return { sent: outcome.published, suppressed };
  }
}
