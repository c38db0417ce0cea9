// Typed errors of the consumer runtime. A lost lease race is not an error (it is `false`); these are
// failures of the lease table itself or of the runtime's own invariants.

export abstract class KclError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}

export class LeaseTableError extends KclError {
  readonly code = "LEASE_TABLE_UNAVAILABLE";
  readonly retryable = true;
  constructor(operation: string, table: string, cause: Error) {
    super(`lease table ${table}: ${operation} failed: ${cause.name}: ${cause.message}`, { cause });
    this.name = "LeaseTableError";
  }
}
