// Renders the small XML documents SNS answers with (awsQuery responses and errors).

export const SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

export const escapeXml = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");

/** Pre-rendered XML, inserted as is (maps render as `<entry><key/><value/></entry>`). */
export class RawXml {
  constructor(readonly xml: string) {}
}

export type XmlNode =
  | string
  | number
  | boolean
  | undefined
  | RawXml
  | readonly XmlNode[]
  | { readonly [tag: string]: XmlNode };

export const xmlMap = (map: Readonly<Record<string, string>>): RawXml =>
  new RawXml(
    Object.entries(map)
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(v)}</value></entry>`)
      .join(""),
  );

/** Objects become elements, arrays repeat `<member>`, undefined is left out. */
export function toXml(node: XmlNode): string {
  if (node === undefined) return "";
  if (node instanceof RawXml) return node.xml;
  if (typeof node === "string") return escapeXml(node);
  if (typeof node === "number" || typeof node === "boolean") return String(node);
  if (Array.isArray(node)) return node.map((n) => `<member>${toXml(n)}</member>`).join("");
  return Object.entries(node as Record<string, XmlNode>)
    .filter(([, v]) => v !== undefined)
    .map(([tag, v]) => `<${tag}>${toXml(v)}</${tag}>`)
    .join("");
}

export function responseXml(action: string, result: XmlNode, requestId: string): string {
  const body = result === undefined ? "" : `<${action}Result>${toXml(result)}</${action}Result>`;
  return `<?xml version="1.0"?>\n<${action}Response xmlns="${SNS_NAMESPACE}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function errorXml(
  code: string,
  message: string,
  requestId: string,
  type: "Sender" | "Receiver" = "Sender",
): string {
  return `<?xml version="1.0"?>\n<ErrorResponse xmlns="${SNS_NAMESPACE}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
