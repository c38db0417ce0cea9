// Typed errors of the demand analytics: invalid options are a configuration mistake, named by setting.

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
