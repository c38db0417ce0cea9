// The alert sink: claim each alert in the state table (dropping those within their cooldown, even when a
// different worker sent them), publish the claimed ones, mark them sent. One surge gives one alert.
import type { AlertNotice } from "./alert-notice";
import { dedupeKeyOf } from "./alert-notice";
import type { AlertStateStore, ClaimResult } from "./alert-state-store";
import { AlertInFlightError, AlertPublishError } from "./errors";
import type { AlertPublisher, PublishOutcome } from "./sns-alert-publisher";

export interface AlertSinkOptions {
  readonly state: AlertStateStore;
  readonly publisher: AlertPublisher;
  /** Minimum event-time gap between two alerts of one subject and type (default 30 minutes). */
  readonly cooldownMs?: number;
}

export interface AlertSinkResult {
  readonly sent: readonly string[];
  /** Not sent now: sent before (a replay), or another alert of its key is within the cooldown. */
  readonly suppressed: readonly string[];
  /** The suppressed ones that were sent before: an alert that happened, unlike one in another's cooldown. */
  readonly alreadySent: readonly string[];
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
    const alreadySent: string[] = [];
    const inFlight: string[] = [];
    const results = await this.claimAll(alerts);
    alerts.forEach((a, i) => {
      const r = results[i];
      if (r === "claimed") claimed.push(a);
      else if (r === "in-flight") inFlight.push(a.alertId);
      else {
        suppressed.push(a.alertId);
        if (r === "duplicate" || r === "sent") alreadySent.push(a.alertId);
      }
    });
    const outcome = claimed.length === 0 ? { published: [], failed: [] } : await this.publish(claimed);
    const byId = new Map(claimed.map((a) => [a.alertId, a]));
    await Promise.all([
      ...outcome.published.map((id) => {
        const a = byId.get(id);
        return a === undefined ? undefined : this.options.state.markSent(dedupeKeyOf(a), id);
      }),
      ...outcome.failed.map(({ alertId }) => {
        const a = byId.get(alertId);
        return a === undefined ? undefined : this.options.state.markFailed(dedupeKeyOf(a), alertId);
      }),
    ]);
    for (const id of outcome.published) this.settle(id, "sent");
    if (outcome.failed.length > 0) {
      throw new AlertPublishError(
        outcome.failed.map((f) => f.alertId),
        outcome.failed.map((f) => f.reason).join("; "),
      );
    }
    // The other worker's publish ends in "sent" (then this is a duplicate) or "failed" (then it is ours).
    if (inFlight.length > 0) throw new AlertInFlightError(inFlight);
    return { sent: outcome.published, suppressed, alreadySent };
  }

  /**
   * Each alert's claim, in the alerts' order. Alerts of one key claim one after another, in order (two of
   * one key in one call resolve as the earlier one claiming first); different keys claim side by side, so
   * a window that closes a dozen routes' surges at once waits one state-table round trip, not a dozen.
   */
  private async claimAll(alerts: readonly AlertNotice[]): Promise<(ClaimResult | "sent" | "refused")[]> {
    const results: (ClaimResult | "sent" | "refused")[] = new Array(alerts.length);
    const byKey = new Map<string, number[]>();
    alerts.forEach((a, i) => {
      const key = dedupeKeyOf(a);
      const group = byKey.get(key);
      if (group === undefined) byKey.set(key, [i]);
      else group.push(i);
    });
    // Settled, not all: a failed claim leaves none of the others still running behind the error.
    const done = await Promise.allSettled(
      [...byKey].map(async ([key, indices]) => {
        for (const i of indices) {
          const a = alerts[i] as AlertNotice;
          const settled = this.settled.get(a.alertId);
          if (settled !== undefined) {
            results[i] = settled;
            continue;
          }
          const r = await this.options.state.claim(
            key,
            a.alertId,
            a.windowEnd,
            a.cooldownMs ?? this.cooldownMs,
          );
          results[i] = r;
          if (r !== "claimed" && r !== "in-flight")
            this.settle(a.alertId, r === "duplicate" ? "sent" : "refused");
        }
      }),
    );
    const failed = done.find((d) => d.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    return results;
  }

  /**
   * Alert ids known to be sent or refused for good (a claim's outcome never reverts once another alert of
   * the key, or this one, is recorded as sent): judged again and again as a full flight keeps selling, they
   * cost no state-table round trip here.
   */
  private readonly settled = new Map<string, "sent" | "refused">();

  private settle(alertId: string, outcome: "sent" | "refused"): void {
    if (this.settled.size >= 10_000) this.settled.clear();
    this.settled.set(alertId, outcome);
  }

  /** Publishes; if the call itself fails, releases the claims so a retry need not wait them out. */
  private async publish(claimed: readonly AlertNotice[]): Promise<PublishOutcome> {
    try {
      return await this.options.publisher.publish(claimed);
    } catch (e) {
      await Promise.all(claimed.map((a) => this.options.state.markFailed(dedupeKeyOf(a), a.alertId)));
      throw e;
    }
  }
}
