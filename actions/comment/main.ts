// The comment action: inputs → settings → src/github/comment-flow.ts → outputs.
import * as core from "@actions/core";
import { errorMessage } from "../../src/errors.ts";
import { githubClient, input, numberInput } from "../../src/github/action-io.ts";
import { postStage, readStageFile } from "../../src/github/comment-flow.ts";
import { readWorkflowEnvironment } from "../../src/github/environment.ts";

export async function run(): Promise<void> {
  try {
    const env = await readWorkflowEnvironment();
    const stageFile = input("stage-file");
    if (!stageFile) throw new Error("input `stage-file` is required: a JSON file with the comment's stage");
    const settings = {
      stage: await readStageFile(stageFile),
      ...(input("pull-request") ? { issue: numberInput("pull-request", 0, 1) } : {}),
      env,
    };
    const client = githubClient(input("token"), env);
    if (!client) throw new Error("input `token` is empty: the comment needs the workflow's token");
    const url = await postStage(settings, { client, log: (l) => core.info(l) });
    core.setOutput("comment-url", url ?? "");
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
