// ConsumerService: the KCL-style workers as an ECS Fargate service in the private subnets of at least two
// AZs: image repository, task role with exactly the worker's permissions, a stop timeout long enough for
// the graceful lease hand-off, deployment circuit breaker with rollback, autoscaling on CPU and on the
// stream's iterator age, and a log group with retention.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { executionPolicy, workerPolicy } from "../iam/policies";
import { baseTags, serviceRole } from "./common";

export interface ConsumerServiceArgs {
  readonly stack: string;
  readonly region: string;
  readonly accountId: pulumi.Input<string>;
  readonly securityGroupId: pulumi.Input<string>;
  readonly subnetIds: pulumi.Input<string>[];
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly bookingStreamArn: pulumi.Input<string>;
  readonly insightsStreamArn: pulumi.Input<string>;
  readonly bookingStreamName: pulumi.Input<string>;
  readonly tableArns: pulumi.Input<string[]>;
  readonly topicArns: pulumi.Input<string>[];
  readonly redshiftWorkgroupArn: pulumi.Input<string>;
  readonly environment: pulumi.Input<{ name: string; value: string }[]>;
  readonly desiredCount: number;
  readonly maxCount: number;
  readonly cpu: number;
  readonly memory: number;
  readonly imageTag: string;
  readonly logRetentionDays: number;
  readonly iteratorAgeAlarmMs: number;
  readonly healthPort: number;
}

/** Fargate's maximum: time from SIGTERM to SIGKILL, for flush, checkpoint and lease release. */
export const STOP_TIMEOUT_SECONDS = 120;

export class ConsumerService extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly cluster: aws.ecs.Cluster;
  readonly service: aws.ecs.Service;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly taskRole: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: ConsumerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:consumers:ConsumerService", name, {}, opts);
    const tags = baseTags(args.stack, "consumer-service");
    this.repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: `flightpulse-${args.stack}-worker`,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
        tags,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-repo-lifecycle`,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: "keep the last 30 images",
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
              action: { type: "expire" },
            },
          ],
        }),
      },
      { parent: this },
    );
    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/flightpulse/${args.stack}/worker`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags,
      },
      { parent: this },
    );
    this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      {
        name: `flightpulse-${args.stack}`,
        settings: [{ name: "containerInsights", value: "enabled" }],
        tags,
      },
      { parent: this },
    );
    this.taskRole = serviceRole(
      `${name}-task`,
      "ecs-tasks.amazonaws.com",
      pulumi
        .all([
          args.bookingStreamArn,
          args.insightsStreamArn,
          args.tableArns,
          pulumi.all(args.topicArns),
          args.kmsKeyArn,
          args.redshiftWorkgroupArn,
          args.accountId,
        ])
        .apply(
          ([
            bookingStreamArn,
            insightsStreamArn,
            tableArns,
            topicArns,
            kmsKeyArn,
            redshiftWorkgroupArn,
            accountId,
          ]) =>
            workerPolicy({
              bookingStreamArn,
              insightsStreamArn,
              tableArns,
              topicArns,
              kmsKeyArn,
              redshiftWorkgroupArn,
              accountId,
            }),
        ),
      { parent: this, tags },
    );
    const executionRole = serviceRole(
      `${name}-execution`,
      "ecs-tasks.amazonaws.com",
      pulumi
        .all([this.repository.arn, this.logGroup.arn, args.kmsKeyArn])
        .apply(([repositoryArn, logGroupArn, kmsKeyArn]) =>
          executionPolicy({ repositoryArn, logGroupArn, kmsKeyArn }),
        ),
      { parent: this, tags },
    );
    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-task`,
      {
        family: `flightpulse-${args.stack}-worker`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
        taskRoleArn: this.taskRole.arn,
        executionRoleArn: executionRole.arn,
        containerDefinitions: pulumi
          .all([this.repository.repositoryUrl, args.environment, this.logGroup.name])
          .apply(([url, environment, logGroup]) =>
            JSON.stringify([
              {
                name: "worker",
                image: `${url}:${args.imageTag}`,
                essential: true,
                readonlyRootFilesystem: true,
                environment,
                stopTimeout: STOP_TIMEOUT_SECONDS,
                portMappings: [{ containerPort: args.healthPort, protocol: "tcp" }],
                healthCheck: {
                  command: [
                    "CMD",
                    "node",
                    "-e",
                    `fetch('http://127.0.0.1:${args.healthPort}/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
                  ],
                  interval: 15,
                  timeout: 5,
                  retries: 3,
                  startPeriod: 30,
                },
                logConfiguration: {
                  logDriver: "awslogs",
                  options: {
                    "awslogs-group": logGroup,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": "worker",
                  },
                },
              },
            ]),
          ),
        tags,
      },
      { parent: this },
    );
    this.service = new aws.ecs.Service(
      `${name}-service`,
      {
        name: "worker",
        cluster: this.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: args.desiredCount,
        launchType: "FARGATE",
        platformVersion: "LATEST",
        networkConfiguration: {
          subnets: args.subnetIds,
          securityGroups: [args.securityGroupId],
          assignPublicIp: false,
        },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        propagateTags: "SERVICE",
        enableExecuteCommand: false,
        tags,
      },
      { parent: this, ignoreChanges: ["desiredCount"] },
    );
    const target = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${this.cluster.name}/${this.service.name}`,
        minCapacity: args.desiredCount,
        maxCapacity: args.maxCount,
      },
      { parent: this },
    );
    new aws.appautoscaling.Policy(
      `${name}-cpu`,
      {
        policyType: "TargetTrackingScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: 60,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleInCooldown: 300,
          scaleOutCooldown: 60,
        },
      },
      { parent: this },
    );
    const lagPolicy = new aws.appautoscaling.Policy(
      `${name}-iterator-age`,
      {
        policyType: "StepScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        stepScalingPolicyConfiguration: {
          adjustmentType: "ChangeInCapacity",
          cooldown: 120,
          metricAggregationType: "Maximum",
          stepAdjustments: [
            {
              metricIntervalLowerBound: "0",
              metricIntervalUpperBound: String(args.iteratorAgeAlarmMs * 4),
              scalingAdjustment: 1,
            },
            { metricIntervalLowerBound: String(args.iteratorAgeAlarmMs * 4), scalingAdjustment: 2 },
          ],
        },
      },
      { parent: this },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-scale-on-lag`,
      {
        alarmDescription: "Workers fall behind the booking stream: add tasks",
        namespace: "AWS/Kinesis",
        metricName: "GetRecords.IteratorAgeMilliseconds",
        dimensions: { StreamName: args.bookingStreamName },
        statistic: "Maximum",
        period: 60,
        evaluationPeriods: 3,
        threshold: args.iteratorAgeAlarmMs,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
        alarmActions: [lagPolicy.arn],
        tags,
      },
      { parent: this },
    );
    this.registerOutputs({ repositoryUrl: this.repository.repositoryUrl, cluster: this.cluster.name });
  }
}
