// Windowed demand per route and high-demand detection: pure RxJS operators, time injected.
export * from "../rules/alert-cooldown";
export * from "../rules/flight-rules";
export * from "../rules/route-baseline";
export * from "../rules/surge-rule";
export * from "./currency-table";
export * from "./demand-figures";
export * from "./demand-options";
export * from "./demand-pipeline";
export * from "./errors";
export * from "./shard-snapshot";
export * from "./sliding-demand";
export * from "./stream-items";
export * from "./tumbling-panes";
export * from "./with-watermarks";
