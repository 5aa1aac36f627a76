// The worker image action: inputs → settings → src/github/image-decision.ts → outputs.
import * as core from "@actions/core";
import { createEcrClient } from "../../src/cloud/ecr-images.ts";
import { errorMessage } from "../../src/errors.ts";
import { booleanInput, input } from "../../src/github/action-io.ts";
import { decideImage, type ImageDecisionInput, parseBuildArgs } from "../../src/github/image-decision.ts";

export async function run(): Promise<void> {
  try {
    const region = input("region") || "us-east-1";
    const settings: ImageDecisionInput = {
      root: process.env["GITHUB_WORKSPACE"] ?? process.cwd(),
      repository: input("ecr-repository") || "modelfleet-agent",
      region,
      target: input("target") || "agent",
      buildArgs: parseBuildArgs(input("build-args")),
      ...(booleanInput("aws", true) ? { ecr: createEcrClient({ region }) } : {}),
    };
    const decision = await decideImage(settings);
    core.setOutput("tag", decision.tag);
    core.setOutput("build", decision.status !== "present");
    core.setOutput("digest", decision.digest ?? "");
    core.setOutput("image", decision.image ?? "");
    core.info(
      decision.status === "present"
        ? `${settings.repository}:${decision.tag} is in ECR (${decision.digest}): no build`
        : `${settings.repository}:${decision.tag} ${decision.status === "build" ? "is not in ECR: build and push it" : "was not looked up (no AWS)"}`,
    );
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
