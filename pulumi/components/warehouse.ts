// Warehouse: Redshift Serverless namespace and workgroup in the private subnets, not publicly accessible,
// encrypted with the stack key; the admin password is generated and kept in Secrets Manager by Redshift
// itself. The workers reach it through the Data API with IAM (see the worker policy).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { baseTags } from "./common";

export interface WarehouseArgs {
  readonly stack: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  readonly vpcId: pulumi.Input<string>;
  readonly vpcCidr: string;
  readonly subnetIds: pulumi.Input<string>[];
  /** Security group of the workers (the only ones that may connect on 5439). */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  readonly baseCapacity: number;
  readonly database: string;
}

export class Warehouse extends pulumi.ComponentResource {
  readonly namespace: aws.redshiftserverless.Namespace;
  readonly workgroup: aws.redshiftserverless.Workgroup;

  constructor(name: string, args: WarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:warehouse:Warehouse", name, {}, opts);
    const tags = baseTags(args.stack, "warehouse");
    this.namespace = new aws.redshiftserverless.Namespace(
      `${name}-namespace`,
      {
        namespaceName: `flightpulse-${args.stack}`,
        dbName: args.database,
        adminUsername: "flightpulse_admin",
        manageAdminPassword: true,
        adminPasswordSecretKmsKeyId: args.kmsKeyArn,
        kmsKeyId: args.kmsKeyArn,
        logExports: ["userlog", "connectionlog", "useractivitylog"],
        tags,
      },
      { parent: this },
    );
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: "Redshift Serverless: 5439 from the workers only",
        ingress: [
          {
            protocol: "tcp",
            fromPort: 5439,
            toPort: 5439,
            securityGroups: [args.clientSecurityGroupId],
            description: "workers",
          },
        ],
        egress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [args.vpcCidr],
            description: "VPC endpoints",
          },
        ],
        tags,
      },
      { parent: this },
    );
    this.workgroup = new aws.redshiftserverless.Workgroup(
      `${name}-workgroup`,
      {
        workgroupName: `flightpulse-${args.stack}`,
        namespaceName: this.namespace.namespaceName,
        baseCapacity: args.baseCapacity,
        publiclyAccessible: false,
        enhancedVpcRouting: true,
        subnetIds: args.subnetIds,
        securityGroupIds: [sg.id],
        configParameters: [{ parameterKey: "require_ssl", parameterValue: "true" }],
        tags,
      },
      { parent: this },
    );
    this.registerOutputs({ workgroup: this.workgroup.workgroupName });
  }
}
