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
});
