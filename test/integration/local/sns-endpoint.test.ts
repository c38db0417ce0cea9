import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { expect } from "chai";
import { clientOptions, localAwsConfig } from "../../../consumers/aws/clients";
import { type SnsServer, startSnsServer } from "../../../local/sns-endpoint/sns-server";

describe("local SNS endpoint, through the real SDK v3 client", () => {
  let sns: SnsServer;
  let client: SNSClient;
  let topicArn: string;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  before(async () => {
    sns = await startSnsServer();
    client = new SNSClient({
      ...clientOptions(localAwsConfig({ sns: sns.endpoint }), "sns"),
      maxAttempts: 1,
    });
    topicArn = (await client.send(new CreateTopicCommand({ Name: "flightpulse-local-demand-alerts" })))
      .TopicArn as string;
    receiver = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/sns`;
  });
  after(async () => {
    client.destroy();
    await sns.stop();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  it("creates topics idempotently and lists them", async () => {
    const again = await client.send(new CreateTopicCommand({ Name: "flightpulse-local-demand-alerts" }));
    expect(again.TopicArn).to.equal(topicArn);
    expect(topicArn).to.equal("arn:aws:sns:us-east-1:000000000000:flightpulse-local-demand-alerts");
    const list = await client.send(new ListTopicsCommand({}));
    expect(list.Topics?.map((t) => t.TopicArn)).to.deep.equal([topicArn]);
    const attrs = await client.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(attrs.Attributes?.["TopicArn"]).to.equal(topicArn);
  });

  it("publishes with message attributes kept, readable in process", async () => {
    const out = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: "Surge on LHR-JFK",
        Message: "bookings 4x baseline",
        MessageAttributes: {
          route: { DataType: "String", StringValue: "LHR-JFK" },
          severity: { DataType: "String", StringValue: "warning" },
          ratio: { DataType: "Number", StringValue: "4.2" },
        },
      }),
    );
    const msg = sns.messages(topicArn).find((m) => m.messageId === out.MessageId);
    expect(msg?.subject).to.equal("Surge on LHR-JFK");
    expect(msg?.attributes).to.deep.equal({
      route: { DataType: "String", StringValue: "LHR-JFK" },
      severity: { DataType: "String", StringValue: "warning" },
      ratio: { DataType: "Number", StringValue: "4.2" },
    });
    const overHttp = (await (await fetch(`${sns.endpoint}/_flightpulse/messages`)).json()) as {
      messageId: string;
    }[];
    expect(overHttp.map((m) => m.messageId)).to.include(out.MessageId);
  });

  it("delivers to HTTP subscribers whose filter policy matches, with per-protocol bodies", async () => {
    const sub = await client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "http",
        Endpoint: receiverUrl,
        Attributes: {
          FilterPolicy: JSON.stringify({ origin: ["LHR"], severity: [{ "anything-but": "info" }] }),
        },
        ReturnSubscriptionArn: true,
      }),
    );
    await client.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: "email", Endpoint: "revenue-lhr@example.com" }),
    );
    const subs = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(subs.Subscriptions?.map((s) => s.Protocol).sort()).to.deep.equal(["email", "http"]);
    const attrs = (origin: string, severity: string) => ({
      origin: { DataType: "String", StringValue: origin },
      severity: { DataType: "String", StringValue: severity },
    });
    const message = JSON.stringify({ default: "plain", http: "for http", email: "for email" });
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: message,
        MessageStructure: "json",
        MessageAttributes: attrs("LHR", "warning"),
      }),
    );
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: message,
        MessageStructure: "json",
        MessageAttributes: attrs("JFK", "warning"),
      }),
    );
    await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: message,
        MessageStructure: "json",
        MessageAttributes: attrs("LHR", "info"),
      }),
    );
    const deadline = Date.now() + 5000;
    while (received.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(received).to.have.length(1);
    const envelope = JSON.parse(received[0]?.body ?? "{}");
    expect(envelope).to.include({ Type: "Notification", TopicArn: topicArn, Message: "for http" });
    expect(received[0]?.headers["x-amz-sns-subscription-arn"]).to.equal(sub.SubscriptionArn);
    const emails = sns.messages(topicArn).flatMap((m) => m.deliveries.filter((d) => d.protocol === "email"));
    expect(emails.map((d) => d.body)).to.deep.equal(["for email", "for email", "for email"]);
  });

  it("publishes a batch of up to 10 with per-entry results, and refuses 11", async () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({
      Id: `a${i}`,
      Message: i === 3 ? "" : `alert ${i}`,
      MessageAttributes: { alertType: { DataType: "String", StringValue: "demand_surge" } },
    }));
    const out = await client.send(
      new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
    );
    expect(out.Successful).to.have.length(9);
    expect(out.Failed?.map((f) => [f.Id, f.Code])).to.deep.equal([["a3", "InvalidParameter"]]);
    const eleven = [...entries, { Id: "a10", Message: "x" }];
    const err = await client
      .send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: eleven }))
      .catch((e: Error) => e);
    expect((err as Error).name).to.equal("TooManyEntriesInBatchRequestException");
  });

  it("answers AWS-shaped errors the SDK maps to typed exceptions", async () => {
    const missing = await client
      .send(new PublishCommand({ TopicArn: "arn:aws:sns:us-east-1:000000000000:nope", Message: "x" }))
      .catch((e: Error) => e);
    expect((missing as Error).name).to.equal("NotFoundException");
    const bad = await client
      .send(new PublishCommand({ TopicArn: topicArn, Message: "{}", MessageStructure: "json" }))
      .catch((e: Error) => e);
    expect((bad as Error).name).to.equal("InvalidParameterException");
    expect((bad as Error).message).to.include("No default entry");
    const remote = await client
      .send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol: "https", Endpoint: "https://example.com/hook" }),
      )
      .catch((e: Error) => e);
    expect((remote as Error).message).to.include("only to loopback");
  });
});
