// Per-protocol bodies for an alert: a readable e-mail with every figure and a dashboard link, and an SMS
// that fits one 160-character segment. Sent with MessageStructure=json so each subscriber gets its own.
import type { AlertNotice } from "./alert-notice";

export const SMS_LIMIT = 160;
/** SNS e-mail subjects must be under 100 characters. */
const SUBJECT_LIMIT = 99;

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const label = (name: string) => name.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
const figure = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export function alertSubject(a: AlertNotice): string {
  return clip(`[flightpulse ${a.severity}] ${a.summary}`, SUBJECT_LIMIT);
}

export function alertEmail(a: AlertNotice, dashboardUrl?: string): string {
  const lines = [
    a.summary,
    "",
    `Route:     ${a.origin} → ${a.destination} (${a.route})`,
    ...(a.flight !== undefined ? [`Flight:    ${a.flight}`] : []),
    `Alert:     ${a.alertType} (${a.severity})`,
    `Window:    ${iso(a.windowStart)} – ${iso(a.windowEnd)}`,
    "",
    "Figures:",
    ...Object.entries(a.figures).map(([k, v]) => `  ${label(k).padEnd(22)} ${figure(v)}`),
    "",
    ...(dashboardUrl !== undefined
      ? [`Dashboard: ${dashboardUrl}/#route=${encodeURIComponent(a.route)}`, ""]
      : []),
    `Alert id: ${a.alertId}`,
    "You receive this because your subscription's filter policy matches this route or alert type.",
  ];
  return lines.join("\n");
}

/** At most 160 characters: route, type, the two most telling figures. */
export function alertSms(a: AlertNotice): string {
  const top = Object.entries(a.figures)
    .slice(0, 2)
    .map(([k, v]) => `${label(k)} ${figure(v)}`)
    .join(", ");
  return clip(`flightpulse ${a.severity.toUpperCase()}: ${a.summary}${top ? ` (${top})` : ""}`, SMS_LIMIT);
}

/** The JSON message body for MessageStructure=json: one body per protocol, `default` for the rest. */
export function alertMessage(a: AlertNotice, dashboardUrl?: string): string {
  const email = alertEmail(a, dashboardUrl);
  return JSON.stringify({
    default: JSON.stringify({ ...a, windowStart: iso(a.windowStart), windowEnd: iso(a.windowEnd) }),
    email,
    "email-json": JSON.stringify(a),
    sms: alertSms(a),
  });
}

/** Message attributes that subscription filter policies match on. */
export function alertAttributes(a: AlertNotice): Record<string, { DataType: "String"; StringValue: string }> {
  const attrs: Record<string, string> = {
    route: a.route,
    origin: a.origin,
    destination: a.destination,
    alertType: a.alertType,
    severity: a.severity,
  };
  return Object.fromEntries(
    Object.entries(attrs).map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
  );
}
