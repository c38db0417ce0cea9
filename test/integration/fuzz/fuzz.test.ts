// Fuzzing (fast-check, 10,000 cases a target) of every surface that takes outside bytes: the event and
// insight decoders, the ingest endpoint, the local SNS, Data API and Kinesis Analytics endpoints. Never a crash, never a 5xx
// for bad input, always a typed error that says what is wrong, and nothing written when input is refused.
import { mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { decodeRecord, EVENT_TYPES, sampleEvents } from "../../../analytics/events";
import { decodeInsight, INSIGHT_TYPES } from "../../../analytics/insights";
import { startIngestEndpoint } from "../../../ingest/http-endpoint";
import type { KinesisProducer } from "../../../ingest/producer";
import { startKinesisAnalyticsServer } from "../../../local/kinesis-analytics/server";
import { startRedshiftDataServer } from "../../../local/redshift-data/server";
import { startSnsServer } from "../../../local/sns-endpoint/sns-server";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 10_000);
/** Keys every plain object inherits: an action or operation lookup by name must not find them. */
const PROTOTYPE_NAMES = ["valueOf", "toString", "constructor", "hasOwnProperty", "__proto__"] as const;
const REJECTION_CODES = [
  "too_large",
  "invalid_encoding",
  "invalid_json",
  "not_an_object",
  "forbidden_key",
  "unknown_type",
  "unsupported_version",
  "missing_field",
  "unknown_field",
  "invalid_field",
];

const SAMPLES = [
  sampleEvents.bookingCreated(),
  sampleEvents.bookingCancelled(),
  sampleEvents.searchPerformed(),
  sampleEvents.flightScheduled(),
];

/** A valid event with one thing changed: a field replaced, removed, added, or a prototype key slipped in. */
const mutatedEvent = fc
  .tuple(
    fc.constantFrom(...SAMPLES),
    fc.oneof(
      fc.record({ kind: fc.constant("replace"), value: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({ kind: fc.constant("remove"), value: fc.constant(null) }),
      fc.record({ kind: fc.constant("add"), value: fc.jsonValue({ maxDepth: 2 }) }),
      fc.record({ kind: fc.constant("proto"), value: fc.jsonValue({ maxDepth: 2 }) }),
    ),
    fc.nat(),
  )
  .map(([event, change, pick]) => {
    const copy: Record<string, unknown> = { ...event };
    const keys = Object.keys(copy);
    const key = keys[pick % keys.length] as string;
    if (change.kind === "replace") copy[key] = change.value;
    if (change.kind === "remove") delete copy[key];
    if (change.kind === "add") copy[`x${pick % 7}`] = change.value;
    const text = JSON.stringify(copy);
    return change.kind === "proto" ? `{"__proto__":${JSON.stringify(change.value)},${text.slice(1)}` : text;
  });

/** Deeply nested JSON: arrays or objects hundreds of levels down. */
const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${"[".repeat(depth)}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

const outsideBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
  mutatedEvent.map((s) => Buffer.from(s)),
  deepJson.map((s) => Buffer.from(s)),
);

function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string },
  agent: http.Agent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? "POST", headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

describe("fuzzing the surfaces that take outside bytes (fast-check)", function () {
  this.timeout(300_000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  after(() => agent.destroy());

  /** A JSON 1.1 endpoint never answers 5xx to fuzzed operations and bodies; every refusal is typed. */
  async function assertTypedJsonErrors(
    endpoint: string,
    targetPrefix: string,
    target: fc.Arbitrary<string>,
    input: fc.Arbitrary<string>,
  ): Promise<void> {
    await fc.assert(
      fc.asyncProperty(target, input, async (op, body) => {
        const res = await request(
          endpoint,
          {
            headers: {
              "content-type": "application/x-amz-json-1.1",
              "x-amz-target": `${targetPrefix}.${op}`,
            },
            body,
          },
          agent,
        );
        expect(res.status, res.body).to.be.below(500);
        if (res.status >= 400) {
          const err = JSON.parse(res.body) as { __type: string; message: string };
          expect(err.__type).to.match(/^\w+Exception$/);
          expect(err.message).to.be.a("string").and.not.equal("");
        }
      }),
      { numRuns: RUNS },
    );
  }

  it(`event decoder: ${RUNS} inputs, never a throw; every result an event or a typed rejection keeping the bytes`, () => {
    fc.assert(
      fc.property(outsideBytes, (bytes) => {
        const d = decodeRecord(bytes);
        if (d.ok) {
          expect(EVENT_TYPES).to.include(d.event.type);
          expect(
            decodeRecord(JSON.stringify(d.event)).ok,
            "a decoded event re-encodes to a valid one",
          ).to.equal(true);
        } else {
          expect(REJECTION_CODES).to.include(d.rejection.code);
          expect(d.rejection.reason).to.be.a("string").and.not.equal("");
          expect(Buffer.compare(Buffer.from(d.rejection.raw), Buffer.from(bytes))).to.equal(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`insight decoder: ${RUNS} inputs, never a throw; every refusal typed and explained`, () => {
    fc.assert(
      fc.property(outsideBytes, (bytes) => {
        const d = decodeInsight(bytes);
        if (d.ok) expect(INSIGHT_TYPES).to.include(d.insight.type);
        else {
          expect(REJECTION_CODES).to.include(d.code);
          expect(d.reason).to.be.a("string").and.not.equal("");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`ingest endpoint: ${RUNS} requests, a 4xx with a message for every bad body, and nothing written for it`, async () => {
    const written: unknown[] = [];
    const totals = { sent: 0 };
    const producer = {
      totals,
      async putEvents(events: readonly unknown[]) {
        written.push(...events);
        totals.sent += events.length;
      },
    } as unknown as KinesisProducer;
    const endpoint = await startIngestEndpoint({ producer });
    try {
      const body = fc.oneof(
        outsideBytes,
        fc
          .array(mutatedEvent, { maxLength: 5 })
          .map((events) => Buffer.from(`{"events":[${events.join(",")}]}`)),
      );
      await fc.assert(
        fc.asyncProperty(body, fc.constantFrom("application/json", "text/plain", ""), async (bytes, type) => {
          const before = written.length;
          const res = await request(
            `${endpoint.url}/events`,
            { headers: type === "" ? {} : { "content-type": type }, body: bytes },
            agent,
          );
          if (res.status === 200) {
            expect(written.length - before).to.equal((JSON.parse(res.body) as { accepted: number }).accepted);
            return;
          }
          expect(res.status, res.body).to.be.within(400, 499);
          expect((JSON.parse(res.body) as { message: string }).message)
            .to.be.a("string")
            .and.not.equal("");
          expect(written.length, "nothing written for a refused request").to.equal(before);
        }),
        { numRuns: RUNS },
      );
    } finally {
      await endpoint.close();
    }
  });

  it(`local SNS endpoint: ${RUNS} form bodies, an AWS-shaped 4xx error for every bad one`, async () => {
    const sns = await startSnsServer();
    try {
      const param = fc.tuple(
        fc.constantFrom(
          "Action",
          "TopicArn",
          "Message",
          "Name",
          "Subject",
          "MessageStructure",
          "Protocol",
          "Endpoint",
          "PublishBatchRequestEntries.member.1.Id",
          "MessageAttributes.entry.1.Name",
          "MessageAttributes.entry.1.Value.DataType",
          "Attributes.entry.1.key",
          "__proto__",
        ),
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.constantFrom(
            "Publish",
            "CreateTopic",
            "Subscribe",
            "PublishBatch",
            "SetSubscriptionAttributes",
            // Names Object.prototype has: found once by a random run ("Action=valueOf" was a 500).
            ...PROTOTYPE_NAMES,
            "{}",
            "json",
            "%",
            "%zz",
            "&&",
          ),
        ),
      );
      const form = fc.oneof(
        fc
          .array(param, { maxLength: 8 })
          .map((ps) => ps.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")),
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
      );
      await fc.assert(
        fc.asyncProperty(form, async (body) => {
          const res = await request(
            sns.endpoint,
            { headers: { "content-type": "application/x-www-form-urlencoded" }, body },
            agent,
          );
          expect(res.status, res.body).to.be.below(500);
          if (res.status >= 400)
            expect(res.body).to.match(
              /<ErrorResponse[\s\S]*<Code>\w+<\/Code>[\s\S]*<Message>[^<]+<\/Message>/,
            );
        }),
        { numRuns: RUNS },
      );
    } finally {
      await sns.stop();
    }
  });

  it(`local Data API endpoint: ${RUNS} requests, a typed 4xx error for every bad one`, async () => {
    const api = await startRedshiftDataServer({});
    try {
      const target = fc.constantFrom(
        "ExecuteStatement",
        "BatchExecuteStatement",
        "DescribeStatement",
        "GetStatementResult",
        "CancelStatement",
        "ListStatements",
        "Nope",
        ...PROTOTYPE_NAMES,
      );
      const input = fc.oneof(
        fc.json({ maxDepth: 3 }),
        fc.string({ maxLength: 100 }),
        fc
          .record(
            {
              Sql: fc.oneof(fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 1 })),
              Sqls: fc.oneof(
                fc.array(fc.string({ maxLength: 30 }), { maxLength: 45 }),
                fc.jsonValue({ maxDepth: 1 }),
              ),
              Id: fc.oneof(fc.uuid(), fc.jsonValue({ maxDepth: 1 })),
              Database: fc.oneof(fc.constant("dev"), fc.jsonValue({ maxDepth: 1 })),
              WorkgroupName: fc.oneof(fc.constant("wg"), fc.jsonValue({ maxDepth: 1 })),
              Parameters: fc.jsonValue({ maxDepth: 2 }),
              NextToken: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
              MaxResults: fc.jsonValue({ maxDepth: 1 }),
            },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      );
      await assertTypedJsonErrors(api.endpoint, "RedshiftData", target, input);
    } finally {
      await api.stop();
    }
  });

  it(`local Kinesis Analytics V2 endpoint: ${RUNS} requests, a typed 4xx error for every bad one`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flightpulse-fuzz-ka-"));
    const server = await startKinesisAnalyticsServer({
      codeDir: path.join(dir, "code"),
      stateDir: path.join(dir, "state"),
      // No request can name code that exists, so no job may ever start.
      startJob: () => Promise.reject(new Error("a fuzzed request started a job")),
    });
    try {
      const target = fc.constantFrom(
        "CreateApplication",
        "DescribeApplication",
        "UpdateApplication",
        "StartApplication",
        "StopApplication",
        "RollbackApplication",
        "CreateApplicationSnapshot",
        "ListApplicationSnapshots",
        "DescribeApplicationOperation",
        "Nope",
        ...PROTOTYPE_NAMES,
      );
      const anything = fc.jsonValue({ maxDepth: 2 });
      const input = fc.oneof(
        fc.json({ maxDepth: 3 }),
        fc.string({ maxLength: 100 }),
        deepJson,
        fc
          .record(
            {
              ApplicationName: fc.oneof(fc.constant("app"), anything),
              RuntimeEnvironment: fc.oneof(fc.constant("FLINK-1_19"), anything),
              ServiceExecutionRole: anything,
              CurrentApplicationVersionId: anything,
              SnapshotName: anything,
              OperationId: anything,
              Force: anything,
              ApplicationConfiguration: fc.oneof(
                anything,
                fc.record({
                  ApplicationCodeConfiguration: fc.record({
                    CodeContent: fc.record({
                      S3ContentLocation: fc.record({
                        BucketARN: fc.oneof(fc.constant("arn:aws:s3:::bucket"), anything),
                        FileKey: fc.oneof(
                          fc.constant("../../etc/passwd"),
                          fc.string({ maxLength: 20 }),
                          anything,
                        ),
                      }),
                    }),
                  }),
                  EnvironmentProperties: fc.record({ PropertyGroups: anything }),
                  RunConfiguration: anything,
                }),
              ),
              RunConfiguration: anything,
              RunConfigurationUpdate: anything,
              ApplicationConfigurationUpdate: anything,
            },
            { requiredKeys: [] },
          )
          .map((o) => JSON.stringify(o)),
      );
      await assertTypedJsonErrors(server.endpoint, "KinesisAnalytics_20180523", target, input);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
