// End-to-end check of the demo project with the real PEST readers and writers: par file ->
// template -> gwflow -> instruction file, plus the model's physics against known answers.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseIdFile } from "../src/params/ids.ts";
import { InstructionReadError, parseInstructions, readObservations } from "../src/pest/instructions.ts";
import { parseParFile, parValues } from "../src/pest/par-file.ts";
import { parseTemplate, renderTemplate } from "../src/pest/template.ts";
import { REPO } from "./helpers/project.ts";

// The demo project's own tests live here, not in projects/demo, so a copy of that folder made
// for one's own model holds only what a project needs.
const demo = join(REPO, "projects", "demo");
const modelDir = join(demo, "model");
const template = parseTemplate(readFileSync(join(modelDir, "model.in.tpl"), "utf8"), "model.in.tpl");
const instructions = parseInstructions(readFileSync(join(modelDir, "heads.ins"), "utf8"), "heads.ins");
const workDirs: string[] = [];

afterAll(() => {
  for (const d of workDirs) rmSync(d, { recursive: true, force: true });
});

function parameters(id: string): Map<string, number> {
  const file = join(demo, "params", `param${id}.par`);
  return parValues(parseParFile(readFileSync(file, "utf8"), file));
}

/** Runs gwflow in a fresh copy of the model folder with `modelIn` as its input. */
function runModel(modelIn: string, extraFiles: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "gwflow-"));
  workDirs.push(dir);
  cpSync(modelDir, dir, { recursive: true });
  writeFileSync(join(dir, "model.in"), modelIn);
  for (const [name, text] of Object.entries(extraFiles)) writeFileSync(join(dir, name), text);
  const run = spawnSync(process.execPath, ["gwflow.mjs", "model.in"], { cwd: dir, encoding: "utf8" });
  const read = (name: string) => readFileSync(join(dir, name), "utf8");
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, read, dir };
}

function headGrid(text: string): number[][] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.trim().split(/\s+/).map(Number));
}

/** model.in for realisation 1 with some lines replaced, for physics checks. */
function modelInWith(changes: Record<string, string>, dropWells = false): string {
  let text = renderTemplate(template, parameters("1")).toString();
  for (const [key, line] of Object.entries(changes))
    text = text.replace(new RegExp(`^${key}\\b.*$`, "m"), line);
  if (dropWells) text = text.replace(/^well .*$/gm, "");
  return text;
}

describe("demo project files", () => {
  it("has a par file with every template parameter for every listed id", () => {
    const ids = parseIdFile(
      readFileSync(join(demo, "calibrated_runs_base.txt"), "utf8"),
      "calibrated_runs_base.txt",
    );
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => String(i + 1)));
    const parFiles = readdirSync(join(demo, "params")).filter((f) => f.endsWith(".par"));
    expect(parFiles.length).toBe(200);
    for (const id of ids) expect([...parameters(id).keys()].sort()).toEqual([...template.parameters].sort());
  });

  it("reads 23 observations", () => {
    expect(instructions.observations).toEqual([
      ...Array.from({ length: 8 }, (_, i) => `h_w${i + 1}`),
      ...Array.from({ length: 12 }, (_, i) => `tr_x${String(i + 1).padStart(2, "0")}`),
      "q_riv",
      "q_lake",
      "mb_disc",
    ]);
  });
});

describe("a realisation end to end", () => {
  it("renders par 1, runs, and reads plausible heads and a closed water budget", () => {
    const values = parameters("1");
    const run = runModel(renderTemplate(template, values).toString());
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/PCG converged in \d+ iterations/);
    const obs = readObservations(instructions, run.read("heads.out"), "heads.out");
    expect(obs.size).toBe(23);
    for (const [name, v] of obs) {
      if (name.startsWith("h_") || name.startsWith("tr_")) {
        expect(v, name).toBeGreaterThan(85);
        expect(v, name).toBeLessThan(130);
      }
    }
    expect(Math.abs(obs.get("mb_disc")!)).toBeLessThan(1e-3);
    // The transect ends one cell from the river (100 m) and two from the lake.
    expect(Math.abs(obs.get("tr_x01")! - 100)).toBeLessThan(1);
    expect(Math.abs(obs.get("tr_x12")! - values.get("lake_stage")!)).toBeLessThan(3);
    // Recharge in = pumping + net discharge to the river and the lake (budget printed to 3 decimals).
    const recharge = values.get("rch")! * 3480 * 100 * 100;
    const pumping = values.get("q_w1")! + values.get("q_w2")! + values.get("q_w3")!;
    expect(Math.abs(recharge - pumping + obs.get("q_riv")! + obs.get("q_lake")!)).toBeLessThan(0.01);
    expect(headGrid(run.read("heads_grid.dat")).map((r) => r.length)).toEqual(Array(60).fill(60));
  });

  it("fails realisation 145 for real: heads below the aquifer bottom", () => {
    const run = runModel(renderTemplate(template, parameters("145")).toString());
    expect(run.status).toBe(3);
    const out = run.read("heads.out");
    expect(out).toMatch(/^FAILED: heads below aquifer bottom/m);
    expect(() => readObservations(instructions, out, "heads.out")).toThrow(InstructionReadError);
  });

  it("reports a solver that runs out of iterations", () => {
    const run = runModel(modelInWith({ max_iter: "max_iter 5" }));
    expect(run.status).toBe(2);
    expect(run.read("heads.out")).toMatch(/FAILED TO CONVERGE within max_iter = 5/);
  });

  it("rejects bad input with exit code 1 and says why", () => {
    const run = runModel(modelInWith({ rch: "rch  abc" }));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/model\.in:\d+: rch: "abc" is not a number/);
    expect(run.read("heads.out")).toMatch(/FAILED: input error/);
  });
});

describe("gwflow physics", () => {
  it("keeps heads between the boundary heads, falling west to east, without recharge or wells", () => {
    const run = runModel(
      modelInWith({ rch: "rch 0", river_stage: "river_stage 100", lake_stage: "lake_stage 95" }, true),
    );
    expect(run.status).toBe(0);
    for (const row of headGrid(run.read("heads_grid.dat"))) {
      for (let c = 0; c < row.length; c++) {
        expect(row[c]!).toBeGreaterThanOrEqual(95);
        expect(row[c]!).toBeLessThanOrEqual(100);
        if (c > 0) expect(row[c]!).toBeLessThanOrEqual(row[c - 1]!);
      }
    }
  });

  it("matches the exact 1-D solution for uniform K and recharge", () => {
    const zones = Array.from({ length: 60 }, () => Array(60).fill("1").join(" ")).join("\n");
    const run = runModel(
      modelInWith(
        {
          zones: "zones uniform.txt",
          rch: "rch 3e-4",
          river_stage: "river_stage 100",
          lake_stage: "lake_stage 95",
          hk: "hk 1 10",
        },
        true,
      ),
      { "uniform.txt": zones },
    );
    expect(run.status).toBe(0);
    // Between the fixed-head cell centres (L = 5900 m), T = 10 m/d x 37 m; the five-point
    // scheme is exact for this quadratic, so only the grid file's 4 decimals remain.
    const t = 10 * 37;
    const l = 5900;
    for (const row of headGrid(run.read("heads_grid.dat"))) {
      row.forEach((h, c) => {
        const x = c * 100;
        expect(Math.abs(h - (100 - (5 * x) / l + (3e-4 * x * (l - x)) / (2 * t)))).toBeLessThan(6e-5);
      });
    }
  });

  it("draws heads down most at the pumping wells", () => {
    const withWells = headGrid(runModel(modelInWith({})).read("heads_grid.dat"));
    const without = headGrid(runModel(modelInWith({}, true)).read("heads_grid.dat"));
    const drawdown = (r: number, c: number) => without[r - 1]![c - 1]! - withWells[r - 1]![c - 1]!;
    for (const [r, c] of [
      [40, 24],
      [22, 44],
      [48, 47],
    ] as const) {
      expect(drawdown(r, c)).toBeGreaterThan(drawdown(r, c + 1));
      expect(drawdown(r, c + 1)).toBeGreaterThan(drawdown(r, c + 3));
      expect(drawdown(r, c + 3)).toBeGreaterThan(0);
    }
    for (let r = 1; r <= 60; r++)
      for (let c = 1; c <= 60; c++) expect(drawdown(r, c)).toBeGreaterThanOrEqual(-1e-4);
  });
});
