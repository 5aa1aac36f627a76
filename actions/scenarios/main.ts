// The scenarios action: inputs → settings → src/github/scenarios.ts → the matrix.
import * as core from "@actions/core";
import { projectStackName } from "../../cdktf/src/names.ts";
import { errorMessage } from "../../src/errors.ts";
import { booleanInput, input } from "../../src/github/action-io.ts";
import { parsePathList } from "../../src/github/project-files.ts";
import { type ScenarioMode, selectScenarios } from "../../src/github/scenarios.ts";

/** The `mode` input: run, calibrate, or empty for both. */
function modeInput(): { mode?: ScenarioMode } {
  const mode = input("mode");
  if (mode === "") return {};
  if (mode === "run" || mode === "calibrate") return { mode };
  throw new Error(`mode: expected run, calibrate or nothing, got "${mode}"`);
}

export async function run(): Promise<void> {
  try {
    const matrix = await selectScenarios(
      {
        root: process.env["GITHUB_WORKSPACE"] ?? process.cwd(),
        changed: parsePathList(input("files")),
        project: input("project"),
        scenario: input("scenario"),
        all: booleanInput("all", false),
        ...modeInput(),
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
