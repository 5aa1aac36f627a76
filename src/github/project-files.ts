// Which project files a change touches: every `projects/<project>/<scenario>.yaml`, and of
// those the ones whose project folder holds a changed path (the file itself, its model, its
// parameter sets). Paths are relative to the repository, with "/".
import { readdir } from "node:fs/promises";
import { join, posix } from "node:path";
import { CLOSED_FILE } from "../close/closed-marker.ts";

export async function listProjectFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  let projects: string[];
  try {
    projects = await readdir(join(root, "projects"));
  } catch {
    return [];
  }
  for (const project of projects.sort()) {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(join(root, "projects", project), { withFileTypes: true });
    } catch {
      continue;
    }
    // A closed project (modelfleet close) is planned and run no more.
    if (entries.some((e) => e.name === CLOSED_FILE)) continue;
    for (const e of entries) {
      if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(posix.join("projects", project, e.name));
    }
  }
  return out.sort();
}

/** The project files a change touches; all of them when `changed` is undefined. */
export function affectedProjectFiles(
  all: readonly string[],
  changed: readonly string[] | undefined,
): string[] {
  if (changed === undefined) return [...all];
  const paths = changed.map((p) => p.trim().replace(/^\.\//, "")).filter((p) => p !== "");
  return all.filter((file) => {
    const folder = `${posix.dirname(file)}/`;
    return paths.some((p) => p === file || p.startsWith(folder));
  });
}

/** Newline- or space-separated paths from an action input; undefined when empty. */
export function parsePathList(text: string): string[] | undefined {
  const paths = text
    .split(/\n/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  return paths.length === 0 ? undefined : paths;
}
