// The scenarios action: inputs → settings → src/github/scenarios.ts → the matrix.
import * as core from "@actions/core";
import { projectStackName } from "../../cdktf/src/names.ts";
import { errorMessage } from "../../src/errors.ts";
import { booleanInput, input } from "../../src/github/action-io.ts";
import { parsePathList } from "../../src/github/project-files.ts";
import { selectScenarios } from "../../src/github/scenarios.ts";

export async function run(): Promise<void> {
  try {
    const matrix = await selectScenarios(
      {
        root: process.env["GITHUB_WORKSPACE"] ?? process.cwd(),
        changed: parsePathList(input("files")),
        project: input("project"),
        scenario: input("scenario"),
        all: booleanInput("all", false),
      },
      { stackName: projectStackName },
    );
    core.setOutput("matrix", JSON.stringify(matrix));
    core.setOutput("count", matrix.length);
    core.info(
      matrix.length === 0
        ? "no scenario to act on"
        : matrix.map((m) => `${m.project}/${m.scenario}`).join(", "),
    );
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
