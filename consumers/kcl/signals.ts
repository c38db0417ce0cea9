// SIGTERM/SIGINT → graceful shutdown, as ECS stops tasks on deploys and scale-in: the first signal starts
// the hand-off (checkpoint, release leases); a second one, or the deadline (inside the task's stopTimeout),
// forces the exit. A signal while the worker is still starting (ECS stops tasks that never got going) is
// held until the start has settled, then handled the same way.
import type { Scheduler } from "./scheduler";

export interface SignalOptions {
  readonly signals?: readonly NodeJS.Signals[];
  /** Force exit if the hand-off takes longer (default 100 s, under ECS's 120 s stopTimeout). */
  readonly deadlineMs?: number;
  readonly exit?: (code: number) => void;
  readonly log?: (message: string) => void;
  /** The worker's start, when the handlers go in before it: the hand-off waits for it to settle. */
  readonly starting?: Promise<unknown>;
}

export function shutdownOnSignals(
  scheduler: Pick<Scheduler, "shutdown">,
  options: SignalOptions = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log ?? (() => {});
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      exit(130);
      return;
    }
    stopping = true;
    log(`${signal}: handing leases over`);
    const deadline = setTimeout(() => {
      log("shutdown deadline passed: exiting");
      exit(1);
    }, options.deadlineMs ?? 100_000);
    deadline.unref();
    Promise.resolve(options.starting)
      .catch(() => {})
      .then(() => scheduler.shutdown())
      .then(
        (released) => {
          clearTimeout(deadline);
          log(`released ${released.length} lease(s)`);
          exit(0);
        },
        (e: Error) => {
          clearTimeout(deadline);
          log(`shutdown failed: ${e.message}`);
          exit(1);
        },
      );
  };
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
