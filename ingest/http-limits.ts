// Limits every HTTP server of ingest and local (ingest endpoint, SNS, Data API, dashboard) keeps, whatever a client sends: a bounded request body (read up to the
// limit, never buffered past it) and timeouts for slow headers and slow requests, so one stuck or hostile
// client cannot hold memory or a socket forever.
import type * as http from "node:http";

export class BodyTooLargeError extends Error {
  readonly code = "BODY_TOO_LARGE";
  constructor(
    readonly limit: number,
    declared?: number,
  ) {
    super(
      `request body is ${declared === undefined ? "" : `${declared} bytes, `}over the ${limit}-byte limit`,
    );
  }
}

/** Reads the body, refusing (before reading on) one whose declared or actual size passes `limit`. */
export async function readRequestBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw new BodyTooLargeError(limit, declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Headers within 10 s, a whole request within 30 s (Node's defaults are 60 s and 5 minutes). */
export function limitServer<T extends http.Server>(server: T): T {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
