import {
  DescribeImagesCommand,
  ECRClient,
  ECRServiceException,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { checkImage, createEcrClient, registryHost } from "./ecr-images.ts";

const ecr = mockClient(ECRClient);
const client = createEcrClient({
  region: "us-east-1",
  credentials: { accessKeyId: "a", secretAccessKey: "b" },
});
const input = {
  client,
  repository: "modelfleet-agent",
  tag: "agent-0123456789abcdef0123456789abcdef",
  region: "us-east-1",
};
const digest = `sha256:${"ab".repeat(32)}`;

describe("checkImage", () => {
  beforeEach(() => ecr.reset());

  it("finds a pushed image and gives its digest and reference", async () => {
    const pushedAt = new Date("2026-01-02T03:04:05Z");
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        {
          registryId: "123456789012",
          repositoryName: "modelfleet-agent",
          imageDigest: digest,
          imagePushedAt: pushedAt,
        },
      ],
    });
    expect(await checkImage(input)).toEqual({
      status: "present",
      tag: input.tag,
      digest,
      image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/modelfleet-agent@${digest}`,
      pushedAt,
    });
    expect(ecr.commandCalls(DescribeImagesCommand)[0]!.args[0].input).toEqual({
      repositoryName: "modelfleet-agent",
      imageIds: [{ imageTag: input.tag }],
    });
  });

  it("says build when the tag is not in the repository", async () => {
    ecr
      .on(DescribeImagesCommand)
      .rejects(new ImageNotFoundException({ message: "not found", $metadata: {} }));
    expect(await checkImage(input)).toEqual({ status: "build", tag: input.tag });
  });

  it("turns a missing repository and a refusal into plain sentences", async () => {
    ecr.on(DescribeImagesCommand).rejects(new RepositoryNotFoundException({ message: "no", $metadata: {} }));
    await expect(checkImage(input)).rejects.toThrow(
      "ECR repository modelfleet-agent in us-east-1 does not exist; apply the foundation stack (cdktf/README.md) or check the region",
    );
    ecr.reset();
    ecr.on(DescribeImagesCommand).rejects(
      new ECRServiceException({
        name: "AccessDeniedException",
        $fault: "client",
        $metadata: {},
        message: "denied",
      }),
    );
    await expect(checkImage(input)).rejects.toThrow(
      "not allowed to read ECR repository modelfleet-agent in us-east-1 (ecr:DescribeImages); use the plan or run workflow's role",
    );
  });

  it("asks another registry when told", async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    expect(await checkImage({ ...input, registryId: "210987654321" })).toEqual({
      status: "build",
      tag: input.tag,
    });
    expect(ecr.commandCalls(DescribeImagesCommand)[0]!.args[0].input.registryId).toBe("210987654321");
  });
});

describe("registryHost", () => {
  it("names the registry, in China too", () => {
    expect(registryHost("1", "eu-west-1")).toBe("1.dkr.ecr.eu-west-1.amazonaws.com");
    expect(registryHost("1", "cn-north-1")).toBe("1.dkr.ecr.cn-north-1.amazonaws.com.cn");
  });
});
