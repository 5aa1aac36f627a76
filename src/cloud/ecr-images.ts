// Is the worker image with this tag already in ECR? DescribeImages answers: present (with its
// digest, which realisation keys and task definitions use) or missing, in which case the
// workflow builds and pushes it. The ECR client is built once from props, like the others, so
// the same code talks to AWS or to a local endpoint.
import {
  DescribeImagesCommand,
  ECRClient,
  type ECRClientConfig,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from "@aws-sdk/client-ecr";
import { errorMessage, UserError } from "../errors.ts";

export interface EcrClientProps {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly maxAttempts?: number;
}

export function createEcrClient(props: EcrClientProps = {}): ECRClient {
  const config: ECRClientConfig = {};
  // Only what was given: an explicit undefined would hide the environment's settings.
  if (props.region !== undefined) config.region = props.region;
  if (props.endpoint !== undefined) config.endpoint = props.endpoint;
  if (props.credentials !== undefined) config.credentials = { ...props.credentials };
  if (props.maxAttempts !== undefined) config.maxAttempts = props.maxAttempts;
  return new ECRClient(config);
}

export type ImageCheck =
  | { readonly status: "build"; readonly tag: string }
  | {
      readonly status: "present";
      readonly tag: string;
      /** sha256:<hex> */
      readonly digest: string;
      /** The image by digest, for task definitions and `--image`. */
      readonly image: string;
      readonly pushedAt?: Date;
    };

export interface ImageCheckInput {
  readonly client: ECRClient;
  readonly repository: string;
  readonly tag: string;
  /** The registry's region, for the image reference. */
  readonly region: string;
  /** The registry (account id); the caller's own by default. */
  readonly registryId?: string;
}

export async function checkImage(input: ImageCheckInput): Promise<ImageCheck> {
  try {
    const out = await input.client.send(
      new DescribeImagesCommand({
        repositoryName: input.repository,
        imageIds: [{ imageTag: input.tag }],
        ...(input.registryId === undefined ? {} : { registryId: input.registryId }),
      }),
    );
    const detail = out.imageDetails?.[0];
    if (detail?.imageDigest === undefined) return { status: "build", tag: input.tag };
    const registry = detail.registryId ?? input.registryId;
    return {
      status: "present",
      tag: input.tag,
      digest: detail.imageDigest,
      image: `${registryHost(registry ?? "", input.region)}/${input.repository}@${detail.imageDigest}`,
      ...(detail.imagePushedAt === undefined ? {} : { pushedAt: detail.imagePushedAt }),
    };
  } catch (e) {
    if (e instanceof ImageNotFoundException || (e as { name?: string }).name === "ImageNotFoundException") {
      return { status: "build", tag: input.tag };
    }
    throw new UserError(explainEcrError(e, input));
  }
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` (`.com.cn` in China). */
export function registryHost(registryId: string, region: string): string {
  return `${registryId}.dkr.ecr.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

function explainEcrError(e: unknown, input: ImageCheckInput): string {
  const name = (e as { name?: string }).name ?? "";
  const where = `ECR repository ${input.repository} in ${input.region}`;
  if (e instanceof RepositoryNotFoundException || name === "RepositoryNotFoundException") {
    return `${where} does not exist; apply the foundation stack (cdktf/README.md) or check the region`;
  }
  if (name === "AccessDeniedException" || name === "AccessDenied") {
    return `not allowed to read ${where} (ecr:DescribeImages); use the plan or run workflow's role`;
  }
  if (name === "ThrottlingException")
    return `ECR kept throttling DescribeImages on ${where}; try again in a minute`;
  return `looking up the image ${input.tag} in ${where} failed: ${errorMessage(e)}`;
}
