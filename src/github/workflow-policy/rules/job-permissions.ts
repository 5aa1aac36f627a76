// Every job says which permissions its token has, and none asks for all of them: a job that
// says nothing gets the repository's default, which may be write on everything.
import type { Finding, WorkflowRule } from "../workflow.ts";

export const jobPermissions: WorkflowRule = {
  id: "job-permissions",
  description: "Every job declares `permissions:`; none is write-all.",
  check: (w) => {
    const out: Finding[] = [];
    const add = (line: number, message: string) =>
      out.push({ rule: "job-permissions", file: w.file, line, message });
    if (w.permissions === "write-all")
      add(w.lineOf(["permissions"]), "`permissions: write-all` gives every job every permission");
    for (const job of w.jobs) {
      if (job.permissions === undefined)
        add(
          job.line,
          `job \`${job.id}\` has no \`permissions:\`: list what its token needs (\`contents: read\` at least)`,
        );
      else if (job.permissions === "write-all")
        add(w.lineOf(["jobs", job.id, "permissions"]), `job \`${job.id}\` asks for \`write-all\``);
    }
    return out;
  },
};
