// IAM policy documents as plain data, written into the Terraform JSON as strings (tokens such
// as a bucket's ARN are resolved by Terraform inside them). Plain data also lets the policy
// rules read them back.

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Readonly<Record<string, string | readonly string[]>> | "*";
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

export function policyJson(statements: readonly Statement[]): string {
  return JSON.stringify(policyDocument(statements));
}

/** ARN builder for one partition and account (tokens while synthesising). */
export interface Arns {
  readonly partition: string;
  readonly account: string;
}

export function arn(a: Arns, service: string, region: string, resource: string): string {
  const account = service === "s3" ? "" : a.account;
  return `arn:${a.partition}:${service}:${region}:${account}:${resource}`;
}
