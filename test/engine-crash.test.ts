// The engine killed and interrupted for real: `kill -9` mid-run, Ctrl-C, two runs at once.
// Runs the CLI as a separate process, as a user would.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runLocal } from "../src/engine/local-run.ts";
import { reapRecordedModels } from "../src/engine/model-journal.ts";
import type { RealisationResult } from "../src/results/realisation-result.ts";
import { isInside } from "../src/spec/paths.ts";
import { CLI, makeProject, type TestProject } from "./helpers/project.ts";
import { waitFor } from "./helpers/wait.ts";

let project: TestProject | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  child = undefined;
  await project?.remove();
  project = undefined;
});

function startRun(p: TestProject, extra: string[] = [], options: { detached?: boolean } = {}) {
  const proc = spawn(
    process.execPath,
    [CLI, "run", p.spec, "--results", p.results, "--work-dir", p.work, "--workers", "2", ...extra],
    // detached: its own process group, as a terminal's foreground job has
    { stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false },
  );
  let output = "";
  proc.stdout!.on("data", (b) => (output += b));
  proc.stderr!.on("data", (b) => (output += b));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, exited, output: () => output };
}

const realisationsDir = (p: TestProject) => join(p.results, "test", "base", "realisations");

/** Every result.json that exists, parsed: a partial file would throw here. */
async function publishedResults(p: TestProject): Promise<RealisationResult[]> {
  const ids = await readdir(realisationsDir(p)).catch(() => [] as string[]);
  const out: RealisationResult[] = [];
  for (const id of ids) {
    const text = await readFile(join(realisationsDir(p), id, "result.json"), "utf8").catch(() => undefined);
    if (text !== undefined) out.push(JSON.parse(text) as RealisationResult);
  }
  return out;
}

const slowParams = (n: number) => Array.from({ length: n }, (_, i) => ({ x: i + 1, mode: 6 }));

describe("kill -9 of the engine mid-run", () => {
  it("leaves no partial result; the next run runs exactly the unfinished realisations", async () => {
    project = await makeProject({ params: slowParams(16) });
    const run = startRun(project);
    child = run.proc;
    await waitFor("3 published results", async () =>
      (await publishedResults(project!)).length >= 3 ? true : undefined,
    );
    run.proc.kill("SIGKILL");
    await run.exited;

    const before = await publishedResults(project);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(16);
    for (const r of before) expect(r.status).toBe("ok");

    const again = await runLocal({
      specFile: project.spec,
      resultsRoot: project.results,
      workRoot: project.work,
      workers: 2,
    });
    expect(again.plan.done.ok).toBe(before.length);
    expect(again.plan.toRun.map((p) => p.id).sort()).toEqual(
      Array.from({ length: 16 }, (_, i) => String(i + 1))
        .filter((id) => !before.some((r) => r.id === id))
        .sort(),
    );
    expect(again.engine.published).toBe(16 - before.length);
    const after = await publishedResults(project);
    expect(after).toHaveLength(16);
    // the results published before the kill were not touched
    for (const r of before) expect(after.find((a) => a.id === r.id)!.startedAt).toBe(r.startedAt);
  });
});

describe("model processes left behind by a killed engine", () => {
  it("are ended by the next run before it starts", async () => {
    project = await makeProject({
      params: [
        { x: 1, mode: 2 },
        { x: 2, mode: 2 },
      ],
      timeout: "5m",
    });
    const run = startRun(project);
    child = run.proc;
    const workRoot = join(project.work, "test", "base");
    await waitFor("two hanging models", async () =>
      (await processesUnder(workRoot)).length >= 4 ? true : undefined,
    );
    run.proc.kill("SIGKILL");
    await run.exited;
    // the engine is gone; its models (and their children) are not
    expect((await processesUnder(workRoot)).length).toBeGreaterThanOrEqual(4);
    expect(await reapRecordedModels(workRoot)).toBe(2);
    await waitFor(
      "the orphans to end",
      async () => ((await processesUnder(workRoot)).length === 0 ? true : undefined),
      5000,
    );
  });
});

describe("processes that are not models", () => {
  it("are never ended by a run, even when they work inside the work folder", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 1 }, { x: 2 }] });
    await runLocal({
      specFile: project.spec,
      resultsRoot: project.results,
      workRoot: project.work,
      workers: 2,
    });
    const kept = join(project.work, "test", "base");
    const folders = (await readdir(kept)).filter((d) => d.endsWith("-a1"));
    expect(folders).toHaveLength(1); // the failed realisation's folder is kept
    // a user's shell opened in the kept folder to look at the failure
    const shell = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      cwd: join(kept, folders[0]!),
      detached: true,
      stdio: "ignore",
    });
    child = shell;
    await new Promise((r) => setTimeout(r, 200));
    await runLocal({
      specFile: project.spec,
      resultsRoot: project.results,
      workRoot: project.work,
      workers: 2,
      retryFailed: true,
    });
    expect(shell.exitCode).toBeNull();
    expect(shell.signalCode).toBeNull();
  });

  it("a run started from inside the work folder does not end itself", async () => {
    project = await makeProject({ params: [{ x: 1 }] });
    const inside = join(project.work, "test", "base", "notes");
    await mkdir(inside, { recursive: true });
    // As from a terminal: a shell in that folder, and the run in the shell's job (one group).
    const proc = spawn(
      "/bin/sh",
      [
        "-c",
        `"$0" "$@"; exit $?`,
        process.execPath,
        CLI,
        "run",
        project.spec,
        "--results",
        project.results,
        "--work-dir",
        project.work,
      ],
      { cwd: inside, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    child = proc;
    const code = await new Promise<number | null>((resolve) => proc.on("exit", (c) => resolve(c)));
    expect(code).toBe(0);
  });
});

describe("two runs of one scenario into different results folders", () => {
  it("cannot share a work folder: the second refuses and names it", async () => {
    project = await makeProject({ params: slowParams(6) });
    const run = startRun(project);
    child = run.proc;
    await waitFor("the first run to start", async () => (run.output().includes("to run") ? true : undefined));
    await expect(
      runLocal({
        specFile: project.spec,
        resultsRoot: join(project.dir, "other-results"),
        workRoot: project.work,
        workers: 1,
      }),
    ).rejects.toThrow(/work folder/);
    expect(await run.exited).toBe(0);
    const published = await publishedResults(project);
    expect(published.map((r) => r.status)).toEqual(published.map(() => "ok"));
    expect(published).toHaveLength(6);
  });
});

describe("Ctrl-C", () => {
  it("stops leasing, lets running models finish in the grace period, exits 130, and resumes", async () => {
    project = await makeProject({ params: slowParams(12) });
    const run = startRun(project, ["--grace", "5s"]);
    child = run.proc;
    await waitFor("a published result", async () =>
      (await publishedResults(project!)).length >= 1 ? true : undefined,
    );
    run.proc.kill("SIGINT");
    const code = await run.exited;
    expect(code).toBe(130);
    expect(run.output()).toContain("stopping: no new runs");
    const published = await publishedResults(project);
    expect(published.length).toBeLessThan(12);
    expect(published.every((r) => r.status === "ok")).toBe(true);

    const resumed = await runLocal({
      specFile: project.spec,
      resultsRoot: project.results,
      workRoot: project.work,
      workers: 2,
    });
    expect(resumed.engine.published).toBe(12 - published.length);
    expect(resumed.results).toHaveLength(12);
  });

  it("a terminal's Ctrl-C reaches only the engine: running models get their grace and none is called out-of-memory", async () => {
    project = await makeProject({ params: Array.from({ length: 6 }, (_, i) => ({ x: i + 1, mode: 8 })) });
    const run = startRun(project, ["--grace", "20s"], { detached: true });
    child = run.proc;
    await waitFor("models running", async () => (run.output().includes("2 worker(s)") ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    // A terminal sends SIGINT to every process of its foreground group.
    process.kill(-run.proc.pid!, "SIGINT");
    expect(await run.exited).toBe(130);
    const published = await publishedResults(project);
    expect(published.map((r) => r.failure?.reason ?? r.status)).toEqual(published.map(() => "ok"));
    // the two models running at the Ctrl-C finished in their grace period
    expect(published.length).toBeGreaterThanOrEqual(2);
    expect(published.length).toBeLessThan(6);
  });

  it("a closed terminal (SIGHUP) stops as Ctrl-C does: running models finish and are published", async () => {
    project = await makeProject({ params: Array.from({ length: 6 }, (_, i) => ({ x: i + 1, mode: 8 })) });
    const run = startRun(project, ["--grace", "20s"], { detached: true });
    child = run.proc;
    await waitFor("models running", async () => (run.output().includes("2 worker(s)") ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    run.proc.kill("SIGHUP");
    expect(await run.exited).toBe(129);
    const published = await publishedResults(project);
    expect(published.map((r) => r.status)).toEqual(published.map(() => "ok"));
    expect(published.length).toBeGreaterThanOrEqual(2);
    // no model left running
    expect(await processesUnder(join(project.work, "test", "base"))).toEqual([]);
  });

  it("a second Ctrl-C kills running models at once and publishes nothing half-done", async () => {
    project = await makeProject({
      params: [
        { x: 1, mode: 2 },
        { x: 2, mode: 2 },
      ],
    });
    const run = startRun(project, ["--grace", "60s"]);
    child = run.proc;
    await waitFor("models running", async () => (run.output().includes("2 worker(s)") ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    run.proc.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    run.proc.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.output()).toContain("killing running models");
    expect(await publishedResults(project)).toEqual([]);
  });
});

describe("two runs of one scenario at once", () => {
  it("the second refuses, naming the run that holds the lock", async () => {
    project = await makeProject({ params: slowParams(8) });
    const run = startRun(project);
    child = run.proc;
    await waitFor("the first run to start", async () => (run.output().includes("to run") ? true : undefined));
    await expect(
      runLocal({ specFile: project.spec, resultsRoot: project.results, workRoot: project.work, workers: 1 }),
    ).rejects.toThrow(new RegExp(`another modelfleet run \\(pid ${run.proc.pid}`));
    expect(await run.exited).toBe(0);
    expect(await publishedResults(project)).toHaveLength(8);
  });
});

/** Pids of processes working inside `dir` (Linux /proc). */
async function processesUnder(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => "");
    if (cwd !== "" && isInside(dir, cwd)) out.push(Number(name));
  }
  return out;
}
