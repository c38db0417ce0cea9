// The V8 flags every worker process runs with, in ECS (Dockerfile CMD), in `npm start` (local workers) and
// in the benchmarks, so a measured figure is the figure of the process that runs in production.
//
// A worker allocates a short-lived event, its strings and its stream items for every record (hundreds of
// MB/s at full rate); with V8's default 16 MB semi-spaces a batch's events are still alive at the next
// scavenge and get copied, then promoted, then collected again by a full mark. A 64 MB semi-space lets a
// batch die young. Measured on the analytics benchmark (bench/RESULTS.md, docs/performance.md): GC pauses
// 0.29 → 0.07 µs/event, median 0.61× → 0.82× DuckDB. Costs at most 3 × 64 MB of the task's memory
// (1 GB by default).
export const WORKER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=64"];
