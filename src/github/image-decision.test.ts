import { DescribeImagesCommand, ECRClient, ImageNotFoundException } from "@aws-sdk/client-ecr";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { demoRepository } from "../../test/helpers/run-action.ts";
import { decideImage } from "./image-decision.ts";

const ecr = mockClient(ECRClient);
let root: string;
beforeAll(async () => {
  root = await demoRepository();
});
beforeEach(() => ecr.reset());

describe("decideImage", () => {
  it("needs no build when ECR has the tag, and gives the image by digest", async () => {
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [{ imageDigest: "sha256:abc", registryId: "123456789012" }],
    });
    const d = await decideImage({
      root,
      repository: "modelfleet-agent",
      region: "eu-west-1",
      ecr: new ECRClient({}),
    });
    expect(d).toMatchObject({
      status: "present",
      digest: "sha256:abc",
      image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelfleet-agent@sha256:abc",
    });
    expect(ecr.commandCalls(DescribeImagesCommand)[0]!.args[0].input.imageIds).toEqual([{ imageTag: d.tag }]);
  });

  it("asks for a build when the tag is new", async () => {
    ecr
      .on(DescribeImagesCommand)
      .rejects(new ImageNotFoundException({ message: "not found", $metadata: {} }));
    const d = await decideImage({
      root,
      repository: "modelfleet-agent",
      region: "eu-west-1",
      ecr: new ECRClient({}),
    });
    expect(d.status).toBe("build");
  });
});
