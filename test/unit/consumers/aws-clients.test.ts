import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { expect } from "chai";
import { clientOptions, createAwsClients, localAwsConfig } from "../../../consumers/aws/clients";

const hasLogger = (c: { middlewareStack: { identify(): string[] } }) =>
  c.middlewareStack.identify().some((m) => m.startsWith("loggerMiddleware"));

describe("AWS clients", () => {
  it("carry no SDK logger middleware (it filtered and discarded a copy of every response)", () => {
    const config = localAwsConfig({ kinesis: "http://127.0.0.1:1", dynamodb: "http://127.0.0.1:1" });
    const plain = new KinesisClient(clientOptions(config, "kinesis"));
    expect(hasLogger(plain), "a plain SDK client has it").to.equal(true);
    const clients = createAwsClients(config);
    try {
      for (const c of [
        clients.kinesis,
        clients.dynamodb,
        clients.sns,
        clients.redshiftData,
        clients.kinesisAnalytics,
      ])
        expect(hasLogger(c), c.constructor.name).to.equal(false);
    } finally {
      clients.destroy();
      plain.destroy();
    }
  });

  it("build a command type's handler chain once, not on every call", async () => {
    // Prepare: an endpoint that answers every request with an empty table description.
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clients = createAwsClients(localAwsConfig({ dynamodb: endpoint }));
    const resolve = DescribeTableCommand.prototype.resolveMiddleware;
    let built = 0;
    DescribeTableCommand.prototype.resolveMiddleware = function (...args) {
      built++;
      return resolve.apply(this, args);
    };
    try {
      // Act: three calls of one command type.
      for (let i = 0; i < 3; i++) await clients.dynamodb.send(new DescribeTableCommand({ TableName: "t" }));
      // Assess
      expect(built).to.equal(1);
    } finally {
      DescribeTableCommand.prototype.resolveMiddleware = resolve;
      clients.destroy();
      server.close();
    }
  });
});
