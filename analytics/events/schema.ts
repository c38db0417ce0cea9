// The event contract, written once. These TypeBox schemas are the single source of truth for the
// TypeScript types (Static<>), the runtime validators (decoder.ts) and the JSON Schema that API Gateway
// uses as its request model (json-schema.ts). Change a field here and all three follow.
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { ISO_4217_CURRENCIES } from "./currencies";

/** Largest record Kinesis accepts (1 MiB); anything larger cannot have come from a valid producer. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export const EVENT_TYPES = [
  "flight.scheduled",
  "booking.created",
  "booking.cancelled",
  "search.performed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Versions of each event type this build understands. */
export const SUPPORTED_VERSIONS: Readonly<Record<EventType, readonly number[]>> = {
  "flight.scheduled": [1],
  "booking.created": [1],
  "booking.cancelled": [1],
  "search.performed": [1],
};

// `errorMessage` is our own keyword: the decoder shows it instead of a generic "expected pattern"; the
// JSON Schema export strips it.
const str = (pattern: string, errorMessage: string, extra: Record<string, unknown> = {}) =>
  Type.String({ pattern, errorMessage, ...extra });

export const IataAirport = str("^[A-Z]{3}$", "must be a 3-letter IATA airport code in upper case, e.g. LHR", {
  description: "IATA airport code",
});
export const FlightNumber = str(
  "^[A-Z0-9]{2}[0-9]{1,4}[A-Z]?$",
  "must be a flight number: 2-character IATA airline designator, 1-4 digits, optional suffix, e.g. FH123",
  { description: "Marketing flight number, e.g. FH123" },
);
export const LocalDate = str(
  "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
  "must be a date YYYY-MM-DD",
  { description: "Local date of departure at the origin (the flight's operating date)" },
);
export const Timestamp = str(
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$",
  "must be an ISO-8601 date-time with a UTC offset, e.g. 2026-11-22T14:05:00Z",
  { description: "ISO-8601 date-time with offset" },
);
export const BookingRef = str("^[A-Z0-9]{6}$", "must be a 6-character booking reference (PNR), e.g. X7K2QD", {
  description: "Booking reference (PNR)",
});
export const EventId = str(
  "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$",
  "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'",
  { description: "Unique, producer-assigned event id (UUID recommended); the deduplication key" },
);
export const Cabin = Type.Union(
  [Type.Literal("economy"), Type.Literal("premium_economy"), Type.Literal("business"), Type.Literal("first")],
  { errorMessage: "must be one of economy, premium_economy, business, first" },
);
export const Channel = Type.Union([Type.Literal("web"), Type.Literal("mobile"), Type.Literal("api")], {
  errorMessage: "must be one of web, mobile, api",
});
export const Currency = Type.Union(
  ISO_4217_CURRENCIES.map((c) => Type.Literal(c)),
  { errorMessage: "must be an ISO 4217 currency code in circulation, e.g. EUR" },
);
export const Money = Type.Object(
  {
    amount: Type.Number({
      minimum: 0,
      maximum: 1_000_000,
      errorMessage: "must be a number from 0 to 1,000,000",
    }),
    currency: Currency,
  },
  { additionalProperties: false },
);
/** Seats in one booking: a PNR holds at most 9 passengers. */
export const SeatCount = Type.Integer({
  minimum: 1,
  maximum: 9,
  errorMessage: "must be a whole number from 1 to 9",
});

const envelope = <T extends EventType>(type: T) => ({
  eventId: EventId,
  type: Type.Literal(type),
  version: Type.Literal(1, { errorMessage: "must be 1" }),
  occurredAt: Timestamp,
});

const flightRef = {
  flightNumber: FlightNumber,
  departureDate: LocalDate,
  origin: IataAirport,
  destination: IataAirport,
};

export const FlightScheduledSchema = Type.Object(
  {
    ...envelope("flight.scheduled"),
    ...flightRef,
    departureTime: Timestamp,
    arrivalTime: Timestamp,
    capacity: Type.Integer({
      minimum: 1,
      maximum: 1000,
      errorMessage: "must be a whole number of seats from 1 to 1000",
    }),
    aircraftType: Type.Optional(
      str("^[A-Z0-9]{3,4}$", "must be an ICAO aircraft type designator, e.g. A320"),
    ),
  },
  {
    additionalProperties: false,
    title: "flight.scheduled",
    description: "A flight was scheduled (or its capacity changed)",
  },
);

export const BookingCreatedSchema = Type.Object(
  {
    ...envelope("booking.created"),
    bookingRef: BookingRef,
    ...flightRef,
    cabin: Cabin,
    seats: SeatCount,
    fare: Money,
    channel: Channel,
  },
  { additionalProperties: false, title: "booking.created", description: "Seats were booked on one flight" },
);

export const BookingCancelledSchema = Type.Object(
  {
    ...envelope("booking.cancelled"),
    bookingRef: BookingRef,
    ...flightRef,
    cabin: Cabin,
    seats: SeatCount,
    refund: Type.Optional(Money),
  },
  {
    additionalProperties: false,
    title: "booking.cancelled",
    description: "Seats of a booking were released",
  },
);

export const SearchPerformedSchema = Type.Object(
  {
    ...envelope("search.performed"),
    origin: IataAirport,
    destination: IataAirport,
    departureDate: LocalDate,
    passengers: SeatCount,
    cabin: Cabin,
    channel: Channel,
  },
  {
    additionalProperties: false,
    title: "search.performed",
    description: "A customer searched a route and date",
  },
);

export const EVENT_SCHEMAS = {
  "flight.scheduled": FlightScheduledSchema,
  "booking.created": BookingCreatedSchema,
  "booking.cancelled": BookingCancelledSchema,
  "search.performed": SearchPerformedSchema,
} as const satisfies Record<EventType, TSchema>;

export type FlightScheduled = Static<typeof FlightScheduledSchema>;
export type BookingCreated = Static<typeof BookingCreatedSchema>;
export type BookingCancelled = Static<typeof BookingCancelledSchema>;
export type SearchPerformed = Static<typeof SearchPerformedSchema>;
export type FlightEvent = FlightScheduled | BookingCreated | BookingCancelled | SearchPerformed;
export type CabinClass = Static<typeof Cabin>;
export type SalesChannel = Static<typeof Channel>;
export type MoneyAmount = Static<typeof Money>;
