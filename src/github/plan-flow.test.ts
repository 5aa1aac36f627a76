// The plan against earlier results: what is done, what runs again and why.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { demoRepository } from "../../test/helpers/run-action.ts";
import { runLocal } from "../engine/local-run.ts";
import { parseIdSelection } from "../params/id-selection.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import { FakeGitHub } from "./fake-github.ts";
import { type PlanSettings, planProjects } from "./plan-flow.ts";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let repo: string;
const results = () => join(repo, "fake-s3");

beforeAll(async () => {
  repo = await demoRepository();
  // Three realisations already ran, into what stands for the run set's bucket.
  await runLocal({
    specFile: join(repo, "projects/demo/base.yaml"),
    resultsRoot: results(),
    workRoot: join(repo, "work"),
    ids: parseIdSelection("1-3"),
    workers: 2,
    report: false,
  });
  await mkdir(join(repo, "infra"));
  await writeFile(
    join(repo, "infra", "demo-base.json"),
    JSON.stringify({
      region: "us-east-1",
      bucket: "modelfleet-demo-us-east-1-123456789012",
      prefix: "results/",
      queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base",
      deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base-dlq",
      cluster: "modelfleet-demo",
      taskDefinition: "modelfleet-demo-base:1",
    }),
  );
});

const settings = (): PlanSettings => ({
  root: repo,
  files: ["projects/demo/base.yaml"],
  commit: "abc",
  results: { kind: "s3", infraDir: join(repo, "infra") },
  smoke: false,
  issue: 5,
  links: {},
});
const deps = (github: FakeGitHub) => ({
  client: github,
  smoke: async () => ({ id: "x", status: "ok" as const }),
  s3Store: () => createFsResultStore(results()),
});

describe("planProjects against earlier results", () => {
  it("counts what is done, and says which run again because their parameters changed", async () => {
    const github = new FakeGitHub();
    const [first] = await planProjects(settings(), deps(github));
    expect(first!.stage).toMatchObject({
      results: { source: "s3" },
      done: { ok: 3, modelFailed: 0 },
      toRun: 197,
      changes: { new: 197, parametersChanged: 0, inputsChanged: 0 },
    });
    expect(first!.stage.estimate?.basis).toBe("median");

    const par = join(repo, "projects/demo/params/param2.par");
    const text = await readFile(par, "utf8");
    await writeFile(par, text.replace(/^(hk1\s+)\S+/m, "$10.5"));
    try {
      const [second] = await planProjects(settings(), deps(github));
      expect(second!.stage.changes).toMatchObject({ new: 197, parametersChanged: 1, inputsChanged: 0 });
      expect(second!.comment).toContain("- 1 because their parameter values changed");
      expect(github.commentsOn(5)).toHaveLength(1);
    } finally {
      await writeFile(par, text);
    }
  });

  it("says the model changed when the model folder did", async () => {
    const model = join(repo, "projects/demo/model/gwflow.mjs");
    const text = await readFile(model, "utf8");
    await writeFile(model, `${text}\n// a comment\n`);
    try {
      const [plan] = await planProjects(settings(), deps(new FakeGitHub()));
      expect(plan!.stage.changes).toMatchObject({ new: 197, inputsChanged: 3, parametersChanged: 0 });
      expect(plan!.comment).toContain("- 3 because the model changed");
    } finally {
      await writeFile(model, text);
    }
  });

  it("plans against no results, and says why, for a project whose infrastructure is not applied", async () => {
    const [plan] = await planProjects(
      { ...settings(), results: { kind: "s3", infraDir: join(repo, "nowhere") } },
      deps(new FakeGitHub()),
    );
    expect(plan!.stage.results).toEqual({
      source: "none",
      reason: `the project's infrastructure has not been applied yet (no nowhere/demo-base.json), so nothing has run`,
    });
    expect(plan!.stage.toRun).toBe(200);
  });

  it("plans a scenario that calibrates as its iterations' model runs, and costs those", async () => {
    const file = "projects/demo/calibrate.yaml";
    await writeFile(join(repo, file), await readFile(join(REPO_ROOT, file), "utf8"));
    try {
      const github = new FakeGitHub();
      const [planned] = await planProjects({ ...settings(), files: [file] }, deps(github));
      const stage = planned!.stage;
      expect(stage.problems).toEqual([]);
      expect(stage.calibration).toEqual({ method: "esmda", iterations: 4, ensemble: 50, runs: 250 });
      expect(stage.estimate?.realisations).toBe(250);
      expect([...github.comments.values()].at(-1)?.body).toContain("a calibration runs on AWS");
    } finally {
      await rm(join(repo, file), { force: true });
    }
  });
});
