// What the close-project workflow asks before it closes a project:
//   node scripts/close-project.ts request   (TITLE, BODY: the pull request's or issue's)
//     prints `project=<name>` for $GITHUB_OUTPUT, or fails saying why (not named, no such
//     project, closed already);
//   node scripts/close-project.ts stacks <project>
//     prints the folders of the project's synthesised stacks, one a line;
//   node scripts/close-project.ts comment <project> <report.md>   (GITHUB_TOKEN, NUMBER)
//     posts the close's report in the request, or edits the comment it posted before.
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { postCloseReport } from "../src/close/close-comment.ts";
import { projectFromRequest } from "../src/close/close-request.ts";
import { readClosedMarker } from "../src/close/closed-marker.ts";
import { projectStackDirs } from "../src/close/project-files.ts";
import { errorMessage } from "../src/errors.ts";
import { readWorkflowEnvironment } from "../src/github/environment.ts";
import { createOctokitClient } from "../src/github/octokit-client.ts";

const projectsDir = process.env["PROJECTS_DIR"] ?? "projects";

async function request(): Promise<string> {
  const named = projectFromRequest({ title: process.env["TITLE"] ?? "", body: process.env["BODY"] ?? "" });
  if ("problem" in named) throw new Error(named.problem);
  try {
    await access(join(projectsDir, named.project));
  } catch {
    throw new Error(`there is no project ${named.project} (no folder ${projectsDir}/${named.project})`);
  }
  const closed = await readClosedMarker(join(projectsDir, named.project));
  if (closed)
    throw new Error(
      `project ${named.project} was closed on ${closed.closedAt}; its backup is in ${closed.archive}`,
    );
  return `project=${named.project}`;
}

async function stacks(project: string | undefined): Promise<string> {
  if (!project) throw new Error("usage: node scripts/close-project.ts stacks <project>");
  return (await projectStackDirs({ project, projectsDir, stacksDir: join("cdktf.out", "stacks") })).join(
    "\n",
  );
}

async function comment(project: string | undefined, file: string | undefined): Promise<string> {
  const issue = Number(process.env["NUMBER"]);
  if (!project || !file || !Number.isInteger(issue) || issue < 1) {
    throw new Error(
      "usage: NUMBER=<issue or pull request> node scripts/close-project.ts comment <project> <report.md>",
    );
  }
  const environment = await readWorkflowEnvironment();
  const client = createOctokitClient({
    token: process.env["GITHUB_TOKEN"] ?? "",
    repository: environment.repository,
    baseUrl: environment.apiUrl,
  });
  const posted = await postCloseReport({ client, issue, project, body: await readFile(file, "utf8") });
  return `${posted.action} ${posted.comment.url}`;
}

try {
  const [what, arg, more] = process.argv.slice(2);
  const out =
    what === "request"
      ? await request()
      : what === "stacks"
        ? await stacks(arg)
        : what === "comment"
          ? await comment(arg, more)
          : undefined;
  if (out === undefined)
    throw new Error(
      "usage: node scripts/close-project.ts request | stacks <project> | comment <project> <report.md>",
    );
  process.stdout.write(`${out}\n`);
} catch (e) {
  // A workflow command: the message may not break out of its line.
  process.stdout.write(
    `::error::close-project: ${errorMessage(e).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}\n`,
  );
  process.exitCode = 1;
}
