// What a shard consumer reads from: polling GetRecords or an enhanced fan-out subscription.
import type { FetchResult } from "./polling-fetcher";

export interface RecordsFetcher {
  /** The next batch (possibly empty). */
  next(): Promise<FetchResult>;
  readonly shardEnded: boolean;
  /** Ends any open subscription. */
  close?(): void;
}
