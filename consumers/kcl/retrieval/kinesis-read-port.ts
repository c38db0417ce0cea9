// SDK v3 adapter of KinesisReadPort.
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import type { KinesisReadPort } from "./polling-fetcher";

export function sdkKinesisReadPort(client: KinesisClient): KinesisReadPort {
  return {
    async getShardIterator(streamName, shardId, position) {
      const out = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: position.type,
          ...(position.type === "AT_SEQUENCE_NUMBER"
            ? { StartingSequenceNumber: position.sequenceNumber }
            : {}),
          ...(position.type === "AT_TIMESTAMP" ? { Timestamp: position.timestamp } : {}),
        }),
      );
      if (out.ShardIterator === undefined) throw new Error(`no iterator for ${streamName}/${shardId}`);
      return out.ShardIterator;
    },
    async getRecords(iterator, limit) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      return {
        records: (out.Records ?? []).map((r) => ({
          data: r.Data ?? new Uint8Array(),
          partitionKey: r.PartitionKey ?? "",
          sequenceNumber: r.SequenceNumber ?? "0",
          ...(r.ApproximateArrivalTimestamp !== undefined
            ? { approximateArrivalTimestamp: r.ApproximateArrivalTimestamp }
            : {}),
        })),
        ...(out.NextShardIterator !== undefined && out.NextShardIterator !== null
          ? { nextShardIterator: out.NextShardIterator }
          : {}),
        ...(out.MillisBehindLatest !== undefined ? { millisBehindLatest: out.MillisBehindLatest } : {}),
        childShards: (out.ChildShards ?? []).map((c) => ({
          shardId: c.ShardId ?? "",
          parentShards: c.ParentShards ?? [],
        })),
      };
    },
  };
}
