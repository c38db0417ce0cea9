// AWS errors that retrying the same request cannot heal (a schema, table or permission mistake), as
// opposed to throttling, timeouts and service hiccups. Shared by the DynamoDB-backed stores' typed errors.
const PERMANENT = new Set(["ValidationException", "ResourceNotFoundException", "AccessDeniedException"]);

export const isPermanentAwsError = (cause: unknown): boolean =>
  PERMANENT.has((cause as Error | undefined)?.name ?? "");
