// The modelfleet command line: parses the command name, hands off to one command module, and
// is the one place where errors become messages and exit codes.
import { errorMessage, UserError } from "../errors.ts";
import { agentCommand } from "./commands/agent.ts";
import { calibrateCommand } from "./commands/calibrate.ts";
import { checkInstructionsCommand } from "./commands/check-instructions.ts";
import { checkTemplateCommand } from "./commands/check-template.ts";
import { closeCommand } from "./commands/close.ts";
import { importPstCommand } from "./commands/import-pst.ts";
import { planCommand } from "./commands/plan.ts";
import { reportCommand } from "./commands/report.ts";
import { runCommand } from "./commands/run.ts";
import { serveCommand } from "./commands/serve.ts";
import { statusCommand } from "./commands/status.ts";
import { stopCommand } from "./commands/stop.ts";
import { validateCommand } from "./commands/validate.ts";
import { watchCommand } from "./commands/watch.ts";
import { type CliIO, processIO } from "./io.ts";

export type Command = (args: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  run: {
    run: runCommand,
    summary: "run a project's realisations on this machine (resumes where it stopped)",
  },
  plan: { run: planCommand, summary: "how many realisations, how many done, how many to run, how long" },
  status: { run: statusCommand, summary: "where a run set stands (--watch to follow a run)" },
  stop: { run: stopCommand, summary: "stop a run set on ECS: its workers, its queued work" },
  watch: { run: watchCommand, summary: "follow a run set on ECS with no client: finish it, or give it up" },
  close: { run: closeCommand, summary: "back a project up, prove the backup, then destroy its cloud side" },
  report: {
    run: reportCommand,
    summary: "aggregate results: summary files, report.md, report.html with charts",
  },
  validate: { run: validateCommand, summary: "check project files and everything they reference" },
  "check-template": {
    run: checkTemplateCommand,
    summary: "check a PEST template file, and write it with values",
  },
  "check-instructions": {
    run: checkInstructionsCommand,
    summary: "check a PEST instruction file, and read a model output with it",
  },
  calibrate: {
    run: calibrateCommand,
    summary: "calibrate the parameters against observations (ensemble smoother, or PEST++)",
  },
  "import-pst": { run: importPstCommand, summary: "write a project file from a PEST control file" },
  agent: {
    run: agentCommand,
    summary: "the cloud worker: run realisations from the queue until it stays empty",
  },
  serve: { run: serveCommand, summary: "a read-only HTTP API (and the HTML reports) over a results folder" },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "usage: modelfleet <command> [options]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `modelfleet <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    io.out("modelfleet 0.1.0");
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`modelfleet: unknown command \`${name}\`\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.err(e.message);
      return e.exitCode;
    }
    const errno = e as NodeJS.ErrnoException;
    if (errno?.code === "ENOENT" && errno.path) {
      io.err(`modelfleet ${name}: file not found: ${errno.path}`);
      return 1;
    }
    if ((errno?.code === "EACCES" || errno?.code === "EPERM") && errno.path) {
      io.err(`modelfleet ${name}: permission denied: ${errno.path}`);
      return 1;
    }
    io.err(`modelfleet ${name}: internal error: ${errorMessage(e)}`);
    if (e instanceof Error && e.stack) io.err(e.stack);
    return 70;
  }
}
