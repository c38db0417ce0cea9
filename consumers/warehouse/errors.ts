// Typed errors of the warehouse sink. Retryable: throttling, an aborted statement, a service hiccup.
// Non-retryable: SQL Redshift refused (retrying the same statements cannot help; the rows stay buffered).

export abstract class WarehouseError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}

export class StatementFailedError extends WarehouseError {
  readonly code = "WAREHOUSE_STATEMENT_FAILED";
  readonly retryable = false;
  constructor(
    readonly statementId: string,
    readonly error: string,
  ) {
    super(`warehouse statement ${statementId} failed: ${error}`);
    this.name = "StatementFailedError";
  }
}

export class StatementAbortedError extends WarehouseError {
  readonly code = "WAREHOUSE_STATEMENT_ABORTED";
  readonly retryable = true;
  constructor(readonly statementId: string) {
    super(`warehouse statement ${statementId} was aborted`);
    this.name = "StatementAbortedError";
  }
}

export class StatementTimeoutError extends WarehouseError {
  readonly code = "WAREHOUSE_STATEMENT_TIMEOUT";
  readonly retryable = true;
  constructor(
    readonly statementId: string,
    waitedMs: number,
  ) {
    super(`warehouse statement ${statementId} not finished after ${waitedMs} ms`);
    this.name = "StatementTimeoutError";
  }
}

export class RowTooLargeError extends WarehouseError {
  readonly code = "WAREHOUSE_ROW_TOO_LARGE";
  readonly retryable = false;
  constructor(table: string, bytes: number) {
    super(`a ${table} row renders to ${bytes} bytes of SQL, over what one 100 KB statement can carry`);
    this.name = "RowTooLargeError";
  }
}

const RETRYABLE_NAMES = new Set([
  "ThrottlingException",
  "ActiveStatementsExceededException",
  "InternalServerException",
  "ServiceUnavailableException",
]);

/** True for errors worth retrying: our retryable ones, throttling, 5xx. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof WarehouseError) return e.retryable;
  const err = e as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return (
    RETRYABLE_NAMES.has(err.name ?? "") ||
    err.$retryable !== undefined ||
    (err.$metadata?.httpStatusCode ?? 0) >= 500
  );
}
