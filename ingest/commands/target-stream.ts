// Resolves where simulate and replay write: explicit flags first, else the running local stack, else AWS
// (the SDK's default credentials and region), naming what is missing when nothing fits.
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { LOCAL_STACK, resourceNames } from "../../analytics/resource-names";
import { clientOptions, localAwsConfig } from "../../consumers/aws/clients";
import { sdkKinesisPutPort } from "../kinesis-put-port";
import { KinesisProducer, type ProducerOptions } from "../producer";
import { type CommandIo, readLocalEndpoints, UsageError } from "./command-io";

export interface StreamFlags {
  readonly stream?: string | undefined;
  readonly "kinesis-endpoint"?: string | undefined;
  readonly region?: string | undefined;
}

export const STREAM_FLAG_OPTIONS = {
  stream: { type: "string" },
  "kinesis-endpoint": { type: "string" },
  region: { type: "string" },
} as const;

export const STREAM_FLAGS_HELP = `  --stream NAME            Kinesis stream (default: the local stack's booking stream)
  --kinesis-endpoint URL   Kinesis endpoint (default: from .flightpulse/local.json; none: AWS)
  --region REGION          AWS region when writing to AWS (default: AWS_REGION / SDK default)`;

export function producerFor(
  flags: StreamFlags,
  io: CommandIo,
  options: Omit<ProducerOptions, "port" | "streamName">,
): { producer: KinesisProducer; client: KinesisClient; target: string } {
  const local = readLocalEndpoints(io.cwd);
  const endpoint = flags["kinesis-endpoint"] ?? local.kinesis;
  const stream =
    flags.stream ??
    local.bookingStream ??
    (endpoint !== undefined ? resourceNames(LOCAL_STACK).bookingStream : undefined);
  if (stream === undefined) {
    throw new UsageError(
      "no stream: pass --stream NAME (and --kinesis-endpoint URL), or run `npm start` first",
    );
  }
  const client =
    endpoint !== undefined
      ? new KinesisClient(clientOptions(localAwsConfig({ kinesis: endpoint }), "kinesis"))
      : new KinesisClient(flags.region !== undefined ? { region: flags.region } : {});
  return {
    client,
    target: `${stream} at ${endpoint ?? "AWS"}`,
    producer: new KinesisProducer({ ...options, port: sdkKinesisPutPort(client), streamName: stream }),
  };
}
