// Where manifests live: one DynamoDB item per flight (pk FLIGHT#<flight>, sk MANIFEST), readable by an
// analyst in the console (figures as top-level attributes, bookings as a map), written with optimistic
// concurrency on `version` so a stale writer (a worker that just lost the shard) can never overwrite.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { batchGetItems } from "../../aws/batch-get";
import {
  type BookingLine,
  bookingStatus,
  type FlightManifest,
  figuresOf,
  seatsHeld,
} from "./flight-manifest";

export interface StoredManifest {
  readonly manifest: FlightManifest;
  /** Incremented on every write; the optimistic-concurrency token. */
  readonly version: number;
  /** Highest sequence number applied per shard (sortable, zero-padded); lets replays skip without a write. */
  readonly applied: Readonly<Record<string, string>>;
}

export interface ManifestStore {
  get(flight: string): Promise<StoredManifest | undefined>;
  /**
   * Reads many flights as `get` reads one (strongly consistent), in as few requests as the store allows;
   * a flight with no manifest yet is absent from the map.
   */
  getMany?(flights: readonly string[]): Promise<Map<string, StoredManifest>>;
  /** Writes if the stored version is still `expectedVersion` (undefined: no item yet). False on a lost race. */
  put(next: StoredManifest, expectedVersion: number | undefined): Promise<boolean>;
}

export class ManifestStoreError extends Error {
  readonly code = "MANIFEST_STORE_UNAVAILABLE";
  readonly retryable = true;
}

export class InMemoryManifestStore implements ManifestStore {
  readonly items = new Map<string, StoredManifest>();
  writes = 0;
  reads = 0;
  async get(flight: string): Promise<StoredManifest | undefined> {
    this.reads++;
    return this.items.get(flight);
  }
  async getMany(flights: readonly string[]): Promise<Map<string, StoredManifest>> {
    this.reads++;
    const found = new Map<string, StoredManifest>();
    for (const f of flights) {
      const item = this.items.get(f);
      if (item !== undefined) found.set(f, item);
    }
    return found;
  }
  async put(next: StoredManifest, expectedVersion: number | undefined): Promise<boolean> {
    this.writes++;
    if (this.items.get(next.manifest.flight)?.version !== expectedVersion) return false;
    this.items.set(next.manifest.flight, next);
    return true;
  }
}

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });
const str = (v: AttributeValue | undefined): string => v?.S ?? "";
const num = (v: AttributeValue | undefined): number => Number(v?.N ?? "0");

export const manifestKey = (flight: string) => ({ pk: S(`FLIGHT#${flight}`), sk: S("MANIFEST") });

/**
 * A booking line's attribute, built once per line: lines are immutable and the fold keeps the ones a batch
 * does not touch, so a flight written again rebuilds only its changed bookings.
 */
const bookingAttributes = new WeakMap<BookingLine, AttributeValue>();
function bookingAttribute(b: BookingLine): AttributeValue {
  let a = bookingAttributes.get(b);
  if (a === undefined) {
    a = {
      M: {
        cabin: S(b.cabin),
        seats: N(seatsHeld(b)),
        status: S(bookingStatus(b)),
        bookedSeats: N(b.bookedSeats),
        cancelledSeats: N(b.cancelledSeats),
        updatedAt: S(b.updatedAt),
        eventIds: { L: b.eventIds.map(S) },
      },
    };
    bookingAttributes.set(b, a);
  }
  return a;
}

export function toItem(s: StoredManifest, now: number): Record<string, AttributeValue> {
  const m = s.manifest;
  const f = figuresOf(m);
  const bookings: Record<string, AttributeValue> = {};
  for (const [ref, b] of Object.entries(m.bookings)) bookings[ref] = bookingAttribute(b);
  return {
    ...manifestKey(m.flight),
    flight: S(m.flight),
    flightNumber: S(m.flightNumber),
    departureDate: S(m.departureDate),
    route: S(`${m.origin}-${m.destination}`),
    origin: S(m.origin),
    destination: S(m.destination),
    seatsBooked: N(f.seatsBooked),
    confirmedBookings: N(f.confirmedBookings),
    oversold: { BOOL: f.oversold },
    oversoldBy: N(f.oversoldBy),
    ...(f.capacity !== undefined ? { capacity: N(f.capacity) } : {}),
    ...(f.seatsAvailable !== undefined ? { seatsAvailable: N(f.seatsAvailable) } : {}),
    ...(f.loadFactor !== undefined ? { loadFactor: N(Math.round(f.loadFactor * 10_000) / 10_000) } : {}),
    ...(m.schedule !== undefined
      ? {
          schedule: {
            M: {
              capacity: N(m.schedule.capacity),
              departureTime: S(m.schedule.departureTime),
              occurredAt: S(m.schedule.occurredAt),
              eventId: S(m.schedule.eventId),
              ...(m.schedule.aircraftType !== undefined ? { aircraftType: S(m.schedule.aircraftType) } : {}),
            },
          },
          departureTime: S(m.schedule.departureTime),
        }
      : {}),
    bookings: { M: bookings },
    applied: { M: Object.fromEntries(Object.entries(s.applied).map(([k, v]) => [k, S(v)])) },
    lastEventAt: S(m.lastEventAt),
    updatedAt: S(new Date(now).toISOString()),
    version: N(s.version),
  };
}

export function fromItem(item: Record<string, AttributeValue>): StoredManifest {
  const bookings: Record<string, BookingLine> = {};
  for (const [ref, v] of Object.entries(item["bookings"]?.M ?? {})) {
    const b = v.M ?? {};
    bookings[ref] = {
      cabin: str(b["cabin"]) as BookingLine["cabin"],
      bookedSeats: num(b["bookedSeats"]),
      cancelledSeats: num(b["cancelledSeats"]),
      updatedAt: str(b["updatedAt"]),
      eventIds: (b["eventIds"]?.L ?? []).map(str),
    };
  }
  const sched = item["schedule"]?.M;
  const manifest: FlightManifest = {
    flight: str(item["flight"]),
    flightNumber: str(item["flightNumber"]),
    departureDate: str(item["departureDate"]),
    origin: str(item["origin"]),
    destination: str(item["destination"]),
    bookings,
    lastEventAt: str(item["lastEventAt"]),
    ...(sched !== undefined
      ? {
          schedule: {
            capacity: num(sched["capacity"]),
            departureTime: str(sched["departureTime"]),
            occurredAt: str(sched["occurredAt"]),
            eventId: str(sched["eventId"]),
            ...(sched["aircraftType"] !== undefined ? { aircraftType: str(sched["aircraftType"]) } : {}),
          },
        }
      : {}),
  };
  const applied = Object.fromEntries(Object.entries(item["applied"]?.M ?? {}).map(([k, v]) => [k, str(v)]));
  return { manifest, version: num(item["version"]), applied };
}

/** Attempts at the keys a BatchGetItem leaves unprocessed. */
const BATCH_GET_ATTEMPTS = 8;

export class DynamoDbManifestStore implements ManifestStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** BatchGetItem, 100 flights a request, consistent reads; unprocessed keys retried with backoff. */
  async getMany(flights: readonly string[]): Promise<Map<string, StoredManifest>> {
    const found = new Map<string, StoredManifest>();
    try {
      await batchGetItems(this.client, this.tableName, [...new Set(flights)].map(manifestKey), {
        consistentRead: true,
        maxAttempts: BATCH_GET_ATTEMPTS,
        sleep: this.sleep,
        onResponse: (items) => {
          for (const item of items) {
            const stored = fromItem(item);
            found.set(stored.manifest.flight, stored);
          }
        },
      });
    } catch (e) {
      throw new ManifestStoreError(
        `manifest table ${this.tableName}: ${(e as Error).name}: ${(e as Error).message}`,
        { cause: e },
      );
    }
    return found;
  }

  async get(flight: string): Promise<StoredManifest | undefined> {
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: manifestKey(flight), ConsistentRead: true }),
      );
      return out.Item === undefined ? undefined : fromItem(out.Item);
    } catch (e) {
      throw new ManifestStoreError(
        `manifest table ${this.tableName}: ${(e as Error).name}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }

  async put(next: StoredManifest, expectedVersion: number | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(next, this.now()),
          ...(expectedVersion === undefined
            ? { ConditionExpression: "attribute_not_exists(pk)" }
            : {
                ConditionExpression: "version = :v",
                ExpressionAttributeValues: { ":v": N(expectedVersion) },
              }),
        }),
      );
      return true;
    } catch (e) {
      if (
        e instanceof ConditionalCheckFailedException ||
        (e as Error).name === "ConditionalCheckFailedException"
      )
        return false;
      throw new ManifestStoreError(
        `manifest table ${this.tableName}: ${(e as Error).name}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  }
}
