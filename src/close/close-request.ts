// Which project a `close-project` label asks to close: the pull request's or issue's body names
// it on a line of its own (`project: <name>`), or its title is `Close <name>` (or
// `Close project <name>`). Anything else is refused, saying how to name it. Pure.

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function projectFromRequest(request: {
  readonly title: string;
  readonly body: string;
}): { readonly project: string } | { readonly problem: string } {
  const named = new Set<string>();
  for (const line of request.body.split(/\r?\n/)) {
    const m = /^\s*project\s*:\s*`?([^`\s]+)`?\s*$/i.exec(line);
    if (m) named.add(m[1]!);
  }
  const title = /^\s*close(?:\s+project)?\s*:?\s+`?([^`\s]+)`?\s*$/i.exec(request.title);
  if (named.size === 0 && title) named.add(title[1]!);
  if (named.size === 0) {
    return {
      problem:
        "the request does not name the project to close: add a line `project: <name>` to its description, or title it `Close <name>`",
    };
  }
  if (named.size > 1) {
    return {
      problem: `the request names several projects (${[...named].sort().join(", ")}); close one project per request`,
    };
  }
  const project = [...named][0]!;
  if (!NAME.test(project)) {
    return {
      problem: "the project named is not a project name (lower-case letters, digits and hyphens, at most 40)",
    };
  }
  return { project };
}
