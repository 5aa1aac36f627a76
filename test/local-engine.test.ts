// The local engine end to end, with real processes: results, resume, failure classes,
// timeouts without orphans, retries of infrastructure failures, stragglers.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { DiskSpace } from "../src/agent/disk-space.ts";
import { runConfigFromSpec } from "../src/agent/run-config.ts";
import { type EngineEvent, runEngine } from "../src/engine/local-engine.ts";
import { runLocal } from "../src/engine/local-run.ts";
import { parseIdSelection } from "../src/params/id-selection.ts";
import { legacyRealisationKey } from "../src/plan/key.ts";
import { planRun } from "../src/plan/plan.ts";
import { formatUnpublished } from "../src/report/unpublished.ts";
import type { RealisationResult } from "../src/results/realisation-result.ts";
import { loadSpec } from "../src/spec/load.ts";
import { createFsResultStore } from "../src/store/fs-store.ts";
import type { ResultStore } from "../src/store/result-store.ts";
import { CLI, makeProject, type TestProject } from "./helpers/project.ts";
import { hashOfValues } from "./helpers/realisation-results.ts";

let project: TestProject | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

const run = (p: TestProject, extra: Partial<Parameters<typeof runLocal>[0]> = {}) =>
  runLocal({ specFile: p.spec, resultsRoot: p.results, workRoot: p.work, workers: 2, ...extra });

const byId = (results: RealisationResult[]) => new Map(results.map((r) => [r.id, r]));
const store = (p: TestProject) => createFsResultStore(p.results);

describe("a run of good realisations", () => {
  it("publishes every realisation with its observations, kept files and log", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2.5 }, { x: -3 }, { x: 1e-3 }] });
    const report = await run(project);
    expect(report.engine).toMatchObject({ published: 4, ok: 4, failed: 0, interrupted: 0 });
    const r = byId(report.results);
    expect(r.get("2")).toMatchObject({
      status: "ok",
      observations: { y: 5, z: 3.5 },
      attempts: 1,
      exitCode: 0,
    });
    // The values are the spec's: the result names them by their hash alone.
    expect(r.get("2")!.parameters).toBeUndefined();
    expect(r.get("2")!.parametersHash).toBe(hashOfValues({ x: 2.5, mode: 0 }));
    expect(r.get("2")!.files.map((f) => f.path)).toEqual(["out.txt"]);
    expect(r.get("2")!.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.get("2")!.logTail).toContain("behave: x=2.5 mode=0");
    const dir = join(report.location, "realisations", "2");
    expect((await readdir(dir)).sort()).toEqual(["attempts", "result.json"]);
    const attempt = r.get("2")!.attempt!;
    expect(attempt).toMatch(/^g1-a1-[0-9a-f]{8}$/);
    expect((await readdir(join(dir, "attempts", attempt))).sort()).toEqual(["files", "log.txt"]);
    expect(r.get("2")!.files[0]!.stored).toBe(`attempts/${attempt}/files/out.txt`);
    expect(r.get("2")!.log).toBe(`attempts/${attempt}/log.txt`);
    expect(await readFile(join(dir, r.get("2")!.files[0]!.stored!), "utf8")).toBe("RESULTS\ny 5\nz 3.5\n");
    // successful work folders are removed
    expect((await readdir(join(project.work, "test", "base"))).filter((d) => !d.startsWith("."))).toEqual([]);
  });

  it("resumes: a second run runs nothing; one changed par file re-runs that one; new ids run alone", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }, { x: 3 }] });
    expect((await run(project)).engine.published).toBe(3);
    const again = await run(project);
    expect(again.plan.toRun).toHaveLength(0);
    expect(again.engine.published).toBe(0);

    await project.setParams(2, { x: 20 });
    const changed = await run(project);
    expect(changed.plan.stale).toBe(1);
    expect(changed.plan.toRun.map((p) => p.id)).toEqual(["2"]);
    expect(byId(changed.results).get("2")!.observations).toEqual({ y: 40, z: 21 });

    await project.setParams(4, { x: 4 });
    await writeFile(project.spec, (await readFile(project.spec, "utf8")).replace('ids: "1-3"', 'ids: "1-4"'));
    const added = await run(project);
    expect(added.plan.toRun.map((p) => p.id)).toEqual(["4"]);
  });

  it("keeps results published under the earlier keys: none runs again; a failed one runs under today's key", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }, { x: 3 }] });
    const first = await run(project);
    // Rewrite the published results as the earlier version of modelfleet wrote them: the key
    // of their values as text; realisation 3 an infrastructure failure.
    const values = new Map(first.plan.all.map((p) => [p.id, p.values]));
    for (const id of ["1", "2", "3"]) {
      const file = join(first.location, "realisations", id, "result.json");
      const result = JSON.parse(await readFile(file, "utf8")) as RealisationResult;
      const key = legacyRealisationKey(first.plan.fingerprint, values.get(id)!);
      expect(key).not.toBe(result.key);
      // Earlier results did not say how their key was made.
      const { keyScheme, ...earlier } = result;
      expect(keyScheme).toBe(2);
      const old =
        id === "3"
          ? {
              ...earlier,
              key,
              status: "failed",
              failure: { kind: "infrastructure", reason: "workdir", message: "x" },
            }
          : { ...earlier, key };
      await writeFile(file, JSON.stringify(old));
    }
    const again = await run(project);
    expect(again.plan.done.ok).toBe(2);
    expect(again.plan.stale).toBe(0);
    expect(again.plan.infraRetry).toBe(1);
    expect(again.plan.toRun.map((p) => p.id)).toEqual(["3"]);
    expect(again.plan.keys.get("1")).toBe(legacyRealisationKey(first.plan.fingerprint, values.get("1")!));
    const rerun = byId(again.results).get("3")!;
    expect(rerun.status).toBe("ok");
    expect(rerun.key).toBe(first.plan.keys.get("3"));
    // The report counts all three under the keys the plan gives them.
    expect(again.results.filter((r) => r.status === "ok")).toHaveLength(3);

    // A result that says it was keyed today's way is not taken for an earlier one.
    const file = join(first.location, "realisations", "1", "result.json");
    const one = JSON.parse(await readFile(file, "utf8")) as RealisationResult;
    await writeFile(file, JSON.stringify({ ...one, keyScheme: 2 }));
    const third = await run(project);
    expect(third.plan.stale).toBe(1);
    expect(third.plan.toRun.map((p) => p.id)).toEqual(["1"]);
  });

  it("changing the model re-runs everything", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }] });
    await run(project);
    await writeFile(join(project.dir, "model", "notes.txt"), "a new file in the model folder\n");
    const after = await run(project);
    expect(after.plan.stale).toBe(2);
    expect(after.engine.published).toBe(2);
  });

  it("--ids runs only the named realisations", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }, { x: 3 }] });
    const report = await run(project, { ids: parseIdSelection("3") });
    expect(report.results.map((r) => r.id)).toEqual(["3"]);
  });
});

describe("ids that differ only in characters a file name cannot hold", () => {
  it("run in folders of their own, and each result holds its own realisation's values", async () => {
    project = await makeProject({ params: [{ x: 0 }] });
    const rows = Array.from({ length: 10 }, (_, i) => [
      [`r ${i}`, 100 + i],
      [`r_${i}`, 200 + i],
      [`r(${i})`, 300 + i],
      [`r_28${i}_29`, 400 + i],
    ]).flat() as Array<[string, number]>;
    await writeFile(
      join(project.dir, "ensemble.csv"),
      `real_name,x,mode\n${rows.map(([name, x]) => `${name},${x},0`).join("\n")}\n`,
    );
    await writeFile(
      project.spec,
      (await readFile(project.spec, "utf8")).replace(
        / {2}par_files:.*\n {2}ids:.*\n/,
        "  csv: ensemble.csv\n",
      ),
    );
    const report = await run(project, { keepWorkdirs: true });
    expect(report.results).toHaveLength(rows.length);
    const r = byId(report.results);
    for (const [name, x] of rows) expect(r.get(name)?.observations).toEqual({ y: 2 * x, z: x + 1 });
  });
});

describe("a full disk", () => {
  const full: DiskSpace = { usage: async () => ({ availableBytes: 1024, totalBytes: 10 * 1024 ** 3 }) };

  it("under a failing model makes it an infrastructure failure (disk_full), retried", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 1 }, { x: 2 }] });
    const report = await run(project, { diskSpace: full });
    const r = byId(report.results);
    expect(r.get("1")!.failure).toMatchObject({ kind: "infrastructure", reason: "disk_full" });
    expect(r.get("1")!.failure!.message).toContain(
      "the disk of the work folder was full (1 KB free of 10 GB)",
    );
    expect(r.get("1")!.failure!.message).toContain("exited with code 1");
    expect(r.get("1")!.attempts).toBe(3);
    // a model that succeeds is a success, however full the disk
    expect(r.get("2")!.status).toBe("ok");
    // with room on the disk, the same failure is the model's
    const again = await run(project, { retryFailed: true });
    expect(byId(again.results).get("1")!.failure).toMatchObject({ kind: "model", reason: "exit_code" });
  });
});

describe("a results store that refuses writes", () => {
  const refusing = (inner: ResultStore, code: string, after: number, only?: string): ResultStore => {
    let published = 0;
    const fail = (id: string) => {
      if ((only === undefined && published >= after) || only === id) {
        throw Object.assign(new Error(`${code}: write refused`), { code });
      }
    };
    return {
      ...inner,
      location: inner.location,
      runSetLocation: (r) => inner.runSetLocation(r),
      getResult: (r, id) => inner.getResult(r, id),
      listResults: (r) => inner.listResults(r),
      putRunSetFile: (r, n, c) => inner.putRunSetFile(r, n, c),
      getRunSetFile: (r, n) => inner.getRunSetFile(r, n),
      putFile: async (file) => {
        fail(file.id);
        return inner.putFile(file);
      },
      putLog: (log) => inner.putLog(log),
      discardAttempt: (a) => inner.discardAttempt(a),
      startPlan: (r, plan) => inner.startPlan(r, plan),
      currentPlan: (r) => inner.currentPlan(r),
      publishResult: async (result, options) => {
        fail(result.id);
        published++;
        return inner.publishResult(result, options);
      },
    };
  };

  const engineRun = async (p: TestProject, wrap: (s: ResultStore) => ResultStore, events: EngineEvent[]) => {
    const resolved = await loadSpec(p.spec);
    const store = createFsResultStore(p.results);
    const plan = await planRun(resolved, store);
    const summary = await runEngine({
      config: await runConfigFromSpec(resolved, plan.bundle),
      items: plan.toRun,
      store: wrap(store),
      workers: 2,
      workRoot: join(p.work, "w"),
      retries: resolved.spec.retries,
      onEvent: (e) => events.push(e),
    });
    return { summary, store, plan };
  };

  it("(full or read-only) stops new runs at once, keeps the work of what ran, and says so", async () => {
    project = await makeProject({ params: Array.from({ length: 12 }, (_, i) => ({ x: i + 1 })) });
    const events: EngineEvent[] = [];
    const { summary, store, plan } = await engineRun(project, (s) => refusing(s, "ENOSPC", 2), events);
    expect(summary.storeFailure).toContain("ENOSPC");
    expect(summary.published).toBe(2);
    // no model starts once the store has refused: at most the ones already running
    expect(events.filter((e) => e.type === "started").length).toBeLessThanOrEqual(2 + 2 + 2);
    expect(summary.unpublished.length).toBeGreaterThan(0);
    for (const u of summary.unpublished) {
      expect(u.reason).toContain("ENOSPC");
      expect((await stat(join(u.workdir!, "out.txt"))).isFile()).toBe(true);
    }
    expect(await store.listResults(plan.runSet)).toHaveLength(2);
    const text = formatUnpublished(summary, { location: "results/test/base", relative: (d) => d })!;
    expect(text).toContain("results could not be written to results/test/base: ENOSPC: write refused");
    expect(text).toContain("ran but are not published");
    expect(text).toContain("work folder kept");
  });

  it("for one realisation only sets it aside after bounded attempts, and the run reports it as not published", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }, { x: 3 }] });
    const events: EngineEvent[] = [];
    const { summary } = await engineRun(project, (s) => refusing(s, "EIO", 0, "2"), events);
    expect(summary.published).toBe(2);
    expect(summary.storeFailure).toBeUndefined();
    expect(summary.unpublished.map((u) => u.id)).toEqual(["2"]);
    expect(summary.unpublished[0]!.reason).toMatch(
      /set aside after \d+ attempts that could not be published: .*EIO/,
    );
  });

  it("from the start is a clear error with the folder and what to do, not a stack trace", async () => {
    project = await makeProject({ params: [{ x: 1 }] });
    await writeFile(join(project.dir, "a-file"), "");
    const cli = await runCli(["run", project.spec, "--results", join(project.dir, "a-file", "results")]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("cannot write results to");
    expect(cli.stderr).toContain("choose another folder with --results");
    expect(cli.stderr).not.toContain("internal error");
  });
});

describe("results and work folders inside the model folder", () => {
  it("are never part of the model: a second run has nothing to do, and work folders do not copy each other", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }] });
    const inside = {
      resultsRoot: join(project.dir, "model", "results"),
      workRoot: join(project.dir, "model", "w"),
      keepWorkdirs: true,
    };
    expect((await run(project, inside)).engine.published).toBe(2);
    const again = await run(project, inside);
    expect(again.plan.stale).toBe(0);
    expect(again.plan.toRun).toEqual([]);
    // a kept work folder holds the model's files, not another work folder's
    const kept = join(project.dir, "model", "w", "test", "base", "1-a1");
    expect((await readdir(kept)).sort()).not.toContain("w");
    expect((await readdir(kept)).sort()).not.toContain("results");
  });
});

describe("an old output file left in the model folder", () => {
  it("is never read as a realisation's output: the files the model must write start absent", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 11 }, { x: 2 }] });
    // copied from a run made by hand
    await writeFile(join(project.dir, "model", "out.txt"), "RESULTS\ny 999\nz 999\n");
    const report = await run(project);
    const r = byId(report.results);
    expect(r.get("1")!.failure).toMatchObject({ kind: "model", reason: "success_check" });
    expect(r.get("1")!.failure!.message).toBe("the model did not write out.txt (model.success.file)");
    expect(r.get("2")).toMatchObject({ status: "ok", observations: { y: 4, z: 3 } });
  });
});

describe("--retry-failed", () => {
  it("replaces the failure it re-runs when the re-run succeeds, and counts it as run now", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 9 }, { x: 2 }] });
    const flag = join(project.dir, "fail-while-here");
    await writeFile(flag, "");
    process.env["MF_BEHAVE_FAIL_WHILE"] = flag;
    try {
      const first = await run(project);
      expect(byId(first.results).get("1")!.failure).toMatchObject({ kind: "model", reason: "exit_code" });
      await rm(flag);
      const again = await run(project, { retryFailed: true });
      expect(again.plan.retryFailed).toBe(1);
      expect(again.engine.published).toBe(1);
      const r = byId(again.results).get("1")!;
      expect(r).toMatchObject({ status: "ok", observations: { y: 2, z: 2 } });
      const stored = await store(project).getResult({ project: "test", scenario: "base" }, "1");
      expect(stored).toMatchObject({ status: "ok", attempt: r.attempt });
      // the log and files are the successful attempt's
      expect(await readFile(join(again.location, "realisations", "1", r.log!), "utf8")).toContain(
        "behave: x=1",
      );
      expect(await readFile(join(again.location, "realisations", "1", r.files[0]!.stored!), "utf8")).toBe(
        "RESULTS\ny 2\nz 2\n",
      );
      // nothing of the failed attempt is left beside it
      expect(await readdir(join(again.location, "realisations", "1", "attempts"))).toEqual([r.attempt]);
    } finally {
      delete process.env["MF_BEHAVE_FAIL_WHILE"];
    }
  });
});

describe("kept files whose names a store cannot hold as they are", () => {
  it("are kept under an escaped name, and the run publishes every realisation", async () => {
    project = await makeProject({
      params: [
        { x: 1, mode: 10 },
        { x: 2, mode: 10 },
        { x: 3, mode: 10 },
      ],
    });
    await writeFile(
      project.spec,
      (await readFile(project.spec, "utf8")).replace("keep: [out.txt]", 'keep: ["*"]'),
    );
    const report = await run(project);
    expect(report.engine.published).toBe(3);
    expect(report.engine.unpublished).toEqual([]);
    const r = byId(report.results).get("2")!;
    const wine = r.files.find((f) => f.path === "run\\heads.out")!;
    expect(wine.stored).toMatch(/^attempts\/[^/]+\/files\/run%5Cheads\.out$/);
    expect(await readFile(join(report.location, "realisations", "2", wine.stored!), "utf8")).toBe(
      "heads 2\n",
    );
  });
});

describe("kept files that are links or pipes", () => {
  it("keeps a link to a file in the work folder, and notes the others with why", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 12 }] });
    await writeFile(
      project.spec,
      (await readFile(project.spec, "utf8")).replace("keep: [out.txt]", 'keep: ["*.out", out.txt]'),
    );
    const r = (await run(project)).results[0]!;
    expect(r.status).toBe("ok");
    expect(r.files.map((f) => f.path)).toEqual(["link.out", "out.txt"]);
    expect(r.files[0]!.sha256).toBe(r.files[1]!.sha256);
    expect(r.notKept).toEqual([
      { path: "host.out", reason: "a link to a file outside the work folder" },
      { path: "pipe.out", reason: "not a regular file (a pipe, socket or device)" },
    ]);
  });
});

describe("an attempt that cannot be published", () => {
  it("leaves none of its files in the results", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }] });
    const resolved = await loadSpec(project.spec);
    const store = createFsResultStore(project.results);
    const plan = await planRun(resolved, store);
    const failing: ResultStore = Object.assign(Object.create(Object.getPrototypeOf(store)), store, {
      publishResult: async (result: RealisationResult) => {
        if (result.id === "2") throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
        return store.publishResult(result);
      },
    });
    const summary = await runEngine({
      config: await runConfigFromSpec(resolved, plan.bundle),
      items: plan.toRun,
      store: failing,
      workers: 2,
      workRoot: join(project.work, "w"),
      retries: resolved.spec.retries,
    });
    expect(summary.unpublished.map((u) => u.id)).toEqual(["2"]);
    const realisations = join(store.runSetLocation(plan.runSet), "realisations");
    expect(await readdir(join(realisations, "1"))).toEqual(["attempts", "result.json"]);
    expect(await readdir(join(realisations, "2")).catch(() => [])).not.toContain("attempts");
  });
});

describe("a stop", () => {
  it("starts nothing new after it, releases prepared work, and the next run does the rest", async () => {
    project = await makeProject({ params: Array.from({ length: 8 }, (_, i) => ({ x: i + 1, mode: 6 })) });
    const stop = new AbortController();
    const events: EngineEvent[] = [];
    const report = await run(project, {
      stop: stop.signal,
      graceMs: 10_000,
      onEvent: (e) => {
        events.push(e);
        if (e.type === "started" && !stop.signal.aborted) stop.abort();
      },
    });
    const stoppedAt = events.findIndex((e) => e.type === "stopping");
    expect(stoppedAt).toBeGreaterThan(0);
    expect(events.slice(stoppedAt).filter((e) => e.type === "started")).toEqual([]);
    expect(report.engine.stopped).toBe(true);
    expect(report.engine.published).toBe(1);
    const resumed = await run(project);
    expect(resumed.engine.published).toBe(7);
    expect(resumed.results).toHaveLength(8);
  });
});

describe("failures", () => {
  it("classifies model failures and never stops the others", async () => {
    project = await makeProject({
      params: [{ x: 1 }, { x: 2, mode: 1 }, { x: 3, mode: 3 }, { x: 4, mode: 5 }, { x: 5 }],
    });
    const report = await run(project);
    const r = byId(report.results);
    expect(r.get("1")!.status).toBe("ok");
    expect(r.get("5")!.status).toBe("ok");
    expect(r.get("2")!.failure).toMatchObject({ kind: "model", reason: "exit_code" });
    expect(r.get("2")!.failure!.message).toBe("exited with code 1: behave: cannot continue, exiting with 1");
    expect(r.get("2")!.logTail).toContain("behave: cannot continue");
    expect(r.get("3")!.failure).toMatchObject({ kind: "model", reason: "instructions" });
    expect(r.get("3")!.failure!.message).toContain("out.ins:3");
    expect(r.get("3")!.failure!.message).toContain("out.txt:2");
    expect(r.get("4")!.failure).toMatchObject({ kind: "model", reason: "success_check" });
    expect(r.get("4")!.failure!.message).toBe('out.txt:2 contains "FAILED": FAILED');
    // failed work folders are kept and named in the result
    expect(report.engine.keptWorkdirs).toHaveLength(3);
    expect((await stat(r.get("2")!.workdir!)).isDirectory()).toBe(true);
    // model failures are done: the next run does not repeat them, unless asked
    expect((await run(project)).plan.toRun).toHaveLength(0);
    expect((await run(project, { retryFailed: true })).plan.toRun.map((p) => p.id)).toEqual(["2", "3", "4"]);
  });

  it("a command that does not exist is an infrastructure failure that says so, and runs once it is installed", async () => {
    project = await makeProject({ params: [{ x: 1 }] });
    const spec = await readFile(project.spec, "utf8");
    await writeFile(project.spec, spec.replace(/command: \[.*\]/, "command: [no-such-model-exe, run.in]"));
    const r = (await run(project)).results[0]!;
    expect(r.failure).toEqual({
      kind: "infrastructure",
      reason: "spawn",
      message:
        "command `no-such-model-exe` not found; check model.command (is it on PATH, or in the model folder as ./no-such-model-exe?)",
    });
    // installing the program (here: a script of that name on PATH) is enough: the next run runs it
    const bin = join(project.dir, "bin");
    await mkdir(bin);
    await writeFile(
      join(bin, "no-such-model-exe"),
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} behave.mjs\n`,
      { mode: 0o755 },
    );
    const path = process.env["PATH"];
    process.env["PATH"] = `${bin}:${path}`;
    try {
      const again = await run(project);
      expect(again.plan.infraRetry).toBe(1);
      expect(again.results[0]).toMatchObject({ status: "ok", observations: { y: 2, z: 2 } });
    } finally {
      process.env["PATH"] = path;
    }
  });

  it("a timeout runs again once model.timeout is raised", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 8 }], timeout: "1s" });
    const first = (await run(project)).results[0]!;
    expect(first.failure).toMatchObject({ kind: "model", reason: "timeout" });
    expect(first.failure!.message).toContain("the next run runs it again with the longer timeout");
    // the same timeout: done
    expect((await run(project)).plan.toRun).toHaveLength(0);
    await writeFile(
      project.spec,
      (await readFile(project.spec, "utf8")).replace("timeout: 1s", "timeout: 20s"),
    );
    const again = await run(project);
    expect(again.plan.longerTimeout).toBe(1);
    expect(again.results[0]).toMatchObject({ status: "ok", observations: { y: 2, z: 2 } });
  });

  it("a model that hangs is a timeout, and its whole process tree is gone", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 2 }], timeout: "1s" });
    const report = await run(project);
    const r = report.results[0]!;
    expect(r.failure).toMatchObject({ kind: "model", reason: "timeout" });
    expect(r.failure!.message).toContain("timed out after 1s");
    // no process is left working in the realisation's folder
    expect(await processesIn(r.workdir!)).toEqual([]);
  });

  it("a work folder that cannot be made is an infrastructure failure, retried", async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }] });
    const resolved = await loadSpec(project.spec);
    const store = createFsResultStore(project.results);
    const plan = await planRun(resolved, store);
    // The work root is a file: no folder can be made under it.
    await writeFile(join(project.dir, "blocked"), "");
    const events: EngineEvent[] = [];
    const summary = await runEngine({
      config: await runConfigFromSpec(resolved, plan.bundle),
      items: plan.toRun,
      store,
      workers: 2,
      workRoot: join(project.dir, "blocked"),
      retries: resolved.spec.retries,
      onEvent: (e) => events.push(e),
    });
    expect(summary.failed).toBe(2);
    const r = (await store.listResults(plan.runSet))[0]!;
    expect(r.failure).toMatchObject({ kind: "infrastructure", reason: "workdir" });
    expect(r.attempts).toBe(3); // 1 + retries.infrastructure (2)
    expect(events.filter((e) => e.type === "retrying")).toHaveLength(4);
    // infrastructure failures run again on the next run
    const again = await run(project);
    expect(again.plan.infraRetry).toBe(2);
    expect(again.results.every((x) => x.status === "ok")).toBe(true);
  });

  it("a work folder root that cannot be used stops the run before anything runs, saying so", async () => {
    project = await makeProject({ params: [{ x: 1 }] });
    await writeFile(join(project.dir, "blocked"), "");
    await expect(run(project, { workRoot: join(project.dir, "blocked") })).rejects.toThrow(
      /cannot use .*blocked.* as the work folder: .*; choose another with --work-dir/,
    );
  });

  it("a model killed by SIGKILL it did not get from us is taken for the out-of-memory killer and retried", async () => {
    project = await makeProject({ params: [{ x: 1, mode: 7 }] });
    const events: EngineEvent[] = [];
    const report = await run(project, { onEvent: (e) => events.push(e) });
    const r = report.results[0]!;
    expect(r.failure).toMatchObject({ kind: "infrastructure", reason: "out_of_memory" });
    expect(r.failure!.message).toContain("killed by SIGKILL, most likely the out-of-memory killer");
    expect(r.signal).toBe("SIGKILL");
    expect(r.attempts).toBe(3);
    expect(events.filter((e) => e.type === "retrying")).toHaveLength(2);
  });

  it("duplicates a straggler; the first copy to finish publishes, the other is killed", async () => {
    const params = [...Array.from({ length: 6 }, (_, i) => ({ x: i })), { x: 99, mode: 4 }];
    project = await makeProject({
      params,
      specExtra: "slow_runs: { duplicate_after: 3, min_completed: 3 }\n",
    });
    const events: EngineEvent[] = [];
    const report = await run(project, { onEvent: (e) => events.push(e) });
    expect(events.some((e) => e.type === "duplicated" && e.id === "7")).toBe(true);
    const finished = events.find((e) => e.type === "finished" && e.id === "7");
    expect(finished).toMatchObject({ duplicate: true });
    expect(byId(report.results).get("7")).toMatchObject({ status: "ok", observations: { y: 198 } });
    expect(report.results).toHaveLength(7);
  });
});

describe("models of many workers", () => {
  it.runIf(process.platform === "linux")("are all started by one process of the engine's", async () => {
    // Each model names the process between it and the engine: the child of the engine's that
    // started it.
    const dir = await mkdtemp(join(tmpdir(), "mf-starter-"));
    try {
      await mkdir(join(dir, "model"));
      await writeFile(join(dir, "model", "in.tpl"), "ptf ~\nx ~x                 ~\n");
      await writeFile(join(dir, "model", "out.ins"), "pif @\n@RESULTS@\nl1 w !starter!\n");
      await writeFile(
        join(dir, "model", "model.sh"),
        `p=$$
while :; do
  pp=$(cut -d' ' -f4 /proc/$p/stat)
  if [ "$pp" = "$ENGINE" ]; then break; fi
  if [ "$pp" -le 1 ]; then p=0; break; fi
  p=$pp
done
printf 'RESULTS\\np %s\\n' "$p" > out.txt
`,
      );
      await writeFile(
        join(dir, "starter.yaml"),
        `project: test
scenario: starter
model:
  dir: model
  command: [sh, model.sh]
  env: { ENGINE: "${process.pid}" }
  templates: [{ template: in.tpl, writes: in.txt }]
  instructions: [{ file: out.ins, reads: out.txt }]
parameters:
  sample: { n: 12, method: mc, seed: 1, priors: { x: { uniform: [0, 1] } } }
`,
      );
      const report = await runLocal({
        specFile: join(dir, "starter.yaml"),
        resultsRoot: join(dir, "results"),
        workRoot: join(dir, "work"),
        workers: 4,
        report: false,
      });
      expect(report.results.map((r) => r.failure?.message ?? r.status)).toEqual(Array(12).fill("ok"));
      const starters = new Set(report.results.map((r) => r.observations.starter));
      expect(starters.size).toBe(1);
      expect([...starters][0]).toBeGreaterThan(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs the CLI as a user would; resolves with its exit code and output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (b) => (stdout += b));
    proc.stderr.on("data", (b) => (stderr += b));
    proc.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Pids of processes whose working directory is `dir` (Linux /proc). */
async function processesIn(dir: string): Promise<number[]> {
  const { readlink } = await import("node:fs/promises");
  const out: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => "");
    if (cwd === dir) out.push(Number(name));
  }
  return out;
}
