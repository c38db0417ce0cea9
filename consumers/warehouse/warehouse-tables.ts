// The warehouse tables the loader writes (sql/redshift/ creates them): columns, types and the natural
// key MERGE de-duplicates on, so a replayed row replaces itself instead of doubling.

export type ColumnType = "text" | "int" | "decimal" | "timestamp" | "date" | "bool";

export interface TableSpec {
  readonly table: string;
  readonly key: readonly string[];
  readonly columns: readonly (readonly [name: string, type: ColumnType])[];
}

const t = (table: string, key: string[], columns: [string, ColumnType][]): TableSpec => ({
  table,
  key,
  columns,
});

export const WAREHOUSE_TABLES: readonly TableSpec[] = [
  t(
    "booking_facts",
    ["event_id"],
    [
      ["event_id", "text"],
      ["booking_ref", "text"],
      ["flight", "text"],
      ["route", "text"],
      ["cabin", "text"],
      ["seats", "int"],
      ["fare_amount", "decimal"],
      ["fare_currency", "text"],
      ["channel", "text"],
      ["occurred_at", "timestamp"],
      ["shard_id", "text"],
      ["sequence_number", "text"],
    ],
  ),
  t(
    "search_facts",
    ["event_id"],
    [
      ["event_id", "text"],
      ["route", "text"],
      ["departure_date", "date"],
      ["passengers", "int"],
      ["cabin", "text"],
      ["channel", "text"],
      ["occurred_at", "timestamp"],
      ["shard_id", "text"],
      ["sequence_number", "text"],
    ],
  ),
  t(
    "cancellation_facts",
    ["event_id"],
    [
      ["event_id", "text"],
      ["booking_ref", "text"],
      ["flight", "text"],
      ["route", "text"],
      ["cabin", "text"],
      ["seats", "int"],
      ["refund_amount", "decimal"],
      ["refund_currency", "text"],
      ["occurred_at", "timestamp"],
      ["shard_id", "text"],
      ["sequence_number", "text"],
    ],
  ),
  t(
    "flights",
    ["flight"],
    [
      ["flight", "text"],
      ["flight_number", "text"],
      ["departure_date", "date"],
      ["route", "text"],
      ["departure_time", "timestamp"],
      ["arrival_time", "timestamp"],
      ["capacity", "int"],
      ["aircraft_type", "text"],
      ["event_id", "text"],
      ["occurred_at", "timestamp"],
    ],
  ),
  t(
    "route_panes",
    ["route", "pane_start", "shard_id"],
    [
      ["shard_id", "text"],
      ["route", "text"],
      ["pane_start", "timestamp"],
      ["pane_end", "timestamp"],
      ["searches", "int"],
      ["bookings", "int"],
      ["seats_booked", "int"],
      ["cancellations", "int"],
      ["seats_cancelled", "int"],
      ["net_seats", "int"],
      ["revenue", "decimal"],
      ["look_to_book", "decimal"],
    ],
  ),
  t(
    "route_windows",
    ["route", "window_start", "shard_id"],
    [
      ["shard_id", "text"],
      ["route", "text"],
      ["window_start", "timestamp"],
      ["window_end", "timestamp"],
      ["searches", "int"],
      ["bookings", "int"],
      ["seats_booked", "int"],
      ["revenue", "decimal"],
    ],
  ),
  t(
    "route_channel_panes",
    ["route", "pane_start", "channel"],
    [
      ["route", "text"],
      ["pane_start", "timestamp"],
      ["channel", "text"],
      ["searches", "int"],
      ["bookings", "int"],
    ],
  ),
  t(
    "alerts",
    ["alert_id"],
    [
      ["alert_id", "text"],
      ["alert_type", "text"],
      ["severity", "text"],
      ["route", "text"],
      ["flight", "text"],
      ["window_start", "timestamp"],
      ["window_end", "timestamp"],
      ["figures", "text"],
      ["summary", "text"],
    ],
  ),
  t(
    "manifest_snapshots",
    ["flight", "version"],
    [
      ["flight", "text"],
      ["version", "int"],
      ["route", "text"],
      ["departure_date", "date"],
      ["capacity", "int"],
      ["seats_booked", "int"],
      ["load_factor", "decimal"],
      ["oversold", "bool"],
      ["snapshot_at", "timestamp"],
    ],
  ),
  t(
    "airport_demand_insights",
    ["window_start", "airport", "direction"],
    [
      ["window_start", "timestamp"],
      ["window_end", "timestamp"],
      ["airport", "text"],
      ["direction", "text"],
      ["searches", "int"],
      ["bookings", "int"],
      ["seats", "int"],
      ["look_to_book", "decimal"],
    ],
  ),
  t(
    "top_route_insights",
    ["window_end", "route"],
    [
      ["window_start", "timestamp"],
      ["window_end", "timestamp"],
      ["rank", "int"],
      ["route", "text"],
      ["origin", "text"],
      ["destination", "text"],
      ["seats", "int"],
      ["bookings", "int"],
    ],
  ),
  t(
    "channel_conversion_insights",
    ["window_start", "channel"],
    [
      ["window_start", "timestamp"],
      ["window_end", "timestamp"],
      ["channel", "text"],
      ["searches", "int"],
      ["bookings", "int"],
      ["seats", "int"],
      ["look_to_book", "decimal"],
    ],
  ),
  t(
    "rejected_events",
    ["shard_id", "sequence_number", "sub_sequence"],
    [
      ["shard_id", "text"],
      ["sequence_number", "text"],
      ["sub_sequence", "int"],
      ["code", "text"],
      ["reason", "text"],
      ["path", "text"],
      ["raw_base64", "text"],
      ["raw_bytes", "int"],
      ["raw_truncated", "bool"],
      ["rejected_at", "timestamp"],
    ],
  ),
];

export const tableSpec = (table: string): TableSpec => {
  const spec = WAREHOUSE_TABLES.find((s) => s.table === table);
  if (spec === undefined) throw new Error(`unknown warehouse table ${table}`);
  return spec;
};
