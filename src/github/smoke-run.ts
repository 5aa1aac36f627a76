// The smoke run of the plan: one realisation of the project, run on the runner with the local
// engine into a scratch folder, to show before the merge that the model starts, writes its
// outputs and that every instruction file reads them. Secrets are taken out of the environment
// first: the model is code from the pull request.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLocal } from "../engine/local-run.ts";
import { errorMessage } from "../errors.ts";
import { parseIdSelection } from "../params/id-selection.ts";
import type { SmokeRun } from "../report/comment-stage.ts";

/** Variables a model must not see: the workflow's tokens and AWS credentials. */
export const SECRET_VARIABLES = [
  "INPUT_TOKEN",
  "GITHUB_TOKEN",
  "ACTIONS_RUNTIME_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
  "ACTIONS_ID_TOKEN_REQUEST_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
];

export function scrubSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of SECRET_VARIABLES) delete env[name];
}

export async function smokeRun(options: {
  readonly specFile: string;
  readonly id: string;
}): Promise<SmokeRun> {
  const scratch = await mkdtemp(join(tmpdir(), "modelfleet-smoke-"));
  try {
    const report = await runLocal({
      specFile: options.specFile,
      resultsRoot: join(scratch, "results"),
      workRoot: join(scratch, "work"),
      workers: 1,
      ids: parseIdSelection(options.id),
      report: false,
      command: "modelfleet plan (smoke run)",
    });
    const result = report.results.find((r) => r.id === options.id);
    if (!result)
      return { id: options.id, status: "failed", message: "the realisation ran but left no result" };
    if (result.status === "ok") {
      return {
        id: result.id,
        status: "ok",
        wallSeconds: result.wallSeconds,
        observations: Object.fromEntries(Object.entries(result.observations).slice(0, 8)),
      };
    }
    const f = result.failure!;
    if (f.reason === "spawn") {
      return {
        id: result.id,
        status: "skipped",
        message: `the model's command cannot start on the runner (${f.message.split("\n")[0]}): it needs the worker image`,
      };
    }
    const tail = result.logTail.trim().split("\n").slice(-15).join("\n");
    return {
      id: result.id,
      status: "failed",
      wallSeconds: result.wallSeconds,
      message: `${f.reason}: ${f.message}${tail ? `\n${tail}` : ""}`,
    };
  } catch (e) {
    return { id: options.id, status: "failed", message: errorMessage(e) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
