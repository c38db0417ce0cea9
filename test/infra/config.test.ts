import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { filterPolicyOf } from "../../pulumi/components/alerts";
import { loadStackConfig, StackConfigError } from "../../pulumi/config";

const config = (values: Record<string, string>) =>
  ({ get: (k: string) => values[k] }) as unknown as pulumi.Config;
const valid = { flinkJar: __filename };

describe("stack configuration (pulumi/config.ts)", () => {
  it("applies documented defaults", () => {
    const c = loadStackConfig(config(valid), "dev");
    expect(c).to.include({
      streamMode: "PROVISIONED",
      shardCount: 1,
      workerCount: 1,
      azCount: 2,
      redshiftBaseCapacity: 8,
      quicksightEnabled: false,
    });
  });

  it("refuses bad values, naming every key at once", () => {
    let err: unknown;
    try {
      loadStackConfig(
        config({
          streamMode: "FAST",
          workerCount: "5",
          workerMaxCount: "2",
          redshiftBaseCapacity: "10",
          azCount: "1",
          quicksightEnabled: "true",
          flinkJar: "/nonexistent/insights.jar",
          alertSubscriptions:
            '[{"protocol":"sms","endpoint":"12345"},{"protocol":"email","endpoint":"x@y.z","origins":["lhr"]}]',
        }),
        "dev",
      );
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(StackConfigError);
    const text = (err as StackConfigError).problems.join("\n");
    for (const key of [
      "flightpulse:streamMode",
      "flightpulse:workerMaxCount",
      "flightpulse:redshiftBaseCapacity",
      "flightpulse:azCount",
      "flightpulse:flinkJar",
      "flightpulse:quicksightPrincipalArn",
      "flightpulse:alertSubscriptions[0].endpoint",
      "flightpulse:alertSubscriptions[1].origins",
    ]) {
      expect(text).to.include(key);
    }
  });

  it("names the build command when the Flink jar is missing", () => {
    expect(() => loadStackConfig(config({ flinkJar: "/nonexistent/insights.jar" }), "dev")).to.throw(
      StackConfigError,
      /flightpulse:flinkJar: the Flink application's jar \/nonexistent\/insights.jar does not exist; build it with `npm run build:flink`/,
    );
  });

  it("turns a revenue team's origins and alert types into an SNS filter policy", () => {
    expect(
      filterPolicyOf({ protocol: "email", endpoint: "a@b.c", origins: ["LHR"], alertTypes: ["oversold"] }),
    ).to.deep.equal({
      origin: ["LHR"],
      alertType: ["oversold"],
    });
    expect(filterPolicyOf({ protocol: "email", endpoint: "a@b.c" })).to.equal(undefined);
  });
});
