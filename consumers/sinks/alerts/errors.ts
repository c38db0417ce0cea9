// Typed errors of the alert sink. Publishing failures are retryable: the claim stays pending, so the next
// attempt (or the worker that takes the shard over) sends the alert again rather than losing it.

export abstract class AlertSinkError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}

export class AlertPublishError extends AlertSinkError {
  readonly code = "ALERT_PUBLISH_FAILED";
  readonly retryable = true;
  constructor(
    readonly failedAlertIds: readonly string[],
    detail: string,
  ) {
    super(`${failedAlertIds.length} alert(s) not published: ${detail}`);
    this.name = "AlertPublishError";
  }
}

export class AlertStateError extends AlertSinkError {
  readonly code = "ALERT_STATE_UNAVAILABLE";
  readonly retryable = true;
  constructor(cause: Error) {
    super(`alert state table unavailable: ${cause.name}: ${cause.message}`, { cause });
    this.name = "AlertStateError";
  }
}

/** Another worker is publishing the same alert right now: retry shortly, it will be sent or released. */
export class AlertInFlightError extends AlertSinkError {
  readonly code = "ALERT_IN_FLIGHT";
  readonly retryable = true;
  constructor(readonly alertIds: readonly string[]) {
    super(`${alertIds.length} alert(s) being published by another worker: ${alertIds.join(", ")}`);
    this.name = "AlertInFlightError";
  }
}
