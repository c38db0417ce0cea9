// Which routes a shard owns: Kinesis puts a record on the shard whose hash key range holds the MD5 of its
// partition key (as an unsigned 128-bit integer), and the partition key is the route. A reshard's child
// takes over its parents' state for exactly these routes.
import { createHash } from "node:crypto";

export interface HashKeyRange {
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

/** The hash key Kinesis derives from a partition key. */
export const hashKeyOf = (partitionKey: string): bigint =>
  BigInt(`0x${createHash("md5").update(partitionKey, "utf8").digest("hex")}`);

/** Whether records with partition key `route` go to the shard with `range`. */
export function routeOwner(range: HashKeyRange): (route: string) => boolean {
  const start = BigInt(range.startingHashKey);
  const end = BigInt(range.endingHashKey);
  return (route) => {
    const h = hashKeyOf(route);
    return h >= start && h <= end;
  };
}
