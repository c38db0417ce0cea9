// Typed errors of the record processors.

/** A batch blocked on a failing sink was given up because the lease went or the worker is stopping. */
export class ShardStoppedError extends Error {
  readonly code = "SHARD_STOPPED";
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = "ShardStoppedError";
  }
}
