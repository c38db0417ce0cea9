// Alerts: the demand-alerts and operations SNS topics, KMS-encrypted, with a policy that refuses non-TLS
// publishing and lets this account's CloudWatch alarms publish to operations. E-mail and SMS subscriptions
// come from stack config, each with a filter policy (e.g. one revenue team per origin airport).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceNames } from "../../analytics/resource-names";
import type { AlertSubscription } from "../config";
import { baseTags } from "./common";

export interface AlertsArgs {
  readonly stack: string;
  readonly names: ResourceNames;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly accountId: pulumi.Input<string>;
  readonly subscriptions: readonly AlertSubscription[];
  readonly oncallEmails: readonly string[];
}

/** The SNS filter policy for a revenue team's subscription (message attributes set by the alert sink). */
export function filterPolicyOf(s: AlertSubscription): Record<string, string[]> | undefined {
  const policy: Record<string, string[]> = {};
  if (s.origins !== undefined && s.origins.length > 0) policy["origin"] = [...s.origins];
  if (s.alertTypes !== undefined && s.alertTypes.length > 0) policy["alertType"] = [...s.alertTypes];
  return Object.keys(policy).length > 0 ? policy : undefined;
}

export class Alerts extends pulumi.ComponentResource {
  readonly demandTopic: aws.sns.Topic;
  readonly operationsTopic: aws.sns.Topic;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:alerts:Alerts", name, {}, opts);
    const tags = baseTags(args.stack, "alerts");
    const topic = (logical: string, topicName: string, allowAlarms: boolean) => {
      const t = new aws.sns.Topic(
        logical,
        { name: topicName, kmsMasterKeyId: args.kmsKeyArn, tags },
        { parent: this },
      );
      new aws.sns.TopicPolicy(
        `${logical}-policy`,
        {
          arn: t.arn,
          policy: pulumi.all([t.arn, args.accountId]).apply(([arn, account]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Sid: "TlsOnly",
                  Effect: "Deny",
                  Principal: "*",
                  Action: "sns:Publish",
                  Resource: arn,
                  Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
                ...(allowAlarms
                  ? [
                      {
                        Sid: "AccountAlarms",
                        Effect: "Allow",
                        Principal: { Service: "cloudwatch.amazonaws.com" },
                        Action: "sns:Publish",
                        Resource: arn,
                        Condition: { StringEquals: { "aws:SourceAccount": account } },
                      },
                    ]
                  : []),
              ],
            }),
          ),
        },
        { parent: this },
      );
      return t;
    };
    this.demandTopic = topic(`${name}-demand`, args.names.demandAlertsTopic, false);
    this.operationsTopic = topic(`${name}-operations`, args.names.operationsTopic, true);
    args.subscriptions.forEach((s, i) => {
      const filter = filterPolicyOf(s);
      new aws.sns.TopicSubscription(
        `${name}-demand-${s.protocol}-${i}`,
        {
          topic: this.demandTopic.arn,
          protocol: s.protocol,
          endpoint: s.endpoint,
          ...(filter !== undefined
            ? { filterPolicy: JSON.stringify(filter), filterPolicyScope: "MessageAttributes" }
            : {}),
        },
        { parent: this },
      );
    });
    args.oncallEmails.forEach((email, i) => {
      new aws.sns.TopicSubscription(
        `${name}-oncall-${i}`,
        { topic: this.operationsTopic.arn, protocol: "email", endpoint: email },
        { parent: this },
      );
    });
    this.registerOutputs({
      demandTopicArn: this.demandTopic.arn,
      operationsTopicArn: this.operationsTopic.arn,
    });
  }
}
