// A record processor that only counts and checkpoints: the baseline for what the runtime itself costs.
import type { RecordProcessor } from "../consumers/kcl/record-processor";

export const countingProcessor = (count: (records: number) => void): RecordProcessor => ({
  initialize: async () => {},
  processRecords: async ({ records, checkpointer }) => {
    count(records.length);
    await checkpointer.checkpoint();
  },
  leaseLost: async () => {},
  shardEnded: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
  shutdownRequested: async ({ checkpointer }) => void (await checkpointer.checkpoint()),
});
