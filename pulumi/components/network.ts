// Network: a VPC with private subnets across the AZs (at least two), no internet gateway and no NAT. The
// workers reach AWS through VPC endpoints (gateway endpoints for S3 and DynamoDB, interface endpoints for
// the rest), so nothing in the stack is reachable from, or talks to, the internet.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { baseTags } from "./common";

export interface NetworkArgs {
  readonly stack: string;
  readonly cidr: string;
  /** Availability zones to span (the first `azCount` are used). */
  readonly azs: pulumi.Input<string[]>;
  readonly azCount: number;
  readonly region: string;
}

/** AWS services the workers and Flink call, reached through interface endpoints. */
export const INTERFACE_ENDPOINTS = [
  "kinesis-streams",
  "sns",
  "redshift-data",
  "redshift-serverless",
  "ecr.api",
  "ecr.dkr",
  "logs",
  "secretsmanager",
  "kms",
  "sts",
];

export class Network extends pulumi.ComponentResource {
  readonly vpc: aws.ec2.Vpc;
  readonly privateSubnets: aws.ec2.Subnet[];
  readonly endpointSecurityGroup: aws.ec2.SecurityGroup;
  /** The workers' group: no inbound; HTTPS to endpoints and 5439 to the warehouse, inside the VPC. */
  readonly workerSecurityGroup: aws.ec2.SecurityGroup;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:network:Network", name, {}, opts);
    if (args.azCount < 2)
      throw new Error(`Network needs at least two availability zones, got ${args.azCount}`);
    const tags = baseTags(args.stack, "network");
    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidr,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        tags: { ...tags, Name: `flightpulse-${args.stack}` },
      },
      { parent: this },
    );
    const base = args.cidr.split(".").slice(0, 2).join(".");
    const routeTable = new aws.ec2.RouteTable(
      `${name}-private`,
      { vpcId: this.vpc.id, tags },
      { parent: this },
    );
    const zones = pulumi.output(args.azs);
    this.privateSubnets = Array.from({ length: args.azCount }, (_, i) => {
      const az = zones.apply((list) => {
        const zone = list[i];
        if (zone === undefined) {
          throw new Error(
            `flightpulse:azCount is ${args.azCount} but the region has ${list.length} availability zones`,
          );
        }
        return zone;
      });
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: this.vpc.id,
          availabilityZone: az,
          cidrBlock: `${base}.${i * 16}.0/20`,
          mapPublicIpOnLaunch: false,
          tags: { ...tags, Name: `flightpulse-${args.stack}-private-${i}` },
        },
        { parent: this },
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: routeTable.id },
        { parent: this },
      );
      return subnet;
    });
    this.endpointSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: this.vpc.id,
        description: "HTTPS to VPC endpoints from inside the VPC",
        ingress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [args.cidr],
            description: "VPC-internal HTTPS",
          },
        ],
        egress: [
          { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: [args.cidr], description: "VPC-internal" },
        ],
        tags,
      },
      { parent: this },
    );
    this.workerSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-workers`,
      {
        vpcId: this.vpc.id,
        description: "flightpulse workers: no inbound; HTTPS to VPC endpoints, 5439 to the warehouse",
        egress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [args.cidr],
            description: "VPC endpoints",
          },
          { protocol: "tcp", fromPort: 5439, toPort: 5439, cidrBlocks: [args.cidr], description: "Redshift" },
        ],
        tags,
      },
      { parent: this },
    );
    for (const service of ["s3", "dynamodb"]) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Gateway",
          routeTableIds: [routeTable.id],
          tags,
        },
        { parent: this },
      );
    }
    for (const service of INTERFACE_ENDPOINTS) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(/\./g, "-")}`,
        {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnets.map((s) => s.id),
          securityGroupIds: [this.endpointSecurityGroup.id],
          tags,
        },
        { parent: this },
      );
    }
    this.registerOutputs({ vpcId: this.vpc.id });
  }
}
