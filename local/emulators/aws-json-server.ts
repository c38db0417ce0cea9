// The HTTP side of a local AWS endpoint speaking JSON 1.1 (`X-Amz-Target: <Service>.<Operation>`, errors
// as {"__type", "message"}), which the Redshift Data API and Kinesis Analytics V2 clients both use.
// Bounded bodies, loopback only; each endpoint supplies its operations and its input checks.
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { BodyTooLargeError, limitServer, readRequestBody } from "../../ingest/http-limits";
import { choosePort, LOOPBACK } from "./ports";

/** An error the service itself would answer with: its type, message and HTTP status. */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type AwsJsonOperation = (input: Record<string, unknown>) => Promise<unknown> | unknown;

export interface AwsJsonServerOptions {
  /** The X-Amz-Target prefix before the dot, e.g. "RedshiftData". */
  readonly targetPrefix: string;
  readonly operations: Readonly<Record<string, AwsJsonOperation>>;
  /** The body as the service reads it, or an AwsJsonError (SerializationException, …). */
  readonly parseInput: (body: Buffer) => Record<string, unknown>;
  readonly maxRequestBytes: number;
  readonly port?: number | undefined;
  /** The command-line flag that sets the port, named when the port is taken. */
  readonly portSetting: string;
}

export interface AwsJsonServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const prefix = `${options.targetPrefix}.`;
  const server = limitServer(
    http.createServer(async (req, res) => {
      const requestId = randomUUID();
      const send = (status: number, body: unknown) => {
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": requestId,
        });
        res.end(JSON.stringify(body));
      };
      try {
        const target = String(req.headers["x-amz-target"] ?? "");
        const name = target.startsWith(prefix) ? target.slice(prefix.length) : "";
        // Own keys only: "valueOf" or "constructor" must not reach Object.prototype's.
        const op = Object.hasOwn(options.operations, name) ? options.operations[name] : undefined;
        if (op === undefined)
          throw new AwsJsonError("UnknownOperationException", `Unknown operation ${target}`);
        const input = options.parseInput(await readRequestBody(req, options.maxRequestBytes));
        send(200, (await op(input)) ?? {});
      } catch (e) {
        if (e instanceof AwsJsonError) send(e.status, { __type: e.type, message: e.message });
        else if (e instanceof BodyTooLargeError) {
          res.setHeader("connection", "close");
          send(413, { __type: "ValidationException", message: e.message });
        } else send(500, { __type: "InternalServerException", message: (e as Error).message });
      }
    }),
  );
  const port = await choosePort(options.port, options.portSetting);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  return {
    endpoint: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
