// The worker (KCL's Scheduler): shard sync, the lease renewer and taker on their own periods, one
// ShardConsumer per held lease, and graceful shutdown: stop taking and fetching, let in-flight batches
// finish, call shutdownRequested (the processor flushes and checkpoints), then release every lease so
// other workers take them at once.
import { isPermanentAwsError } from "../aws/permanent-errors";
import { initialCheckpoint, type KclConfig } from "./config";
import type { Lease } from "./lease";
import { type Clock, LeaseCoordinator } from "./lease-coordinator";
import type { LeaseRefresher } from "./lease-refresher";
import { RuntimeMetrics } from "./metrics";
import type { RecordProcessorFactory } from "./record-processor";
import { FanOutFetcher, type FanOutPort } from "./retrieval/fanout-fetcher";
import { type KinesisReadPort, PollingFetcher } from "./retrieval/polling-fetcher";
import { ShardConsumer } from "./shard-consumer";
import { type ShardLister, syncShards } from "./shard-sync";

export interface SchedulerDeps {
  readonly config: KclConfig;
  readonly refresher: LeaseRefresher;
  readonly lister: ShardLister;
  readonly reader: KinesisReadPort;
  /** Enhanced fan-out instead of polling: the registered consumer's ARN is resolved at start. */
  readonly fanOut?: { readonly port: FanOutPort; readonly consumerArn: () => Promise<string> };
  readonly processors: RecordProcessorFactory;
  readonly clock?: Clock;
  readonly metrics?: RuntimeMetrics;
  readonly onError?: (where: string, error: unknown) => void;
  /** Waits between attempts at the start's first shard sync (default: a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Attempts at the start's first shard sync, and the first pause between them (doubling: ~8 s in all). */
export const START_ATTEMPTS = 6;
const START_BACKOFF_MS = 250;

/** An error retrying cannot heal, here or as the cause of a store's own error. */
const isPermanent = (e: unknown): boolean =>
  isPermanentAwsError(e) || isPermanentAwsError((e as { cause?: unknown } | undefined)?.cause);

export class Scheduler {
  readonly coordinator: LeaseCoordinator;
  readonly metrics: RuntimeMetrics;
  private readonly consumers = new Map<string, ShardConsumer>();
  private stopped = false;
  private consumerArn: string | undefined;
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  status: "created" | "running" | "shutting down" | "stopped" = "created";

  constructor(private readonly d: SchedulerDeps) {
    this.metrics = d.metrics ?? new RuntimeMetrics(d.config.workerId);
    this.coordinator = new LeaseCoordinator(
      d.refresher,
      {
        workerId: d.config.workerId,
        failoverTimeMillis: d.config.failoverTimeMillis,
        maxLeasesForWorker: d.config.maxLeasesForWorker,
        maxLeasesToStealAtOneTime: d.config.maxLeasesToStealAtOneTime,
      },
      d.clock ?? { now: Date.now },
      {
        onLeaseLost: (key) => {
          this.metrics.forget(key);
          void this.consumers.get(key)?.leaseLost();
        },
        onLeaseTaken: (_lease, stolen) => {
          if (stolen) this.metrics.steals++;
          else this.metrics.takes++;
        },
      },
    );
  }

  /** Shards this worker is consuming now. */
  shards(): string[] {
    return [...this.consumers.keys()].sort();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const wakers = this.wakers;
      function done() {
        clearTimeout(t);
        wakers.delete(done);
        resolve();
      }
      this.wakers.add(done);
    });
  }

  private every(name: string, ms: number, fn: () => Promise<unknown>): Promise<void> {
    return (async () => {
      while (!this.stopped) {
        try {
          await fn();
        } catch (e) {
          this.d.onError?.(name, e);
        }
        if (!this.stopped) await this.sleep(ms);
      }
    })();
  }

  private startConsumer(lease: Lease): void {
    const consumer = new ShardConsumer({
      lease,
      coordinator: this.coordinator,
      refresher: this.d.refresher,
      processor: this.d.processors(lease.leaseKey),
      config: this.d.config,
      fetcher: (start) =>
        this.consumerArn !== undefined && this.d.fanOut !== undefined
          ? new FanOutFetcher(this.d.fanOut.port, {
              consumerArn: this.consumerArn,
              shardId: lease.leaseKey,
              start,
              ...(this.d.config.initialTimestamp !== undefined
                ? { initialTimestamp: this.d.config.initialTimestamp }
                : {}),
            })
          : new PollingFetcher(this.d.reader, {
              streamName: this.d.config.streamName,
              shardId: lease.leaseKey,
              start,
              maxRecords: this.d.config.maxRecords,
              idleTimeBetweenReadsMs: this.d.config.idleTimeBetweenReadsMillis,
              ...(this.d.config.initialTimestamp !== undefined
                ? { initialTimestamp: this.d.config.initialTimestamp }
                : {}),
            }),
      onBatch: (shardId, batch, ms) =>
        this.metrics.recordBatch(shardId, batch.records.length, batch.millisBehindLatest, ms, Date.now()),
      onCheckpoint: (shardId) => this.metrics.recordCheckpoint(shardId, Date.now()),
      onError: (shardId, e) => this.d.onError?.(`shard ${shardId}`, e),
    });
    this.consumers.set(lease.leaseKey, consumer);
    void consumer.run().finally(() => {
      if (this.consumers.get(lease.leaseKey) === consumer) this.consumers.delete(lease.leaseKey);
      if (!this.stopped && this.coordinator.holds(lease.leaseKey) && consumer.state === "DONE") {
        // A consumer that stopped on an error gives its lease back instead of sitting on it.
        void this.coordinator.release(lease.leaseKey);
      }
    });
  }

  private reconcile(): void {
    if (this.stopped) return;
    for (const lease of this.coordinator.held()) {
      if (!this.consumers.has(lease.leaseKey) && lease.checkpoint.sequenceNumber !== "SHARD_END")
        this.startConsumer(lease);
    }
    this.metrics.leasesHeld = this.coordinator.held().length;
  }

  async start(): Promise<void> {
    if (this.status !== "created") throw new Error(`scheduler already ${this.status}`);
    this.status = "running";
    const cfg = this.d.config;
    // Like the KCL's initialisation, a transient failure (throttling, a timeout) is retried: a task placed
    // while DynamoDB throttles must not end; a permanent one (no such stream or table, no permission) ends
    // the start at once, with its error.
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.d.fanOut !== undefined) this.consumerArn ??= await this.d.fanOut.consumerArn();
        await syncShards(this.d.lister, this.d.refresher, cfg.streamName, initialCheckpoint(cfg));
        break;
      } catch (e) {
        if (attempt >= START_ATTEMPTS || isPermanent(e) || this.stopped) throw e;
        this.d.onError?.("start (retrying)", e);
        await (this.d.sleep ?? ((ms: number) => this.sleep(ms)))(START_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
    this.loops = [
      this.every("shard sync", cfg.shardSyncIntervalMillis, () =>
        syncShards(this.d.lister, this.d.refresher, cfg.streamName, initialCheckpoint(cfg)),
      ),
      this.every("renewer", cfg.renewIntervalMillis, async () => {
        await this.coordinator.renewOnce();
        this.reconcile();
      }),
      this.every("taker", cfg.takeIntervalMillis, async () => {
        await this.coordinator.takeOnce();
        this.reconcile();
      }),
    ];
  }

  /** Graceful shutdown (SIGTERM). Resolves when every lease is released. */
  async shutdown(): Promise<string[]> {
    if (this.status === "stopped") return [];
    this.status = "shutting down";
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.loops);
    await Promise.all([...this.consumers.values()].map((c) => c.requestShutdown()));
    const released = await this.coordinator.releaseAll();
    this.status = "stopped";
    return released;
  }
}
