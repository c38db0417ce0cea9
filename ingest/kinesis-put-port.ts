// The one Kinesis operation the producer needs, as a port, with its SDK v3 adapter. Tests inject partial
// failures and throttling through a fake; the adapter is exercised against the emulators.
import { type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";

export interface PutRecordEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
}

export interface PutRecordOutcome {
  readonly sequenceNumber?: string;
  readonly shardId?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface KinesisPutPort {
  /** One PutRecords call; outcomes are positional, as in the API. Throws on whole-request failure. */
  putRecords(streamName: string, records: readonly PutRecordEntry[]): Promise<readonly PutRecordOutcome[]>;
}

export function sdkKinesisPutPort(client: KinesisClient): KinesisPutPort {
  return {
    async putRecords(streamName, records) {
      const out = await client.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: records.map((r) => ({
            Data: r.data,
            PartitionKey: r.partitionKey,
            ...(r.explicitHashKey !== undefined ? { ExplicitHashKey: r.explicitHashKey } : {}),
          })),
        }),
      );
      return (out.Records ?? []).map((r) => ({
        ...(r.SequenceNumber !== undefined ? { sequenceNumber: r.SequenceNumber } : {}),
        ...(r.ShardId !== undefined ? { shardId: r.ShardId } : {}),
        ...(r.ErrorCode !== undefined ? { errorCode: r.ErrorCode } : {}),
        ...(r.ErrorMessage !== undefined ? { errorMessage: r.ErrorMessage } : {}),
      }));
    },
  };
}
