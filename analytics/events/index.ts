// The event contract: types, validation and JSON Schema from one source (schema.ts).
export * from "./currencies";
export * from "./decoder";
export * from "./json-schema";
export * from "./keys";
export * as sampleEvents from "./sample-events";
export * from "./schema";
