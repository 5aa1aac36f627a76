// What the close-project workflow asks before it closes a project:
//   node scripts/close-project.ts request   (TITLE, BODY: the pull request's or issue's)
//     prints `project=<name>` for $GITHUB_OUTPUT, or fails saying why (not named, no such
//     project, closed already);
//   node scripts/close-project.ts stacks <project>
//     prints the folders of the project's synthesised stacks, one a line.
import { access } from "node:fs/promises";
import { join } from "node:path";
import { projectFromRequest } from "../src/close/close-request.ts";
import { readClosedMarker } from "../src/close/closed-marker.ts";
import { projectStackDirs } from "../src/close/project-files.ts";
import { errorMessage } from "../src/errors.ts";

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

try {
  const [what, arg] = process.argv.slice(2);
  const out = what === "request" ? await request() : what === "stacks" ? await stacks(arg) : undefined;
  if (out === undefined) throw new Error("usage: node scripts/close-project.ts request | stacks <project>");
  process.stdout.write(`${out}\n`);
} catch (e) {
  // A workflow command: the message may not break out of its line.
  process.stdout.write(
    `::error::close-project: ${errorMessage(e).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}\n`,
  );
  process.exitCode = 1;
}
