// An SNS-compatible endpoint for the local stack, answering the real @aws-sdk/client-sns (awsQuery):
// CreateTopic, ListTopics, GetTopicAttributes, Subscribe, Unsubscribe, ListSubscriptionsByTopic,
// Publish and PublishBatch, with message attributes, MessageStructure=json and filter policies. Every
// published message is kept (GET /_flightpulse/messages) and delivered to http(s) subscribers on loopback;
// e-mail and SMS deliveries are recorded as they would be sent.
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { BodyTooLargeError, limitServer, readRequestBody } from "../../ingest/http-limits";
import { choosePort, LOOPBACK } from "../emulators/ports";
import { FilterPolicyError, matchesFilterPolicy, parseFilterPolicy } from "./filter-policy";
import { type MessageAttributeValue, messageAttributes, QueryParams } from "./query-params";
import { errorXml, responseXml, type XmlNode, xmlMap } from "./xml";

export const LOCAL_ACCOUNT = "000000000000";
const MAX_MESSAGE_BYTES = 256 * 1024;
/** A PublishBatch of ten 256 KB messages, form-encoded (up to three bytes a character), fits inside this. */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
const BATCH_LIMIT = 10;

export interface Delivery {
  readonly subscriptionArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly body: string;
  status: "pending" | "delivered" | "failed" | "recorded";
  error?: string;
}

export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageStructure?: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly publishedAt: string;
  readonly deliveries: Delivery[];
}

interface Subscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  readonly attributes: Record<string, string>;
}

class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new SnsError(400, "InvalidParameter", message);

export interface SnsServerOptions {
  readonly port?: number;
  readonly region?: string;
  /** Messages kept in memory (oldest dropped first; default 10,000). */
  readonly keep?: number;
}

export interface SnsServer {
  readonly name: "sns";
  readonly endpoint: string;
  readonly pid: number;
  messages(topicArn?: string): PublishedMessage[];
  topicArn(name: string): string;
  stop(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export async function startSnsServer(options: SnsServerOptions = {}): Promise<SnsServer> {
  const region = options.region ?? "us-east-1";
  const keep = options.keep ?? 10_000;
  const topics = new Map<string, { name: string; attributes: Record<string, string> }>();
  const subscriptions = new Map<string, Subscription>();
  const published: PublishedMessage[] = [];
  const arnOf = (name: string) => `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:${name}`;

  const requireTopic = (arn: string | undefined) => {
    if (arn === undefined) throw invalid("TopicArn is required");
    const t = topics.get(arn);
    if (t === undefined) throw new SnsError(404, "NotFound", "Topic does not exist");
    return t;
  };

  const bodyFor = (protocol: string, message: string, structure: string | undefined) => {
    if (structure !== "json") return message;
    const parsed = JSON.parse(message) as Record<string, string>;
    return parsed[protocol] ?? parsed["default"] ?? "";
  };

  const deliver = (msg: PublishedMessage) => {
    for (const sub of subscriptions.values()) {
      if (sub.topicArn !== msg.topicArn) continue;
      const policy = sub.attributes["FilterPolicy"];
      if (policy !== undefined && !matchesFilterPolicy(parseFilterPolicy(policy), msg.attributes)) continue;
      const body = bodyFor(sub.protocol, msg.message, msg.messageStructure);
      const delivery: Delivery = {
        subscriptionArn: sub.arn,
        protocol: sub.protocol,
        endpoint: sub.endpoint,
        body,
        status: "recorded",
      };
      msg.deliveries.push(delivery);
      if (sub.protocol === "http" || sub.protocol === "https") {
        delivery.status = "pending";
        void postNotification(sub, msg, body, delivery);
      }
    }
  };

  const postNotification = async (
    sub: Subscription,
    msg: PublishedMessage,
    body: string,
    delivery: Delivery,
  ) => {
    const raw = sub.attributes["RawMessageDelivery"] === "true";
    const envelope = {
      Type: "Notification",
      MessageId: msg.messageId,
      TopicArn: msg.topicArn,
      ...(msg.subject !== undefined ? { Subject: msg.subject } : {}),
      Message: body,
      Timestamp: msg.publishedAt,
      SignatureVersion: "1",
      Signature: "local",
      SigningCertURL: "",
      UnsubscribeURL: "",
      MessageAttributes: Object.fromEntries(
        Object.entries(msg.attributes).map(([k, v]) => [
          k,
          { Type: v.DataType, Value: v.StringValue ?? v.BinaryValue ?? "" },
        ]),
      ),
    };
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const res = await fetch(sub.endpoint, {
          method: "POST",
          headers: {
            "content-type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": "Notification",
            "x-amz-sns-message-id": msg.messageId,
            "x-amz-sns-topic-arn": msg.topicArn,
            "x-amz-sns-subscription-arn": sub.arn,
          },
          body: raw ? body : JSON.stringify(envelope),
        });
        if (res.ok) {
          delivery.status = "delivered";
          return;
        }
        delivery.error = `HTTP ${res.status}`;
      } catch (e) {
        delivery.error = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    delivery.status = "failed";
  };

  const publish = (
    topicArn: string,
    message: string | undefined,
    subject: string | undefined,
    structure: string | undefined,
    attributes: Record<string, MessageAttributeValue>,
  ): string => {
    if (message === undefined || message === "") throw invalid("Empty message");
    if (subject !== undefined && (subject.length > 100 || /[\r\n]/.test(subject))) {
      throw invalid("Subject must be at most 100 characters on one line");
    }
    const size = Buffer.byteLength(message) + JSON.stringify(attributes).length;
    if (size > MAX_MESSAGE_BYTES) throw invalid("Message too long");
    if (structure !== undefined && structure !== "json") throw invalid("MessageStructure must be json");
    if (structure === "json") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        throw invalid("Message Structure - JSON message body failed to parse");
      }
      if (typeof parsed !== "object" || parsed === null || !("default" in parsed)) {
        throw invalid("Message Structure - No default entry in JSON message body");
      }
    }
    for (const [name, v] of Object.entries(attributes)) {
      if (!/^(String|Number|Binary)(\..+)?$/.test(v.DataType))
        throw invalid(`The message attribute '${name}' has an invalid message attribute type`);
      if (v.DataType.startsWith("Number") && !Number.isFinite(Number(v.StringValue))) {
        throw invalid(`Could not cast message attribute '${name}' value to number.`);
      }
    }
    const msg: PublishedMessage = {
      messageId: randomUUID(),
      topicArn,
      ...(subject !== undefined ? { subject } : {}),
      message,
      ...(structure !== undefined ? { messageStructure: structure } : {}),
      attributes,
      publishedAt: new Date().toISOString(),
      deliveries: [],
    };
    published.push(msg);
    if (published.length > keep) published.splice(0, published.length - keep);
    deliver(msg);
    return msg.messageId;
  };

  const actions: Record<string, (q: QueryParams) => XmlNode> = {
    CreateTopic: (q) => {
      const name = q.get("Name");
      if (name === undefined || !/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name))
        throw invalid("Invalid parameter: Topic Name");
      const arn = arnOf(name);
      if (!topics.has(arn)) topics.set(arn, { name, attributes: q.map("Attributes") });
      return { TopicArn: arn };
    },
    ListTopics: () => ({ Topics: [...topics.keys()].map((arn) => ({ TopicArn: arn })) }),
    GetTopicAttributes: (q) => {
      const arn = q.get("TopicArn");
      const t = requireTopic(arn);
      const subs = [...subscriptions.values()].filter((s) => s.topicArn === arn).length;
      const attrs: Record<string, string> = {
        ...t.attributes,
        TopicArn: arn as string,
        Owner: LOCAL_ACCOUNT,
        DisplayName: t.attributes["DisplayName"] ?? "",
        SubscriptionsConfirmed: String(subs),
        SubscriptionsPending: "0",
      };
      return {
        Attributes: xmlMap(attrs),
      };
    },
    Subscribe: (q) => {
      const topicArn = q.get("TopicArn");
      requireTopic(topicArn);
      const protocol = q.get("Protocol");
      const endpoint = q.get("Endpoint") ?? "";
      if (
        protocol === undefined ||
        !["http", "https", "email", "email-json", "sms", "sqs", "lambda", "application", "firehose"].includes(
          protocol,
        )
      ) {
        throw invalid("Invalid parameter: Protocol");
      }
      if (protocol === "http" || protocol === "https") {
        let host: string;
        try {
          host = new URL(endpoint).hostname;
        } catch {
          throw invalid("Invalid parameter: Endpoint must be a URL");
        }
        if (!LOOPBACK_HOSTS.has(host))
          throw invalid("Invalid parameter: the local SNS endpoint delivers only to loopback addresses");
      }
      const attributes = q.map("Attributes");
      if (attributes["FilterPolicy"] !== undefined) {
        try {
          parseFilterPolicy(attributes["FilterPolicy"]);
        } catch (e) {
          if (e instanceof FilterPolicyError) throw invalid(`Invalid parameter: ${e.message}`);
          throw e;
        }
      }
      const existing = [...subscriptions.values()].find(
        (s) => s.topicArn === topicArn && s.protocol === protocol && s.endpoint === endpoint,
      );
      if (existing !== undefined) return { SubscriptionArn: existing.arn };
      const arn = `${topicArn}:${randomUUID()}`;
      subscriptions.set(arn, { arn, topicArn: topicArn as string, protocol, endpoint, attributes });
      return { SubscriptionArn: arn };
    },
    Unsubscribe: (q) => {
      const arn = q.get("SubscriptionArn");
      if (arn === undefined || !subscriptions.delete(arn))
        throw new SnsError(404, "NotFound", "Subscription does not exist");
      return undefined;
    },
    ListSubscriptionsByTopic: (q) => {
      const topicArn = q.get("TopicArn");
      requireTopic(topicArn);
      return {
        Subscriptions: [...subscriptions.values()]
          .filter((s) => s.topicArn === topicArn)
          .map((s) => ({
            TopicArn: s.topicArn,
            Protocol: s.protocol,
            SubscriptionArn: s.arn,
            Owner: LOCAL_ACCOUNT,
            Endpoint: s.endpoint,
          })),
      };
    },
    Publish: (q) => {
      const topicArn = q.get("TopicArn") ?? q.get("TargetArn");
      requireTopic(topicArn);
      const id = publish(
        topicArn as string,
        q.get("Message"),
        q.get("Subject"),
        q.get("MessageStructure"),
        messageAttributes(q),
      );
      return { MessageId: id };
    },
    PublishBatch: (q) => {
      const topicArn = q.get("TopicArn");
      requireTopic(topicArn);
      const entries = q.list("PublishBatchRequestEntries");
      if (entries.length === 0)
        throw new SnsError(400, "EmptyBatchRequest", "The batch request doesn't contain any entries.");
      if (entries.length > BATCH_LIMIT) {
        throw new SnsError(
          400,
          "TooManyEntriesInBatchRequest",
          `The batch request contains more entries than permissible (${BATCH_LIMIT}).`,
        );
      }
      const ids = entries.map((e) => e.get("Id") ?? "");
      if (new Set(ids).size !== ids.length)
        throw new SnsError(
          400,
          "BatchEntryIdsNotDistinct",
          "Two or more batch entries in the request have the same Id.",
        );
      const bad = ids.find((id) => !/^[A-Za-z0-9_-]{1,80}$/.test(id));
      if (bad !== undefined)
        throw new SnsError(
          400,
          "InvalidBatchEntryId",
          `The Id of a batch entry in a batch request doesn't abide by the specification: ${bad}`,
        );
      const successful: XmlNode[] = [];
      const failed: XmlNode[] = [];
      entries.forEach((e, i) => {
        try {
          const id = publish(
            topicArn as string,
            e.get("Message"),
            e.get("Subject"),
            e.get("MessageStructure"),
            messageAttributes(e),
          );
          successful.push({ Id: ids[i], MessageId: id });
        } catch (err) {
          if (!(err instanceof SnsError)) throw err;
          failed.push({ Id: ids[i], Code: err.errorCode, Message: err.message, SenderFault: true });
        }
      });
      return { Successful: successful, Failed: failed };
    },
  };

  const server = limitServer(
    http.createServer(async (req, res) => {
      const requestId = randomUUID();
      const url = new URL(req.url ?? "/", "http://local");
      if (req.method === "GET" && url.pathname === "/_flightpulse/messages") {
        const topic = url.searchParams.get("topicArn") ?? undefined;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(published.filter((m) => topic === undefined || m.topicArn === topic)));
        return;
      }
      const send = (status: number, xml: string) => {
        res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
        res.end(xml);
      };
      try {
        const q = QueryParams.parse((await readRequestBody(req, MAX_REQUEST_BYTES)).toString("utf8"));
        const action = q.get("Action") ?? "";
        // Own keys only: "valueOf" or "constructor" must not reach Object.prototype's.
        const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
        if (handler === undefined)
          throw new SnsError(
            400,
            "InvalidAction",
            `The action ${action || "(none)"} is not valid for this endpoint.`,
          );
        send(200, responseXml(action, handler(q), requestId));
      } catch (e) {
        if (e instanceof SnsError) send(e.status, errorXml(e.errorCode, e.message, requestId));
        else if (e instanceof BodyTooLargeError) {
          res.setHeader("connection", "close");
          send(413, errorXml("RequestEntityTooLarge", e.message, requestId));
        } else send(500, errorXml("InternalError", (e as Error).message, requestId, "Receiver"));
      }
    }),
  );

  const port = await choosePort(options.port, "--sns-port");
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    name: "sns",
    endpoint: `http://${LOOPBACK}:${bound}`,
    pid: process.pid,
    messages: (topicArn) => published.filter((m) => topicArn === undefined || m.topicArn === topicArn),
    topicArn: arnOf,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
