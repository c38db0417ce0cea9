// The stack's customer-managed KMS key: streams, tables, topics, buckets, logs, the image repository and
// the warehouse are encrypted with it. Its policy lets the account administer it and lets the AWS services
// that publish into encrypted topics (CloudWatch alarms) and write encrypted logs use it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { baseTags } from "./common";

export interface EncryptionArgs {
  readonly stack: string;
  readonly accountId: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
}

export class Encryption extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;

  constructor(name: string, args: EncryptionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:security:Encryption", name, {}, opts);
    const tags = baseTags(args.stack, "encryption");
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `flightpulse ${args.stack}: data at rest`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.all([args.accountId, args.region]).apply(([account, region]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "AccountAdministers",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${account}:root` },
                Action: "kms:*",
                Resource: "*",
              },
              {
                Sid: "AlarmsPublishToEncryptedTopics",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceAccount": account } },
              },
              {
                Sid: "EncryptedLogGroups",
                Effect: "Allow",
                Principal: { Service: `logs.${region}.amazonaws.com` },
                Action: [
                  "kms:Encrypt",
                  "kms:Decrypt",
                  "kms:ReEncrypt*",
                  "kms:GenerateDataKey*",
                  "kms:Describe*",
                ],
                Resource: "*",
                Condition: {
                  ArnLike: {
                    "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${account}:log-group:*`,
                  },
                },
              },
            ],
          }),
        ),
        tags,
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/flightpulse-${args.stack}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.registerOutputs({ keyArn: this.key.arn });
  }
}
