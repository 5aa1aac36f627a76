// `npm run synth` in small: every project file under projects/ (the demo included) becomes a
// stack, with no cloud access, and the demo's stack is kept as a snapshot to read when it
// changes.

import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProjectStacks } from "../src/load-projects.ts";
import { checkStack } from "../src/policy/check.ts";
import { RULE_CONTEXT, synthJson, synthStacks } from "./helpers.ts";

const REPO = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);

describe("the project files under projects/", () => {
  it("all become stacks that pass the policy rules; the demo's is the snapshot", async () => {
    const projects = await loadProjectStacks({ projectsDir: join(REPO, "projects"), cwd: REPO });
    expect(projects.map((p) => `${p.project}/${p.region}`)).toContain("demo/us-east-1");
    const stacks = synthStacks(projects);
    for (const stack of [stacks.foundation, ...stacks.projects]) {
      expect(checkStack(synthJson(stack), RULE_CONTEXT), stack.node.id).toEqual([]);
    }
    const demo = stacks.projects.find((s) => s.node.id === "modelfleet-demo-us-east-1")!;
    await expect(`${JSON.stringify(synthJson(demo), null, 2)}\n`).toMatchFileSnapshot(
      "__snapshots__/modelfleet-demo-us-east-1.tf.json",
    );
  });
});

describe("loadProjectStacks", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-infra-projects-"));
    await mkdir(join(dir, "projects", "acme", "model"), { recursive: true });
    await cp(join(REPO, "projects", "demo", "params"), join(dir, "projects", "acme", "params"), {
      recursive: true,
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const specText = (scenario: string, cloud: string) => `project: acme
scenario: ${scenario}
model: { dir: model, command: [run] }
parameters: { par_files: "params/param{id}.par", ids: "1-3" }
resources: { cpu: 1, memory_gb: 2 }
cloud: ${cloud}
`;

  it("reports every problem, located, and synthesises nothing", async () => {
    await writeFile(join(dir, "projects", "acme", "a.yaml"), specText("a", "{ client: Acme }"));
    await writeFile(
      join(dir, "projects", "acme", "b.yaml"),
      specText("b", "{ client: Other, region: us-east-7 }"),
    );
    await writeFile(join(dir, "projects", "acme", "c.yaml"), specText("c", "{ client: Beta }"));
    const error = await loadProjectStacks({ projectsDir: join(dir, "projects"), cwd: dir }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message.split("\n")).toEqual([
      "2 problems in the project files; nothing was synthesised:",
      '  projects/acme/b.yaml:6:33: `cloud.region`: "us-east-7" is not an AWS region; did you mean us-east-1?',
      "  projects/acme/c.yaml:6:18: `cloud.client`: differs from projects/acme/a.yaml (scenario a); a project's scenarios in one region share its bucket, cluster, network and alerts; make `cloud.client` the same in every scenario of acme",
    ]);
  });

  it("looks only at projects/<project>/<file>.yaml, not into model folders", async () => {
    await rm(join(dir, "projects", "acme"), { recursive: true, force: true });
    await mkdir(join(dir, "projects", "acme", "model", "deep"), { recursive: true });
    await cp(join(REPO, "projects", "demo", "params"), join(dir, "projects", "acme", "params"), {
      recursive: true,
    });
    await writeFile(join(dir, "projects", "acme", "model", "deep", "not-a-project.yaml"), "anything: 1\n");
    await writeFile(join(dir, "projects", "acme", "a.yaml"), specText("a", "{}"));
    const stacks = await loadProjectStacks({ projectsDir: join(dir, "projects"), cwd: dir });
    expect(stacks.map((s) => s.scenarios.map((x) => x.file))).toEqual([["projects/acme/a.yaml"]]);
  });
});

describe("npm run synth", () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), "mf-synth-"));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it("writes cdktf.out/stacks/*/cdk.tf.json for the foundation and every project, with no cloud access", async () => {
    const { stdout } = await run(process.execPath, [join(REPO, "cdktf", "main.ts")], {
      env: { ...process.env, CDKTF_OUTDIR: out },
    });
    expect(stdout).toContain("synthesised");
    expect((await readdir(join(out, "stacks"))).sort()).toEqual([
      "modelfleet-demo-us-east-1",
      "modelfleet-foundation",
    ]);
    expect(await readdir(join(out, "stacks", "modelfleet-demo-us-east-1"))).toContain("cdk.tf.json");
  });
});
