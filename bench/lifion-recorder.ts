// lifion-kinesis (the Node peer, aws-sdk v2) as a consumer process for the drain benchmark: it counts,
// writing one B line per batch in the interop record-log format (test/interop/worker-process.ts), and
// auto-checkpoints as its users run it. Options as JSON in argv[2].
import { appendFileSync } from "node:fs";

interface Options {
  readonly stream: string;
  readonly kinesis: string;
  readonly dynamodb: string;
  readonly table: string;
  readonly worker: string;
  readonly out: string;
}

type Lifion = new (
  o: Record<string, unknown>,
) => {
  on(e: "data", f: (d: { records: unknown[]; shardId?: string }) => void): void;
  on(e: "error", f: (e: Error) => void): void;
  startConsumer(): Promise<void>;
};

function main(o: Options): void {
  // aws-sdk v2 reads credentials from the environment only.
  process.env["AWS_ACCESS_KEY_ID"] = "local";
  process.env["AWS_SECRET_ACCESS_KEY"] = "local";
  process.env["AWS_REGION"] = "us-east-1";
  const Consumer = require("lifion-kinesis") as Lifion;
  const consumer = new Consumer({
    streamName: o.stream,
    consumerGroup: o.table,
    createStreamIfNeeded: false,
    useEnhancedFanOut: false,
    useAutoCheckpoints: true,
    initialPositionInStream: "TRIM_HORIZON",
    shouldParseJson: false,
    leaseAcquisitionInterval: 200,
    noRecordsPollDelay: 200,
    pollDelay: 0,
    limit: 10_000,
    endpoint: o.kinesis,
    region: "us-east-1",
    dynamoDb: { endpoint: o.dynamodb, region: "us-east-1", tableName: o.table },
  });
  consumer.on("data", (d) => {
    appendFileSync(o.out, `B\t${d.shardId ?? "?"}\t${d.records.length}\t${o.worker}\t${Date.now()}\n`);
  });
  consumer.on("error", (e) => console.error(`lifion: ${e.message}`));
  consumer.startConsumer().catch((e: Error) => {
    console.error(`lifion failed to start: ${e.message}`);
    process.exit(1);
  });
}

if (require.main === module) main(JSON.parse(process.argv[2] ?? "{}") as Options);
