// The contract of the demand-insights stream: what the Managed Flink app (sql/flink) writes, one JSON
// object per record, and what the insight consumers read. Written once in TypeBox: the TypeScript types,
// the validator (decoder.ts) and the static check that the SQL's sink columns match (test/unit/flink).
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { IataAirport } from "../events/schema";

export const INSIGHT_TYPES = [
  "insight.airport-demand",
  "insight.top-route",
  "insight.channel-conversion",
] as const;
export type InsightType = (typeof INSIGHT_TYPES)[number];

/** Window bounds as the SQL writes them: UTC, whole seconds, trailing Z. */
const WindowBound = Type.String({
  pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
  description: "Window bound, UTC (start inclusive, end exclusive)",
});
const Count = Type.Integer({ minimum: 0 });
/** bookings / searches; null when the window had no search. */
const LookToBook = Type.Union([Type.Number({ minimum: 0 }), Type.Null()]);

const envelope = <T extends InsightType>(type: T) => ({
  type: Type.Literal(type),
  version: Type.Literal(1),
  windowStart: WindowBound,
  windowEnd: WindowBound,
});

export const AirportDemandSchema = Type.Object(
  {
    ...envelope("insight.airport-demand"),
    airport: IataAirport,
    direction: Type.Union([Type.Literal("departing"), Type.Literal("arriving")]),
    searches: Count,
    bookings: Count,
    seats: Count,
    lookToBook: LookToBook,
  },
  {
    additionalProperties: false,
    description: "Demand at one airport in a 5-minute window, as origin or destination",
  },
);

export const TopRouteSchema = Type.Object(
  {
    ...envelope("insight.top-route"),
    rank: Type.Integer({ minimum: 1, maximum: 10 }),
    route: Type.String({ pattern: "^[A-Z]{3}-[A-Z]{3}$" }),
    origin: IataAirport,
    destination: IataAirport,
    seats: Count,
    bookings: Count,
  },
  {
    additionalProperties: false,
    description: "One of the 10 routes with most seats booked in a 15-minute window",
  },
);

export const ChannelConversionSchema = Type.Object(
  {
    ...envelope("insight.channel-conversion"),
    channel: Type.Union([Type.Literal("web"), Type.Literal("mobile"), Type.Literal("api")]),
    searches: Count,
    bookings: Count,
    seats: Count,
    lookToBook: LookToBook,
  },
  {
    additionalProperties: false,
    description: "Network look-to-book of one sales channel in a 5-minute window",
  },
);

export const INSIGHT_SCHEMAS = {
  "insight.airport-demand": AirportDemandSchema,
  "insight.top-route": TopRouteSchema,
  "insight.channel-conversion": ChannelConversionSchema,
} as const satisfies Record<InsightType, TSchema>;

/** The warehouse table (sql/redshift/010_network_insights.sql) each insight type is loaded into. */
export const INSIGHT_TABLES: Readonly<Record<InsightType, string>> = {
  "insight.airport-demand": "airport_demand_insights",
  "insight.top-route": "top_route_insights",
  "insight.channel-conversion": "channel_conversion_insights",
};

/** An insight field's column in the warehouse and the reference SQL: lookToBook → look_to_book. */
export const columnOf = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export type AirportDemandInsight = Static<typeof AirportDemandSchema>;
export type TopRouteInsight = Static<typeof TopRouteSchema>;
export type ChannelConversionInsight = Static<typeof ChannelConversionSchema>;
export type Insight = AirportDemandInsight | TopRouteInsight | ChannelConversionInsight;
