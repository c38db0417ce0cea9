// The demand-insights contract: what the Flink SQL app writes and the insight consumers read.
export * from "./decoder";
export * from "./schema";
