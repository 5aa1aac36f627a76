// The close-project workflow's promises, read from its YAML: the triggers, the environment of
// every job that reaches AWS and of the one that destroys, one close of a project at a time; and
// which project a request names. (Pinned actions, untrusted values, actionlint and each job's
// permissions are held for every workflow by test/github-workflows.test.ts.)
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { projectFromRequest } from "../../src/close/close-request.ts";
import { REPO } from "../helpers/project.ts";

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly permissions?: Record<string, string>;
  readonly environment?: string;
  readonly concurrency?: { group: string; "cancel-in-progress": boolean };
  readonly steps: Step[];
  readonly needs?: string | string[];
}

const file = join(REPO, ".github", "workflows", "close-project.yml");
const text = await readFile(file, "utf8");
const workflow = parse(text) as {
  on: Record<string, { types: string[] }>;
  permissions: unknown;
  jobs: Record<string, Job>;
};
const jobs = Object.entries(workflow.jobs);

describe("close-project.yml", () => {
  it("runs on the label, for pull requests (never pull_request_target) and issues", () => {
    expect(workflow.on).toEqual({ pull_request: { types: ["labeled"] }, issues: { types: ["labeled"] } });
    expect(text).not.toContain("pull_request_target");
    expect(text).toContain("github.event.label.name == 'close-project'");
  });

  it("reaches AWS only in the close-project environment, whose reviewers approve the dry run and then the close", () => {
    for (const [name, job] of jobs) {
      const aws = job.steps.some((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials"));
      expect(job.permissions?.["id-token"] === "write", name).toBe(aws);
      if (aws) expect(job.environment, name).toBe("close-project");
    }
    const destroying = jobs.filter(([, j]) =>
      j.steps.some((s) => /close "\$PROJECT" --yes/.test(s.run ?? "")),
    );
    expect(destroying.map(([n, j]) => [n, j.environment, j.needs])).toEqual([
      ["close", "close-project", ["request", "plan"]],
    ]);
  });

  it("closes one project at a time, never cancelling a close under way", () => {
    for (const name of ["plan", "close"]) {
      expect(workflow.jobs[name]!.concurrency).toEqual({
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
        group: "close-project-${{ needs.request.outputs.project }}",
        "cancel-in-progress": false,
      });
    }
  });
});

describe("which project a request names", () => {
  it("takes `project: <name>` in the description, or the title `Close <name>`", () => {
    expect(projectFromRequest({ title: "Wrap up", body: "Done with it.\n\nproject: demo\n" })).toEqual({
      project: "demo",
    });
    expect(projectFromRequest({ title: "Close demo", body: "" })).toEqual({ project: "demo" });
    expect(projectFromRequest({ title: "close project `acme-2`", body: "" })).toEqual({ project: "acme-2" });
  });

  it("says why it refuses", () => {
    expect(projectFromRequest({ title: "Wrap up", body: "" })).toEqual({
      problem:
        "the request does not name the project to close: add a line `project: <name>` to its description, or title it `Close <name>`",
    });
    expect(projectFromRequest({ title: "", body: "project: a\nproject: b" })).toEqual({
      problem: "the request names several projects (a, b); close one project per request",
    });
    expect(projectFromRequest({ title: "Close $(reboot)", body: "" })).toEqual({
      problem: "the project named is not a project name (lower-case letters, digits and hyphens, at most 40)",
    });
  });

  it("the workflow's script prints the project for $GITHUB_OUTPUT, or a workflow error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mf-close-request-"));
    try {
      await mkdir(join(dir, "demo"));
      await mkdir(join(dir, "old"));
      await writeFile(
        join(dir, "old", "closed.json"),
        JSON.stringify({
          schema: 1,
          project: "old",
          closedAt: "2030-01-01T00:00:00.000Z",
          archive: "/srv/archive/old/",
        }),
      );
      const run = async (title: string) => {
        try {
          const out = await promisify(execFile)(
            process.execPath,
            [join(REPO, "scripts", "close-project.ts"), "request"],
            {
              env: { ...process.env, TITLE: title, BODY: "", PROJECTS_DIR: dir },
            },
          );
          return { code: 0, stdout: out.stdout };
        } catch (e) {
          return { code: (e as { code: number }).code, stdout: (e as { stdout: string }).stdout };
        }
      };
      expect(await run("Close demo")).toEqual({ code: 0, stdout: "project=demo\n" });
      expect(await run("Close nope")).toEqual({
        code: 1,
        stdout: `::error::close-project: there is no project nope (no folder ${dir}/nope)\n`,
      });
      expect(await run("Close old")).toEqual({
        code: 1,
        stdout:
          "::error::close-project: project old was closed on 2030-01-01T00:00:00.000Z; its backup is in /srv/archive/old/\n",
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
