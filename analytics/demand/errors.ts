// Typed errors of the demand analytics: invalid options are a configuration mistake, named by setting;
// a state snapshot that cannot be carried over is refused with what does not match.

export class AnalyticsConfigError extends Error {
  readonly code = "ANALYTICS_CONFIG";
  readonly retryable = false;
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = "AnalyticsConfigError";
  }
}

/** A state snapshot this build cannot use (other format, other window options, malformed). */
export class AnalyticsStateError extends Error {
  readonly code = "ANALYTICS_STATE";
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = "AnalyticsStateError";
  }
}
