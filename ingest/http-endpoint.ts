// Local ingest endpoint: `POST /events` with one event or `{ "events": [...] }`, the same contract as the
// API Gateway model Pulumi deploys. A request is validated whole before anything is written, so a bad
// event in a batch writes nothing; errors name the event index and field path.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { decodeValue, type FlightEvent, MAX_BATCH_EVENTS, MAX_RECORD_BYTES } from "../analytics/events";
import { IngestError } from "./errors";
import { BodyTooLargeError, limitServer, readRequestBody } from "./http-limits";
import type { KinesisProducer } from "./producer";
import { MAX_BYTES_PER_REQUEST } from "./producer";

export interface IngestEndpointOptions {
  readonly producer: KinesisProducer;
  readonly port?: number;
  /** Loopback by default: the local endpoint has no authentication. */
  readonly host?: string;
}

export interface IngestEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

interface FieldError {
  readonly index: number;
  readonly path: string;
  readonly code: string;
  readonly reason: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Events nest four levels in a batch ({events: [{fare: {…}}]}): anything far deeper is not an event. */
const MAX_NESTING = 32;

/**
 * How deep the JSON text nests, without parsing it (outside string literals). A body thousands of levels
 * deep parses, but re-serialising it for the size check overflowed the stack: refuse it up front.
 */
export function nestingDepth(text: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return max;
}

/** Validates a parsed request body into events, or throws a 400/413 naming every bad field. */
export function eventsFromBody(body: unknown): FlightEvent[] {
  const isBatch = typeof body === "object" && body !== null && !Array.isArray(body) && "events" in body;
  const items: unknown[] = isBatch ? ((body as { events: unknown }).events as unknown[]) : [body];
  if (isBatch) {
    const keys = Object.keys(body as object);
    if (!Array.isArray(items)) throw new HttpError(400, "/events: must be an array of events");
    if (keys.length !== 1)
      throw new HttpError(
        400,
        `a batch has only "events"; unexpected: ${keys.filter((k) => k !== "events").join(", ")}`,
      );
    if (items.length === 0) throw new HttpError(400, "/events: must hold at least one event");
    if (items.length > MAX_BATCH_EVENTS) {
      throw new HttpError(
        413,
        `/events: ${items.length} events, over the ${MAX_BATCH_EVENTS}-event batch limit`,
      );
    }
  }
  const events: FlightEvent[] = [];
  const errors: FieldError[] = [];
  items.forEach((item, index) => {
    const text = JSON.stringify(item) ?? "";
    const raw = Buffer.from(text);
    if (raw.byteLength > MAX_RECORD_BYTES) {
      throw new HttpError(
        413,
        `${isBatch ? `/events/${index}` : "event"} is ${raw.byteLength} bytes, over the 1 MiB record limit`,
      );
    }
    const result = decodeValue(item, raw);
    if (result.ok) events.push(result.event);
    else {
      const prefix = isBatch ? `/events/${index}` : "";
      const { code, path, reason } = result.rejection;
      errors.push({
        index,
        code,
        path: prefix + path,
        reason: prefix + (reason.startsWith("/") ? reason : `: ${reason}`),
      });
    }
  });
  if (errors.length > 0) {
    throw new HttpError(
      400,
      `${errors.length} invalid event(s); nothing was written. First: ${errors[0]?.reason}`,
      errors,
    );
  }
  return events;
}

export async function startIngestEndpoint(options: IngestEndpointOptions): Promise<IngestEndpoint> {
  const server = http.createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/health" && req.method === "GET") return send(200, { healthy: true });
      if (path !== "/events") throw new HttpError(404, "not found; POST /events");
      if (req.method !== "POST") throw new HttpError(405, "use POST /events");
      const type = req.headers["content-type"] ?? "";
      if (!type.startsWith("application/json"))
        throw new HttpError(415, "content-type must be application/json");
      const raw = await readRequestBody(req, MAX_BYTES_PER_REQUEST).catch((e: unknown) => {
        throw e instanceof BodyTooLargeError ? new HttpError(413, e.message) : e;
      });
      const depth = nestingDepth(raw);
      if (depth > MAX_NESTING)
        throw new HttpError(
          400,
          `body nests ${depth} levels deep; an event batch nests at most ${MAX_NESTING}`,
        );
      let body: unknown;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch (e) {
        throw new HttpError(400, `body is not JSON (${(e as Error).message})`);
      }
      const events = eventsFromBody(body);
      const before = options.producer.totals.sent;
      await options.producer.putEvents(events);
      return send(200, { accepted: options.producer.totals.sent - before });
    } catch (e) {
      if (e instanceof HttpError)
        return send(e.status, {
          message: e.message,
          ...(e.details !== undefined ? { errors: e.details } : {}),
        });
      if (e instanceof IngestError) return send(503, { message: e.message, code: e.code });
      return send(500, { message: (e as Error).message });
    }
  });
  limitServer(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new Error(`ingest port ${options.port} is already in use (--ingest-port)`)
          : e,
      ),
    );
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
