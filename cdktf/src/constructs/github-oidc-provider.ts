// The account's OpenID Connect provider for GitHub Actions, which lets a workflow assume a role
// without stored keys. An account has at most one per URL: when another tool made it, it is
// looked up instead of created.
import { DataAwsIamOpenidConnectProvider } from "@cdktn/provider-aws/lib/data-aws-iam-openid-connect-provider/index.js";
import { IamOpenidConnectProvider } from "@cdktn/provider-aws/lib/iam-openid-connect-provider/index.js";
import { Construct } from "constructs";
import { GITHUB_OIDC_HOST } from "../names.ts";

export class GithubOidcProvider extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: { readonly create: boolean }) {
    super(scope, id);
    const url = `https://${GITHUB_OIDC_HOST}`;
    // AWS trusts GitHub's certificate authority for this provider: no thumbprint is needed.
    this.arn = props.create
      ? new IamOpenidConnectProvider(this, "provider", { url, clientIdList: ["sts.amazonaws.com"] }).arn
      : new DataAwsIamOpenidConnectProvider(this, "existing", { url }).arn;
  }
}
