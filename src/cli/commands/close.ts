// `modelfleet close <project>`: back a project up, verify the backup, then destroy its cloud
// resources (src/close/close-project.ts). Wires the AWS implementations of the close's ports;
// stopping a run set is `modelfleet stop`'s.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArchiveOption } from "../../close/archive-target.ts";
import { awsClosePorts } from "../../close/aws-ports.ts";
import { type CloseEvent, type CloseOutcome, closeProject } from "../../close/close-project.ts";
import { formatCloseOutcome, formatClosePlan, renderCloseReport } from "../../close/close-report.ts";
import { createRunSetFreezer } from "../../close/freeze.ts";
import type { ClosePlan } from "../../close/plan.ts";
import { readCloseProject } from "../../close/project-files.ts";
import { createS3SourceBuckets } from "../../close/s3-source.ts";
import { errorMessage, UserError } from "../../errors.ts";
import { createS3Client } from "../../store/s3-store.ts";
import { parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";
import { stopCommand } from "./stop.ts";

const USAGE = `usage: modelfleet close <project> [--dry-run | --yes] [options]

Closes a project whose work is done: freezes it (no new run starts; runs going on are stopped
as \`modelfleet stop\` does), backs up every object version of its buckets (server-side copies
with SHA-256 to an archive bucket, or downloads to a folder) and the worker images its results
name (OCI archives), writes a manifest, verifies every entry of it, and only then destroys:
the buckets emptied, the project's stacks destroyed (terraform), the images no other project
uses deleted from ECR. The project is then marked closed (projects/<project>/closed.json).
Killed at any step, run it again: it continues. Run again once closed, it changes nothing.

options:
  --dry-run           print what would be kept and what destroyed; change nothing
  --yes               go ahead without asking (needed where no one can answer)
  --json              print the outcome as JSON
  --report FILE       also write the outcome as markdown (the pull request comment)
  --archive TARGET    the archive when the project files name none (cloud.archive):
                      s3://bucket/prefix[?region=R&storage_class=C] or an absolute folder
                      (default: the MODELFLEET_ARCHIVE environment variable)
  --projects DIR      the project folders (default projects)
  --infra-dir DIR     infrastructure outputs (default .modelfleet/infra)
  --stacks DIR        synthesised stacks (default cdktf.out/stacks; run \`npm run synth\`)
  --terraform PATH    the terraform binary (default terraform)
  --force             take the close's lock over from a close that seems alive (check first)

Exit codes: 0 closed, already closed, or planned (--dry-run); 1 nothing destroyed: the backup
did not verify, objects appeared after it, the plan has a problem, or a step failed (the message
says which; run again to continue); 2 bad command line, or no archive named; 3 another close of
the project holds its lock.`;

export interface CloseCommandDeps {
  /** Asks the person at the terminal; undefined when there is none. */
  readonly ask?: (question: string) => Promise<string>;
}

export async function closeCommand(
  args: string[],
  io: CliIO,
  deps: CloseCommandDeps = terminalDeps(),
): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "close",
    args,
    {
      "dry-run": { type: "boolean" },
      yes: { type: "boolean" },
      json: { type: "boolean" },
      report: { type: "string" },
      archive: { type: "string" },
      projects: { type: "string" },
      "infra-dir": { type: "string" },
      stacks: { type: "string" },
      terraform: { type: "string" },
      force: { type: "boolean" },
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const project = singleArgument(positionals, USAGE);
  const dryRun = o["dry-run"] ?? false;
  if (dryRun && o.yes)
    throw new UserError(`close: --dry-run or --yes, not both\n\n${USAGE}`, { exitCode: 2 });
  const archiveText = o.archive ?? process.env["MODELFLEET_ARCHIVE"];
  const archiveSource = o.archive !== undefined ? "--archive" : "MODELFLEET_ARCHIVE";
  const by = `modelfleet close ${project}${dryRun ? " --dry-run" : ""}`;

  try {
    const lookup = await readCloseProject({
      project,
      projectsDir: resolve(io.cwd, o.projects ?? "projects"),
      infraDir: resolve(io.cwd, o["infra-dir"] ?? ".modelfleet/infra"),
      stacksDir: resolve(io.cwd, o.stacks ?? "cdktf.out/stacks"),
      ...(archiveText
        ? {
            repositoryArchive: {
              target: parseArchiveOption(archiveText, archiveSource),
              source: archiveSource,
            },
          }
        : {}),
      cwd: io.cwd,
    });
    if (lookup.closed) {
      const outcome: CloseOutcome = {
        status: "already-closed",
        project,
        archive: lookup.closed.archive,
        closed: lookup.closed,
      };
      return await finish(outcome, { json: o.json ?? false, report: o.report }, io);
    }
    const tempDir = await mkdtemp(join(tmpdir(), "mf-close-"));
    try {
      const ports = awsClosePorts(lookup.files, {
        tempDir,
        force: o.force ?? false,
        terraform: o.terraform,
        projectsDir: resolve(io.cwd, o.projects ?? "projects"),
        infraDir: resolve(io.cwd, o["infra-dir"] ?? ".modelfleet/infra"),
        freezer: createRunSetFreezer({
          files: lookup.files,
          source: createS3SourceBuckets((region) => createS3Client({ region })),
          stop: async (s) => {
            const code = await stopCommand([s.file, "--executor", "ecs", "--infra", s.infraFile], io);
            if (code !== 0)
              throw new UserError(
                `could not stop ${project}/${s.scenario}: modelfleet stop ended with ${code}`,
              );
          },
        }),
        onTerraformOutput: (line) => io.err(`  terraform: ${line}`),
        cwd: io.cwd,
      });
      const ask = deps.ask;
      // Asked once the plan is printed (a closed project needs no answer).
      const confirm =
        dryRun || o.yes
          ? undefined
          : async (plan: ClosePlan) => {
              if (!ask) {
                throw new UserError(
                  "close: destroys the project's cloud resources once they are backed up; with no terminal to confirm at, add --yes (or --dry-run to see the plan)",
                  { exitCode: 2 },
                );
              }
              const answer = await ask(
                `This destroys what is listed above once it is backed up and verified. Type the project's name (${project}) to go ahead: `,
              );
              return answer.trim() === project && plan.problems.length === 0;
            };
      const outcome = await closeProject({
        files: lookup.files,
        ports,
        dryRun,
        ...(confirm ? { confirm } : {}),
        by,
        onEvent: (e) => say(e, project, io),
      });
      return await finish(outcome, { json: o.json ?? false, report: o.report }, io);
    } finally {
      await rm(tempDir, { recursive: true, force: true });
    }
  } catch (e) {
    if (o.json || o.report) {
      const failed = { status: "failed" as const, project, error: errorMessage(e) };
      if (o.json) io.out(JSON.stringify(failed, null, 2));
      if (o.report) await writeFile(resolve(io.cwd, o.report), `${renderCloseReport(failed)}\n`);
    }
    throw e;
  }
}

function say(e: CloseEvent, project: string, io: CliIO): void {
  switch (e.type) {
    case "plan":
      io.err(
        `${project}: ${e.afterFreeze ? "the plan once frozen" : "the plan"}\n${indent(formatClosePlan(e.plan))}`,
      );
      return;
    case "resuming":
      io.err(`${project}: resuming: ${e.what}`);
      return;
    case "frozen":
      io.err(`${project}/${e.scenario}: frozen (${e.note})`);
      return;
    case "copying":
      io.err(`${project}: backed up ${e.done} of ${e.of} object version(s)`);
      return;
    case "image":
      io.err(`${project}: exported ${e.image.reference} (${e.size} bytes)`);
      return;
    case "manifest":
      io.err(`${project}: manifest written: ${e.location}`);
      return;
    case "verifying":
      io.err(`${project}: verified ${e.checked} of ${e.of} entries`);
      return;
    case "bucket-emptied":
      io.err(
        `${project}: emptied s3://${e.bucket} (${e.deleted} version(s), ${e.uploads} unfinished upload(s))`,
      );
      return;
    case "stack-destroying":
      io.err(`${project}: destroying stack ${e.stack.stack}`);
      return;
    case "stack-destroyed":
      io.err(`${project}: destroyed stack ${e.stack.stack}`);
      return;
    case "image-deleted":
      io.err(
        `${project}: ${e.outcome === "deleted" ? "deleted" : "already gone from"} ECR: ${e.image.reference}`,
      );
      return;
  }
}

async function finish(
  outcome: CloseOutcome,
  options: { readonly json: boolean; readonly report: string | undefined },
  io: CliIO,
): Promise<number> {
  if (options.report) await writeFile(resolve(io.cwd, options.report), `${renderCloseReport(outcome)}\n`);
  if (options.json) io.out(JSON.stringify(outcome, null, 2));
  else io.out(formatCloseOutcome(outcome));
  return outcome.status === "closed" || outcome.status === "already-closed" || outcome.status === "planned"
    ? 0
    : 1;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

function terminalDeps(): CloseCommandDeps {
  if (!process.stdin.isTTY) return {};
  return {
    ask: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}
