// Builds every AWS SDK v3 client from one typed config. The same adapters talk to AWS or to the local
// emulators: only the endpoint, credentials and HTTP handler differ, never the business code.
import * as http from "node:http";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { KinesisAnalyticsV2Client } from "@aws-sdk/client-kinesis-analytics-v2";
import { RedshiftDataClient } from "@aws-sdk/client-redshift-data";
import { SNSClient } from "@aws-sdk/client-sns";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { KinesisJsonProtocol } from "../kcl/retrieval/get-records-protocol";

export type AwsService = "kinesis" | "dynamodb" | "sns" | "redshiftData" | "kinesisAnalytics";

export interface AwsConfig {
  readonly region: string;
  /** Endpoint overrides (local emulators). A service with no override talks to AWS. */
  readonly endpoints?: Partial<Record<AwsService, string>>;
  /**
   * Static credentials. Required whenever an endpoint is overridden: with none, the SDK would fall back
   * to the instance-metadata address, which must never be contacted on a developer machine.
   */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** SDK retry attempts (the SDK's own default is 3). */
  readonly maxAttempts?: number;
}

/** Credentials the local emulators accept; they check nothing, the SDK only needs something to sign. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
export const LOCAL_REGION = "us-east-1";

export interface AwsClients {
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
  readonly sns: SNSClient;
  readonly redshiftData: RedshiftDataClient;
  readonly kinesisAnalytics: KinesisAnalyticsV2Client;
  destroy(): void;
}

export function clientOptions(config: AwsConfig, service: AwsService) {
  const endpoint = config.endpoints?.[service];
  if (endpoint !== undefined && config.credentials === undefined) {
    throw new Error(`AWS endpoint override for ${service} (${endpoint}) needs explicit credentials`);
  }
  return {
    region: config.region,
    // The handler chain built once per command type instead of on every call: 71–159 µs less SDK CPU a
    // request, measured with no network (docs/performance.md). Middleware must then be added before the
    // first call, as ours is (clients are built, then used).
    cacheMiddleware: true,
    ...(config.maxAttempts !== undefined ? { maxAttempts: config.maxAttempts } : {}),
    ...(config.credentials !== undefined ? { credentials: { ...config.credentials } } : {}),
    ...(endpoint !== undefined
      ? {
          endpoint,
          // Local emulators speak HTTP/1.1 only (the Kinesis client defaults to HTTP/2, which kinesalite
          // refuses and kinesis-local mishandles under concurrency and on SubscribeToShard).
          requestHandler: new NodeHttpHandler({
            httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
          }),
        }
      : {}),
  };
}

/**
 * A Kinesis client as the consumer runtime uses it: GetRecords pages read without the SDK's schema walk
 * (get-records-protocol.ts), its hot path. Every Kinesis client the runtime reads through is built here.
 */
export function kinesisClient(config: AwsConfig): KinesisClient {
  return new KinesisClient({ ...clientOptions(config, "kinesis"), protocol: KinesisJsonProtocol });
}

interface SdkClient {
  destroy(): void;
  readonly middlewareStack: { remove(name: string): boolean };
}

/**
 * Drops the SDK's logger middleware. We log through our own logger and give the SDK none, but its default
 * no-op logger still has an `info`, so for every call the middleware built a sensitive-data-filtered copy
 * of the input and the output (a whole GetRecords page, record by record) only to throw it away: a few
 * per cent of a worker's CPU in its profile (docs/performance.md).
 */
function withoutSdkLogging<T extends SdkClient>(client: T): T {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}

/** Clients are created lazily: a worker that never publishes never builds an SNS client. */
export function createAwsClients(config: AwsConfig): AwsClients {
  const made: { destroy(): void }[] = [];
  const lazy = <T extends SdkClient>(make: () => T): (() => T) => {
    let client: T | undefined;
    return () => {
      if (client === undefined) {
        client = withoutSdkLogging(make());
        made.push(client);
      }
      return client;
    };
  };
  const kinesis = lazy(() => kinesisClient(config));
  const dynamodb = lazy(() => new DynamoDBClient(clientOptions(config, "dynamodb")));
  const sns = lazy(() => new SNSClient(clientOptions(config, "sns")));
  const redshiftData = lazy(() => new RedshiftDataClient(clientOptions(config, "redshiftData")));
  const kinesisAnalytics = lazy(
    () => new KinesisAnalyticsV2Client(clientOptions(config, "kinesisAnalytics")),
  );
  return {
    get kinesis() {
      return kinesis();
    },
    get dynamodb() {
      return dynamodb();
    },
    get sns() {
      return sns();
    },
    get redshiftData() {
      return redshiftData();
    },
    get kinesisAnalytics() {
      return kinesisAnalytics();
    },
    destroy() {
      for (const c of made.splice(0)) c.destroy();
    },
  };
}

/** Config for talking to a local stack whose endpoints are known. */
export function localAwsConfig(endpoints: Partial<Record<AwsService, string>>): AwsConfig {
  return { region: LOCAL_REGION, endpoints, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 };
}
