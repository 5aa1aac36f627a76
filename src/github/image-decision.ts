// Whether the worker image must be built: its content-hash tag (cloud/image-tag.ts) and whether
// ECR already has it (cloud/ecr-images.ts). Without AWS credentials (a fork's pull request) the
// tag is still computed and the answer is "unknown".
import type { ECRClient } from "@aws-sdk/client-ecr";
import { checkImage } from "../cloud/ecr-images.ts";
import { computeImageTag } from "../cloud/image-tag.ts";

export interface ImageDecision {
  readonly tag: string;
  readonly status: "present" | "build" | "unknown";
  /** sha256:… when ECR has it: part of every cloud realisation's key. */
  readonly digest?: string;
  /** `<registry>/<repository>@<digest>`, for the task definition. */
  readonly image?: string;
}

export interface ImageDecisionInput {
  /** The build context: the repository's folder. */
  readonly root: string;
  readonly dockerfile?: string;
  readonly target?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly repository: string;
  readonly region: string;
  /** Undefined without AWS credentials. */
  readonly ecr?: ECRClient;
}

export async function decideImage(input: ImageDecisionInput): Promise<ImageDecision> {
  const { tag } = await computeImageTag({
    context: input.root,
    dockerfile: input.dockerfile ?? "agent-image/Dockerfile",
    target: input.target ?? "agent",
    ...(input.buildArgs ? { buildArgs: input.buildArgs } : {}),
  });
  if (!input.ecr) return { tag, status: "unknown" };
  const found = await checkImage({
    client: input.ecr,
    repository: input.repository,
    region: input.region,
    tag,
  });
  return found.status === "present"
    ? { tag, status: "present", digest: found.digest, image: found.image }
    : { tag, status: "build" };
}

/** `NAME=VALUE` lines of an action input. */
export function parseBuildArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")) {
    const at = line.indexOf("=");
    if (at < 1) throw new Error(`build argument "${line}": expected NAME=VALUE`);
    out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}
