// IAM policy documents as plain data, built by small pure functions over plain ARNs, so least privilege
// is testable without Pulumi: every statement names its actions and the exact resources they touch.

export interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: readonly string[];
  readonly Resource: readonly string[] | "*";
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  readonly Principal?: Readonly<Record<string, string | readonly string[]>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

export const policy = (...statements: Statement[]): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: statements,
});

export const allow = (Sid: string, Action: readonly string[], Resource: readonly string[]): Statement => ({
  Sid,
  Effect: "Allow",
  Action,
  Resource,
});

/** Trust policy letting one AWS service assume a role, confined to this account. */
export const assumeRolePolicy = (service: string, accountId?: string): PolicyDocument =>
  policy({
    Sid: "AssumeRole",
    Effect: "Allow",
    Action: ["sts:AssumeRole"],
    Resource: "*",
    Principal: { Service: service },
    ...(accountId !== undefined ? { Condition: { StringEquals: { "aws:SourceAccount": accountId } } } : {}),
  });
