// The worker image's ECR repository: tags are content hashes and never move (immutable), every
// push is scanned, and layers left untagged by a failed or replaced push expire.
import { EcrLifecyclePolicy } from "@cdktn/provider-aws/lib/ecr-lifecycle-policy/index.js";
import { EcrRepository } from "@cdktn/provider-aws/lib/ecr-repository/index.js";
import { Construct } from "constructs";
import { ENGINE_REPOSITORY } from "../names.ts";

export interface EngineRepositoryProps {
  /** Days an untagged image is kept. */
  readonly untaggedDays?: number;
}

export class EngineRepository extends Construct {
  readonly repository: EcrRepository;

  constructor(scope: Construct, id: string, props: EngineRepositoryProps = {}) {
    super(scope, id);
    this.repository = new EcrRepository(this, "repository", {
      name: ENGINE_REPOSITORY,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
    });
    new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "Expire untagged images",
            selection: {
              tagStatus: "untagged",
              countType: "sinceImagePushed",
              countUnit: "days",
              countNumber: props.untaggedDays ?? 7,
            },
            action: { type: "expire" },
          },
        ],
      }),
    });
  }
}
