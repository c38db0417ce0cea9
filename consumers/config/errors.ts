// Configuration errors: raised once, at start-up, naming every bad setting so an operator fixes them in
// one go instead of one per restart.

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  readonly retryable = false;
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}
