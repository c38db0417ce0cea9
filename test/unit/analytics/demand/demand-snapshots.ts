// A crash and a restore from a state snapshot, for the demand properties: the pipeline runs some inputs,
// its state is read as a worker reads it at a checkpoint, goes through the bytes it is stored as, and a
// new pipeline (a new worker) starts from it and runs the rest.
import { Subject, VirtualTimeScheduler } from "rxjs";
import type { DemandOptions } from "../../../../analytics/demand/demand-options";
import { demandPipeline } from "../../../../analytics/demand/demand-pipeline";
import {
  completeSnapshot,
  decodeSnapshot,
  encodeSnapshot,
  type SnapshotParts,
} from "../../../../analytics/demand/shard-snapshot";
import type { DemandInput, DemandOutput, ShardPosition } from "../../../../analytics/demand/stream-items";
import type { BaselineStore } from "../../../../analytics/rules/route-baseline";
import { SMALL } from "./demand-factories";

/** Runs `inputs`; returns the outputs and a function reading the state now (as bytes would restore it). */
export function runLive(
  inputs: readonly DemandInput[],
  baselines: BaselineStore,
  options: DemandOptions = SMALL,
): {
  outputs: DemandOutput[];
  feed: (input: DemandInput) => void;
  snapshot: (shardId: string) => ReturnType<typeof decodeSnapshot>;
} {
  const outputs: DemandOutput[] = [];
  const input = new Subject<DemandInput>();
  // A virtual clock that never runs: no idle advance, the one processing-time behaviour.
  input
    .pipe(demandPipeline(options, baselines, new VirtualTimeScheduler()))
    .subscribe((o) => outputs.push(o));
  let last: ShardPosition = { sequenceNumber: "TRIM_HORIZON" };
  const feed = (i: DemandInput) => {
    if (i.kind === "events" && i.events.length > 0)
      last = (i.events.at(-1) as { position: ShardPosition }).position;
    input.next(i);
  };
  for (const i of inputs) feed(i);
  return {
    outputs,
    feed,
    snapshot: (shardId) => {
      const parts: Partial<SnapshotParts> = {};
      input.next({ kind: "snapshot", shardId, parts });
      const bytes = encodeSnapshot(completeSnapshot(shardId, last, options, parts));
      return decodeSnapshot(bytes, { shardId, options });
    },
  };
}

/**
 * Runs `before`, crashes after taking the snapshot a checkpoint takes, and runs `after` on a new pipeline
 * restored from it (the baselines survive, as they do behind their port). The outputs of both runs.
 */
export function crashAndRestore(
  shardId: string,
  before: readonly DemandInput[],
  after: readonly DemandInput[],
  baselines: BaselineStore,
): { before: DemandOutput[]; after: DemandOutput[] } {
  const first = runLive(before, baselines);
  const restored = first.snapshot(shardId);
  const second = runLive([{ kind: "shard-started", shardId, resumed: true, restored }, ...after], baselines);
  return { before: first.outputs, after: second.outputs };
}
