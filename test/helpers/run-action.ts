// Runs one of our actions as GitHub does: `node actions/<name>/index.js` with the inputs as
// INPUT_* variables and the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, the event),
// in a repository folder of the test's making. Returns what the step wrote.
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO } from "./project.ts";

export interface ActionRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export interface ActionRunOptions {
  readonly inputs?: Record<string, string>;
  /** The repository folder (GITHUB_WORKSPACE, and the working folder). */
  readonly workspace: string;
  /** The event payload (GITHUB_EVENT_PATH). */
  readonly event?: unknown;
  readonly env?: Record<string, string>;
  /** SIGKILLs the action once its output holds this text (a job killed mid-way). */
  readonly killWhen?: string;
}

export async function runAction(name: string, options: ActionRunOptions): Promise<ActionRun> {
  const files = await mkdtemp(join(tmpdir(), "mf-action-"));
  const output = join(files, "output");
  const summary = join(files, "summary");
  const eventPath = join(files, "event.json");
  await Promise.all([
    writeFile(output, ""),
    writeFile(summary, ""),
    writeFile(eventPath, JSON.stringify(options.event ?? {})),
  ]);
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: process.env["HOME"] ?? files,
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "acme/models",
    GITHUB_SHA: "4f9c2a1e0b7d4f9c2a1e0b7d4f9c2a1e0b7d4f9c",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_RUN_ID: "123456789",
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: files,
    MODELFLEET_GITHUB_WRITE_INTERVAL_MS: "0",
    ...options.env,
  };
  // As the runner does: every input the step does not give gets its default from action.yml.
  const metadata = parse(await readFile(join(REPO, "actions", name, "action.yml"), "utf8")) as {
    inputs?: Record<string, { default?: string }>;
  };
  for (const [k, spec] of Object.entries(metadata.inputs ?? {})) {
    if (spec.default !== undefined && !spec.default.includes("${{"))
      env[`INPUT_${k.toUpperCase()}`] = spec.default;
  }
  for (const [k, v] of Object.entries(options.inputs ?? {})) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(process.execPath, [join(REPO, "actions", name, "index.js")], {
    cwd: options.workspace,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
    if (options.killWhen && stdout.includes(options.killWhen)) child.kill("SIGKILL");
  });
  child.stderr.on("data", (d) => (stderr += d));
  const exitCode = await new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(output, "utf8")),
    summary: await readFile(summary, "utf8"),
  };
}

/** GITHUB_OUTPUT's `name<<delimiter` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    out[m[1]!] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return out;
}

/** A repository folder holding a copy of projects/demo, and what the worker image is built
 * from (its tag is a hash of those files). */
export async function demoRepository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mf-repo-"));
  await mkdir(join(dir, "projects"));
  for (const path of [
    "agent-image",
    "src",
    "bin",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.build.json",
    ".dockerignore",
  ])
    await cp(join(REPO, path), join(dir, path), { recursive: true });
  // The demo's base scenario alone (its calibration scenario is not part of these flows).
  await cp(join(REPO, "projects", "demo"), join(dir, "projects", "demo"), {
    recursive: true,
    filter: (source) => !source.endsWith(join("demo", "calibrate.yaml")),
  });
  await cp(join(REPO, "projects", "project.schema.json"), join(dir, "projects", "project.schema.json"));
  return dir;
}
