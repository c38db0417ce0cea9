// The permissions of each role flightpulse creates, from the ARNs of exactly what that role touches.
import { allow, type PolicyDocument, policy } from "./policy-document";

const KMS_USE = ["kms:Decrypt", "kms:GenerateDataKey"];

export interface WorkerPolicyArgs {
  readonly bookingStreamArn: string;
  /** The Flink app's output, read by the workers' second lease application. */
  readonly insightsStreamArn: string;
  readonly tableArns: readonly string[];
  readonly topicArns: readonly string[];
  readonly kmsKeyArn: string;
  readonly redshiftWorkgroupArn: string;
  readonly accountId: string;
}

/** What the consumer worker does, and nothing else (mirrors consumers/: KCL runtime and sinks). */
export function workerPolicy(a: WorkerPolicyArgs): PolicyDocument {
  return policy(
    allow(
      "ReadStreams",
      [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:ListShards",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:RegisterStreamConsumer",
        "kinesis:DescribeStreamConsumer",
        "kinesis:ListStreamConsumers",
      ],
      [a.bookingStreamArn, a.insightsStreamArn],
    ),
    allow(
      "EnhancedFanOut",
      ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"],
      [`${a.bookingStreamArn}/consumer/*`],
    ),
    allow(
      "LeasesManifestsAlertState",
      [
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:BatchWriteItem",
        // The baseline store reads a batch's routes in one call, the manifest sink its flights.
        "dynamodb:BatchGetItem",
      ],
      a.tableArns,
    ),
    allow("PublishAlerts", ["sns:Publish"], a.topicArns),
    allow("EncryptedResources", KMS_USE, [a.kmsKeyArn]),
    allow(
      "WarehouseRun",
      ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
      [a.redshiftWorkgroupArn],
    ),
    allow("WarehouseCredentials", ["redshift-serverless:GetCredentials"], [a.redshiftWorkgroupArn]),
    {
      // These Data API calls take no resource ARN; AWS's documented scoping is to statements this
      // identity itself ran.
      Sid: "WarehouseOwnStatements",
      Effect: "Allow",
      Action: [
        "redshift-data:DescribeStatement",
        "redshift-data:GetStatementResult",
        "redshift-data:CancelStatement",
        "redshift-data:ListStatements",
      ],
      Resource: "*",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, resolved by IAM.
      Condition: { StringEquals: { "redshift-data:statement-owner-iam-userid": "${aws:userid}" } },
    },
  );
}

export function firehosePolicy(a: {
  streamArn: string;
  bucketArn: string;
  kmsKeyArn: string;
  logGroupArn: string;
}): PolicyDocument {
  return policy(
    allow(
      "ReadStream",
      ["kinesis:DescribeStream", "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards"],
      [a.streamArn],
    ),
    allow(
      "WriteArchive",
      [
        "s3:AbortMultipartUpload",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:PutObject",
      ],
      [a.bucketArn, `${a.bucketArn}/*`],
    ),
    allow("Encryption", KMS_USE, [a.kmsKeyArn]),
    allow("DeliveryErrors", ["logs:PutLogEvents"], [`${a.logGroupArn}:*`]),
  );
}

export function apiGatewayPolicy(a: { streamArn: string; kmsKeyArn: string }): PolicyDocument {
  return policy(
    allow("PutEvents", ["kinesis:PutRecord", "kinesis:PutRecords"], [a.streamArn]),
    allow("Encryption", ["kms:GenerateDataKey"], [a.kmsKeyArn]),
  );
}

export function flinkPolicy(a: {
  sourceStreamArn: string;
  sinkStreamArn: string;
  codeObjectArn: string;
  kmsKeyArn: string;
  logGroupArn: string;
}): PolicyDocument {
  return policy(
    allow(
      "ReadBookings",
      [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
      ],
      [a.sourceStreamArn],
    ),
    allow(
      "WriteInsights",
      [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:PutRecord",
        "kinesis:PutRecords",
        "kinesis:ListShards",
      ],
      [a.sinkStreamArn],
    ),
    allow("ApplicationCode", ["s3:GetObject", "s3:GetObjectVersion"], [a.codeObjectArn]),
    allow("Encryption", KMS_USE, [a.kmsKeyArn]),
    allow("Logs", ["logs:DescribeLogStreams", "logs:PutLogEvents"], [`${a.logGroupArn}:*`]),
  );
}

/** The task execution role: pull the image, write the container's logs. */
export function executionPolicy(a: {
  repositoryArn: string;
  logGroupArn: string;
  kmsKeyArn: string;
}): PolicyDocument {
  return policy(
    allow(
      "PullImage",
      ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
      [a.repositoryArn],
    ),
    {
      // ECR issues registry-wide tokens; the action has no resource to scope to.
      Sid: "RegistryToken",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: "*",
    },
    allow("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"], [`${a.logGroupArn}:*`]),
    allow("Encryption", ["kms:Decrypt"], [a.kmsKeyArn]),
  );
}

/** QuickSight's VPC connection: it places network interfaces in the private subnets, nothing else. */
export function quicksightVpcPolicy(a: {
  region: string;
  accountId: string;
  subnetIds: readonly string[];
  securityGroupId: string;
}): PolicyDocument {
  const arn = (kind: string, id: string) => `arn:aws:ec2:${a.region}:${a.accountId}:${kind}/${id}`;
  return policy(
    allow(
      "PlaceInterfaces",
      ["ec2:CreateNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute", "ec2:DeleteNetworkInterface"],
      [
        ...a.subnetIds.map((s) => arn("subnet", s)),
        arn("security-group", a.securityGroupId),
        arn("network-interface", "*"),
      ],
    ),
    {
      // EC2 Describe* calls support no resource-level permissions.
      Sid: "DescribeNetwork",
      Effect: "Allow",
      Action: ["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"],
      Resource: "*",
    },
  );
}

/** Statements allowed to use a `*` resource, with why: the policy tests hold every other one to ARNs. */
export const UNSCOPABLE_ACTIONS: Readonly<Record<string, string>> = {
  "ecr:GetAuthorizationToken": "registry-wide token; no resource-level permission exists",
  "redshift-data:DescribeStatement": "no resource ARN; scoped by statement-owner condition",
  "redshift-data:GetStatementResult": "no resource ARN; scoped by statement-owner condition",
  "redshift-data:CancelStatement": "no resource ARN; scoped by statement-owner condition",
  "redshift-data:ListStatements": "no resource ARN; scoped by statement-owner condition",
  "sts:AssumeRole": "trust policies name a service principal, not a resource",
  "ec2:DescribeSubnets": "EC2 Describe calls have no resource-level permissions",
  "ec2:DescribeSecurityGroups": "EC2 Describe calls have no resource-level permissions",
};
