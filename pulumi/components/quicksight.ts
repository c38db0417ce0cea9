// QuickSight (on by stack config): a Redshift data source reaching the private workgroup through a
// QuickSight VPC connection, and one dataset per QuickSight view of sql/redshift/, shared with the
// configured principal.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { quicksightVpcPolicy } from "../iam/policies";
import { baseTags, serviceRole } from "./common";

/** Views the warehouse migrations create for QuickSight (sql/redshift/), and their columns. */
export const QUICKSIGHT_VIEWS: Readonly<
  Record<string, readonly [string, "STRING" | "INTEGER" | "DECIMAL" | "DATETIME"][]>
> = {
  qs_route_demand_24h: [
    ["route", "STRING"],
    ["pane_start", "DATETIME"],
    ["searches", "INTEGER"],
    ["bookings", "INTEGER"],
    ["seats_booked", "INTEGER"],
    ["revenue", "DECIMAL"],
  ],
  qs_top_routes_now: [
    ["route", "STRING"],
    ["bookings", "INTEGER"],
    ["seats_booked", "INTEGER"],
    ["revenue", "DECIMAL"],
    ["rank", "INTEGER"],
  ],
  qs_load_factor_by_flight: [
    ["flight", "STRING"],
    ["route", "STRING"],
    ["days_to_departure", "INTEGER"],
    ["capacity", "INTEGER"],
    ["seats_booked", "INTEGER"],
    ["load_factor", "DECIMAL"],
  ],
  qs_look_to_book_by_channel: [
    ["channel", "STRING"],
    ["day", "DATETIME"],
    ["searches", "INTEGER"],
    ["bookings", "INTEGER"],
    ["look_to_book", "DECIMAL"],
  ],
  qs_airport_demand_24h: [
    ["airport", "STRING"],
    ["direction", "STRING"],
    ["window_start", "DATETIME"],
    ["searches", "INTEGER"],
    ["bookings", "INTEGER"],
    ["seats", "INTEGER"],
    ["look_to_book", "DECIMAL"],
  ],
  qs_top_routes_latest_window: [
    ["rank", "INTEGER"],
    ["route", "STRING"],
    ["seats", "INTEGER"],
    ["bookings", "INTEGER"],
    ["window_start", "DATETIME"],
    ["window_end", "DATETIME"],
  ],
  qs_channel_conversion_24h: [
    ["channel", "STRING"],
    ["window_start", "DATETIME"],
    ["searches", "INTEGER"],
    ["bookings", "INTEGER"],
    ["seats", "INTEGER"],
    ["look_to_book", "DECIMAL"],
  ],
  qs_alert_history: [
    ["alert_id", "STRING"],
    ["alert_type", "STRING"],
    ["severity", "STRING"],
    ["route", "STRING"],
    ["window_end", "DATETIME"],
  ],
};

export interface QuickSightArgs {
  readonly stack: string;
  readonly accountId: pulumi.Input<string>;
  readonly principalArn: string;
  readonly workgroupEndpoint: pulumi.Input<string>;
  readonly database: string;
  readonly subnetIds: pulumi.Input<string>[];
  readonly securityGroupId: pulumi.Input<string>;
  readonly region: string;
}

export class QuickSight extends pulumi.ComponentResource {
  readonly dataSource: aws.quicksight.DataSource;
  readonly dataSets: aws.quicksight.DataSet[];

  constructor(name: string, args: QuickSightArgs, opts?: pulumi.ComponentResourceOptions) {
    super("flightpulse:analytics:QuickSight", name, {}, opts);
    const tags = baseTags(args.stack, "quicksight");
    const role = serviceRole(
      `${name}-vpc-role`,
      "quicksight.amazonaws.com",
      pulumi
        .all([args.accountId, pulumi.all(args.subnetIds), args.securityGroupId])
        .apply(([accountId, subnetIds, securityGroupId]) =>
          quicksightVpcPolicy({ region: args.region, accountId, subnetIds, securityGroupId }),
        ),
      { parent: this, tags },
    );
    const vpc = new aws.quicksight.VpcConnection(
      `${name}-vpc`,
      {
        vpcConnectionId: `flightpulse-${args.stack}`,
        name: `flightpulse-${args.stack}`,
        roleArn: role.arn,
        subnetIds: args.subnetIds,
        securityGroupIds: [args.securityGroupId],
        tags,
      },
      { parent: this },
    );
    const read = [
      "quicksight:DescribeDataSource",
      "quicksight:DescribeDataSourcePermissions",
      "quicksight:PassDataSource",
    ];
    this.dataSource = new aws.quicksight.DataSource(
      `${name}-redshift`,
      {
        dataSourceId: `flightpulse-${args.stack}-redshift`,
        name: `flightpulse ${args.stack} warehouse`,
        type: "REDSHIFT",
        parameters: { redshift: { host: args.workgroupEndpoint, port: 5439, database: args.database } },
        vpcConnectionProperties: { vpcConnectionArn: vpc.arn },
        sslProperties: { disableSsl: false },
        permissions: [{ principal: args.principalArn, actions: read }],
        tags,
      },
      { parent: this },
    );
    this.dataSets = Object.entries(QUICKSIGHT_VIEWS).map(
      ([view, columns]) =>
        new aws.quicksight.DataSet(
          `${name}-${view}`,
          {
            dataSetId: `flightpulse-${args.stack}-${view.replace(/_/g, "-")}`,
            name: view,
            importMode: "DIRECT_QUERY",
            physicalTableMaps: [
              {
                physicalTableMapId: view.replace(/_/g, ""),
                relationalTable: {
                  dataSourceArn: this.dataSource.arn,
                  schema: "public",
                  name: view,
                  inputColumns: columns.map(([n, type]) => ({ name: n, type })),
                },
              },
            ],
            permissions: [
              {
                principal: args.principalArn,
                actions: [
                  "quicksight:DescribeDataSet",
                  "quicksight:DescribeDataSetPermissions",
                  "quicksight:PassDataSet",
                  "quicksight:DescribeIngestion",
                  "quicksight:ListIngestions",
                ],
              },
            ],
            tags,
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ dataSource: this.dataSource.arn });
  }
}
