// Shard sync (KCL's ShardSyncer): lists the stream's shards and makes sure each has a lease. A shard with
// a parent starts at TRIM_HORIZON (all of it must be read, after the parent); a shard with none starts at
// the configured initial position; a shard whose descendant has a lease was consumed and gets none.
// Finished leases (SHARD_END) are deleted once all their children have leases that started, or once the
// shard left the stream.
import { type KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";
import type { ExtendedSequenceNumber } from "./lease";
import { newLease } from "./lease";
import type { LeaseRefresher } from "./lease-refresher";

export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardIds: readonly string[];
  readonly hashKeyRange: { readonly startingHashKey: string; readonly endingHashKey: string };
}

export interface ShardLister {
  listShards(streamName: string): Promise<ShardInfo[]>;
}

export function sdkShardLister(client: KinesisClient): ShardLister {
  return {
    async listShards(streamName) {
      const shards: ShardInfo[] = [];
      let token: string | undefined;
      do {
        const out = await client.send(
          new ListShardsCommand(token === undefined ? { StreamName: streamName } : { NextToken: token }),
        );
        for (const s of out.Shards ?? []) {
          shards.push({
            shardId: s.ShardId ?? "",
            parentShardIds: [s.ParentShardId, s.AdjacentParentShardId]
              .filter((p): p is string => p !== undefined && p !== null)
              .sort(),
            hashKeyRange: {
              startingHashKey: s.HashKeyRange?.StartingHashKey ?? "0",
              endingHashKey: s.HashKeyRange?.EndingHashKey ?? "0",
            },
          });
        }
        token = out.NextToken;
      } while (token !== undefined);
      return shards;
    },
  };
}

export interface ShardSyncResult {
  readonly created: string[];
  readonly deleted: string[];
}

export async function syncShards(
  lister: ShardLister,
  refresher: LeaseRefresher,
  streamName: string,
  initial: ExtendedSequenceNumber,
): Promise<ShardSyncResult> {
  const shards = await lister.listShards(streamName);
  const leases = new Map((await refresher.listLeases()).map((l) => [l.leaseKey, l]));
  const present = new Set(shards.map((s) => s.shardId));
  // A closed shard stays listed for the stream's retention after its lease is deleted; if a descendant
  // has a lease, the shard was consumed and must not get a new one (it would be read again from the
  // start). As the KCL's shard syncer: ancestors of a leased shard are never leased again.
  const parentsOf = new Map(shards.map((s) => [s.shardId, s.parentShardIds]));
  const consumed = new Set<string>();
  const markAncestors = (id: string) => {
    for (const p of parentsOf.get(id) ?? leases.get(id)?.parentShardIds ?? []) {
      if (consumed.has(p)) continue;
      consumed.add(p);
      markAncestors(p);
    }
  };
  for (const key of leases.keys()) markAncestors(key);
  const created: string[] = [];
  for (const shard of shards) {
    if (leases.has(shard.shardId) || consumed.has(shard.shardId)) continue;
    const hasParent = shard.parentShardIds.some((p) => present.has(p) || leases.has(p));
    const start = hasParent ? { sequenceNumber: "TRIM_HORIZON", subSequenceNumber: 0 } : initial;
    const lease = newLease(shard.shardId, start, {
      parentShardIds: shard.parentShardIds,
      hashKeyRange: shard.hashKeyRange,
    });
    if (await refresher.createLeaseIfNotExists(lease)) created.push(shard.shardId);
  }
  const deleted: string[] = [];
  const after = new Map((await refresher.listLeases()).map((l) => [l.leaseKey, l]));
  for (const lease of after.values()) {
    if (lease.checkpoint.sequenceNumber !== "SHARD_END") continue;
    const children = lease.childShardIds.map((c) => after.get(c));
    const childrenStarted =
      lease.childShardIds.length > 0 &&
      children.every((c) => c !== undefined && c.checkpoint.sequenceNumber !== "TRIM_HORIZON");
    if ((childrenStarted || !present.has(lease.leaseKey)) && (await refresher.deleteLease(lease)))
      deleted.push(lease.leaseKey);
  }
  return { created, deleted };
}
