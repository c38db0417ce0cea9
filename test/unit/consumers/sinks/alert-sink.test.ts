import { expect } from "chai";
import {
  alertEmail,
  alertMessage,
  alertSms,
  alertSubject,
  SMS_LIMIT,
} from "../../../../consumers/sinks/alerts/alert-format";
import type { AlertNotice } from "../../../../consumers/sinks/alerts/alert-notice";
import { AlertSink } from "../../../../consumers/sinks/alerts/alert-sink";
import { InMemoryAlertStateStore } from "../../../../consumers/sinks/alerts/alert-state-store";
import { AlertPublishError } from "../../../../consumers/sinks/alerts/errors";
import type { AlertPublisher, PublishOutcome } from "../../../../consumers/sinks/alerts/sns-alert-publisher";

const T0 = Date.UTC(2026, 10, 22, 14, 0);
const MIN = 60_000;

const alert = (over: Partial<AlertNotice> = {}): AlertNotice => ({
  alertId: `LHR-JFK#demand_surge#${over.windowEnd ?? T0}`,
  alertType: "demand_surge",
  severity: "warning",
  route: "LHR-JFK",
  origin: "LHR",
  destination: "JFK",
  windowStart: T0 - 15 * MIN,
  windowEnd: T0,
  figures: { bookings: 184, baseline: 52.5, ratio: 3.5, seatsBooked: 301 },
  summary: "Bookings 3.5× baseline on LHR-JFK",
  ...over,
});

function recordingPublisher(failIds: Set<string> = new Set()) {
  const calls: string[][] = [];
  const publisher: AlertPublisher = {
    async publish(alerts): Promise<PublishOutcome> {
      calls.push(alerts.map((a) => a.alertId));
      return {
        published: alerts.filter((a) => !failIds.has(a.alertId)).map((a) => a.alertId),
        failed: alerts
          .filter((a) => failIds.has(a.alertId))
          .map((a) => ({ alertId: a.alertId, reason: "Throttled" })),
      };
    },
  };
  return { publisher, calls };
}

describe("alert formatting", () => {
  it("fits an SMS in 160 characters, even with a long summary", () => {
    expect(alertSms(alert()).length).to.be.at.most(SMS_LIMIT);
    expect(alertSms(alert())).to.include("LHR-JFK").and.include("bookings 184");
    expect(alertSms(alert({ summary: "x".repeat(400) })).length).to.equal(SMS_LIMIT);
    expect(alertSubject(alert({ summary: "y".repeat(300) })).length).to.be.below(100);
  });

  it("writes an e-mail with every figure, the window and a dashboard link", () => {
    const body = alertEmail(alert(), "http://127.0.0.1:8080");
    expect(body).to.include("LHR → JFK").and.include("2026-11-22T13:45:00Z – 2026-11-22T14:00:00Z");
    for (const f of ["bookings", "baseline", "ratio", "seats booked"]) expect(body).to.include(f);
    expect(body).to.include("http://127.0.0.1:8080/#route=LHR-JFK");
  });

  it("builds a MessageStructure=json body with a default and per-protocol entries", () => {
    const m = JSON.parse(alertMessage(alert()));
    expect(Object.keys(m).sort()).to.deep.equal(["default", "email", "email-json", "sms"]);
    expect(JSON.parse(m.default)).to.include({ alertId: alert().alertId, windowEnd: "2026-11-22T14:00:00Z" });
  });
});

describe("alert sink", () => {
  it("sends one alert per surge and suppresses repeats within the cooldown", async () => {
    const { publisher, calls } = recordingPublisher();
    const sink = new AlertSink({ state: new InMemoryAlertStateStore(), publisher, cooldownMs: 30 * MIN });
    const first = await sink.send([alert(), alert({ windowEnd: T0 + MIN })]);
    expect(first.sent).to.deep.equal([alert().alertId]);
    expect(first.suppressed).to.deep.equal([alert({ windowEnd: T0 + MIN }).alertId]);
    expect(first.alreadySent, "a repeat in the cooldown is not an alert that happened").to.deep.equal([]);
    const later = await sink.send([alert({ windowEnd: T0 + 31 * MIN })]);
    expect(later.sent).to.have.length(1);
    expect(calls).to.have.length(2);
  });

  it("keeps one alert when the same surge is replayed by another worker after failover", async () => {
    const state = new InMemoryAlertStateStore();
    const a = recordingPublisher();
    await new AlertSink({ state, publisher: a.publisher }).send([alert()]);
    const b = recordingPublisher();
    const replay = await new AlertSink({ state, publisher: b.publisher }).send([alert()]);
    expect(replay).to.deep.equal({ sent: [], suppressed: [alert().alertId], alreadySent: [alert().alertId] });
    expect(b.calls).to.deep.equal([]);
  });

  it("treats subjects and alert types separately", async () => {
    const { publisher } = recordingPublisher();
    const sink = new AlertSink({ state: new InMemoryAlertStateStore(), publisher });
    const r = await sink.send([
      alert(),
      alert({ alertId: "x1", route: "CDG-FCO", origin: "CDG", destination: "FCO" }),
      alert({ alertId: "x2", alertType: "oversold", flight: "FH101:2026-12-01" }),
    ]);
    expect(r.sent).to.have.length(3);
  });

  it("throws a retryable error when SNS refuses, and the retry sends the alert once", async () => {
    const state = new InMemoryAlertStateStore();
    const failing = recordingPublisher(new Set([alert().alertId]));
    const err = await new AlertSink({ state, publisher: failing.publisher })
      .send([alert()])
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AlertPublishError);
    expect((err as AlertPublishError).retryable).to.equal(true);
    const healthy = recordingPublisher();
    const retry = await new AlertSink({ state, publisher: healthy.publisher }).send([alert()]);
    expect(retry.sent).to.deep.equal([alert().alertId]);
    const again = await new AlertSink({ state, publisher: healthy.publisher }).send([alert()]);
    expect(again.sent).to.deep.equal([]);
  });

  it("remembers alerts settled for good, so judging a full flight again costs no state-table call", async () => {
    // Prepare: a state store that counts claims.
    const state = new InMemoryAlertStateStore();
    let claims = 0;
    const counting = Object.assign(Object.create(state) as InMemoryAlertStateStore, {
      claim: (...args: Parameters<InMemoryAlertStateStore["claim"]>) => {
        claims++;
        return state.claim(...args);
      },
    });
    const { publisher, calls } = recordingPublisher();
    const sink = new AlertSink({ state: counting, publisher });
    // Act: the same alert three times, then a later one of the same subject inside the cooldown, twice.
    for (let i = 0; i < 3; i++) await sink.send([alert()]);
    for (let i = 0; i < 2; i++) await sink.send([alert({ alertId: "later", windowEnd: T0 + MIN })]);
    // Assess: one claim each, one publish in all.
    expect(claims).to.equal(2);
    expect(calls).to.have.length(1);
  });

  it("claims different subjects side by side, and one subject's alerts in order", async () => {
    // Prepare: a state store whose claims take a tick, logging when each starts and ends.
    const state = new InMemoryAlertStateStore();
    const log: string[] = [];
    let active = 0;
    let mostActive = 0;
    const slow = Object.assign(Object.create(state) as InMemoryAlertStateStore, {
      claim: async (...args: Parameters<InMemoryAlertStateStore["claim"]>) => {
        log.push(`start ${args[1]}`);
        mostActive = Math.max(mostActive, ++active);
        await new Promise((r) => setImmediate(r));
        active--;
        log.push(`end ${args[1]}`);
        return state.claim(...args);
      },
    });
    const { publisher, calls } = recordingPublisher();
    const other = (route: string) =>
      alert({
        alertId: `${route}#demand_surge#${T0}`,
        route,
        origin: route.slice(0, 3),
        destination: route.slice(4),
      });
    const first = alert();
    const repeat = alert({ windowEnd: T0 + MIN });
    // Act: the subject's repeat listed before the other subjects.
    const r = await new AlertSink({ state: slow, publisher }).send([
      first,
      repeat,
      other("CDG-FCO"),
      other("AMS-MAD"),
    ]);
    // Assess: three subjects at once; the repeat claimed after its subject's first, and refused.
    expect(mostActive).to.equal(3);
    expect(log.indexOf(`start ${repeat.alertId}`)).to.be.greaterThan(log.indexOf(`end ${first.alertId}`));
    expect(r.sent).to.deep.equal([first.alertId, other("CDG-FCO").alertId, other("AMS-MAD").alertId]);
    expect(r.suppressed).to.deep.equal([repeat.alertId]);
    expect(calls).to.have.length(1);
  });
});
