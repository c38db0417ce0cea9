// Typed errors of the ingest module: retryable ones (throttling, service hiccups) are retried by the
// producer; non-retryable ones (missing stream, bad request) stop at once with a message that says why.

export abstract class IngestError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
}

export class PutRecordsFailedError extends IngestError {
  readonly code = "PUT_RECORDS_FAILED";
  readonly retryable = false;
  constructor(
    readonly failed: number,
    readonly attempts: number,
    readonly lastErrorCode: string | undefined,
  ) {
    super(
      `${failed} record(s) still failed after ${attempts} attempts (last error: ${lastErrorCode ?? "unknown"})`,
    );
    this.name = "PutRecordsFailedError";
  }
}

export class RecordTooLargeError extends IngestError {
  readonly code = "RECORD_TOO_LARGE";
  readonly retryable = false;
  constructor(
    readonly index: number,
    readonly bytes: number,
  ) {
    super(`record ${index} is ${bytes} bytes with its partition key, over Kinesis's 1 MiB limit`);
    this.name = "RecordTooLargeError";
  }
}

export class StreamUnavailableError extends IngestError {
  readonly code = "STREAM_UNAVAILABLE";
  readonly retryable = false;
  constructor(stream: string, cause: Error) {
    super(`stream ${stream} cannot be written: ${cause.name}: ${cause.message}`, { cause });
    this.name = "StreamUnavailableError";
  }
}
