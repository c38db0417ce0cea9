// IngestApi: API Gateway REST API in front of Kinesis, with no Lambda in the path. Its request models are
// the event contract's draft-04 JSON Schema (from analytics/events, never a copy); a request validator
// refuses bad bodies before they reach the stream; the AWS integration calls PutRecord / PutRecords with
// the route as partition key. IAM or API-key auth with a usage plan, stage throttling, access logs.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { eventBatchJsonSchemaDraft04, eventJsonSchemaDraft04 } from "../../analytics/events";
import { apiGatewayPolicy } from "../iam/policies";
import { baseTags, serviceRole } from "./common";

export interface IngestApiArgs {
  readonly stack: string;
  readonly region: string;
  readonly streamName: pulumi.Input<string>;
  readonly streamArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly auth: "IAM" | "API_KEY";
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetentionDays: number;
}

/** VTL: one event -> PutRecord. */
const PUT_RECORD_TEMPLATE = `#set($body = $input.path('$'))
{
  "StreamName": "$stageVariables.streamName",
  "Data": "$util.base64Encode($input.json('$'))",
  "PartitionKey": "$body.origin-$body.destination"
}`;

/** VTL: {"events": [...]} -> PutRecords, partition key = route. */
const PUT_RECORDS_TEMPLATE = `{
  "StreamName": "$stageVariables.streamName",
  "Records": [
#foreach($event in $input.path('$.events'))
    {
      "Data": "$util.base64Encode($input.json("$.events[$foreach.index]"))",
      "PartitionKey": "$event.origin-$event.destination"
    }#if($foreach.hasNext),#end
#end
  ]
}`;

export class IngestApi extends pulumi.ComponentResource {
  readonly api: aws.apigateway.RestApi;
  readonly eventModel: aws.apigateway.Model;
  readonly batchModel: aws.apigateway.Model;
  readonly stage: aws.apigateway.Stage;

  constructor(name: string, args: IngestApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:ingest:IngestApi", name, {}, opts);
    const tags = baseTags(args.stack, "ingest-api");
    this.api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        name: `flightpulse-${args.stack}-ingest`,
        description: "Booking platform events into Kinesis",
        endpointConfiguration: { types: "REGIONAL" },
        tags,
      },
      { parent: this },
    );
    this.eventModel = new aws.apigateway.Model(
      `${name}-event-model`,
      {
        restApi: this.api.id,
        name: "FlightpulseEvent",
        contentType: "application/json",
        schema: JSON.stringify(eventJsonSchemaDraft04()),
      },
      { parent: this },
    );
    this.batchModel = new aws.apigateway.Model(
      `${name}-batch-model`,
      {
        restApi: this.api.id,
        name: "FlightpulseEventBatch",
        contentType: "application/json",
        schema: JSON.stringify(eventBatchJsonSchemaDraft04()),
      },
      { parent: this },
    );
    const validator = new aws.apigateway.RequestValidator(
      `${name}-validator`,
      { restApi: this.api.id, name: "body", validateRequestBody: true },
      { parent: this },
    );
    const role = serviceRole(
      `${name}-kinesis`,
      "apigateway.amazonaws.com",
      pulumi
        .all([args.streamArn, args.kmsKeyArn])
        .apply(([streamArn, kmsKeyArn]) => apiGatewayPolicy({ streamArn, kmsKeyArn })),
      { parent: this, tags },
    );
    const authorization = args.auth === "IAM" ? "AWS_IAM" : "NONE";
    const routes: { path: string; model: aws.apigateway.Model; action: string; template: string }[] = [
      { path: "event", model: this.eventModel, action: "PutRecord", template: PUT_RECORD_TEMPLATE },
      { path: "events", model: this.batchModel, action: "PutRecords", template: PUT_RECORDS_TEMPLATE },
    ];
    const integrations = routes.map((r) => {
      const resource = new aws.apigateway.Resource(
        `${name}-${r.path}`,
        { restApi: this.api.id, parentId: this.api.rootResourceId, pathPart: r.path },
        { parent: this },
      );
      const method = new aws.apigateway.Method(
        `${name}-${r.path}-post`,
        {
          restApi: this.api.id,
          resourceId: resource.id,
          httpMethod: "POST",
          authorization,
          apiKeyRequired: args.auth === "API_KEY",
          requestValidatorId: validator.id,
          requestModels: { "application/json": r.model.name },
        },
        { parent: this },
      );
      const integration = new aws.apigateway.Integration(
        `${name}-${r.path}-kinesis`,
        {
          restApi: this.api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          type: "AWS",
          integrationHttpMethod: "POST",
          uri: `arn:aws:apigateway:${args.region}:kinesis:action/${r.action}`,
          credentials: role.arn,
          passthroughBehavior: "NEVER",
          requestTemplates: { "application/json": r.template },
        },
        { parent: this },
      );
      new aws.apigateway.MethodResponse(
        `${name}-${r.path}-200`,
        { restApi: this.api.id, resourceId: resource.id, httpMethod: method.httpMethod, statusCode: "200" },
        { parent: this },
      );
      new aws.apigateway.IntegrationResponse(
        `${name}-${r.path}-200`,
        {
          restApi: this.api.id,
          resourceId: resource.id,
          httpMethod: method.httpMethod,
          statusCode: "200",
          selectionPattern: "",
        },
        { parent: this, dependsOn: [integration] },
      );
      return integration;
    });
    const deployment = new aws.apigateway.Deployment(
      `${name}-deployment`,
      {
        restApi: this.api.id,
        triggers: {
          redeploy: JSON.stringify([
            eventBatchJsonSchemaDraft04(),
            PUT_RECORDS_TEMPLATE,
            PUT_RECORD_TEMPLATE,
            args.auth,
          ]),
        },
      },
      { parent: this, dependsOn: integrations },
    );
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-access-logs`,
      {
        name: `/flightpulse/${args.stack}/ingest-api`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags,
      },
      { parent: this },
    );
    this.stage = new aws.apigateway.Stage(
      `${name}-stage`,
      {
        restApi: this.api.id,
        deployment: deployment.id,
        stageName: "v1",
        variables: { streamName: args.streamName },
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          format: JSON.stringify({
            requestId: "$context.requestId",
            status: "$context.status",
            ip: "$context.identity.sourceIp",
            path: "$context.resourcePath",
            error: "$context.error.message",
            validation: "$context.error.validationErrorString",
          }),
        },
        tags,
      },
      { parent: this },
    );
    new aws.apigateway.MethodSettings(
      `${name}-throttle`,
      {
        restApi: this.api.id,
        stageName: this.stage.stageName,
        methodPath: "*/*",
        settings: {
          throttlingRateLimit: args.rateLimit,
          throttlingBurstLimit: args.burstLimit,
          metricsEnabled: true,
          loggingLevel: "ERROR",
        },
      },
      { parent: this },
    );
    if (args.auth === "API_KEY") {
      const plan = new aws.apigateway.UsagePlan(
        `${name}-plan`,
        {
          name: `flightpulse-${args.stack}-booking-platform`,
          apiStages: [{ apiId: this.api.id, stage: this.stage.stageName }],
          throttleSettings: { rateLimit: args.rateLimit, burstLimit: args.burstLimit },
          tags,
        },
        { parent: this },
      );
      const key = new aws.apigateway.ApiKey(
        `${name}-key`,
        { name: `flightpulse-${args.stack}-booking-platform`, tags },
        { parent: this },
      );
      new aws.apigateway.UsagePlanKey(
        `${name}-plan-key`,
        { keyId: key.id, keyType: "API_KEY", usagePlanId: plan.id },
        { parent: this },
      );
    }
    this.registerOutputs({ invokeUrl: this.stage.invokeUrl });
  }
}
