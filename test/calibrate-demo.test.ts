// The demo groundwater model calibrated for real (the engine, real model processes) against
// synthetic observations made from a known "true" parameter set (projects/demo/truth.par): phi
// falls, the posterior brackets the truth, PEST++'s files are written with PEST++'s columns,
// and the posterior is a parameter source a later run can use. A copy of the demo's
// calibration project with a smaller ensemble keeps it to about a hundred model runs.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnsembleCsv } from "../src/pest/ensemble-csv.ts";
import { parseParFile } from "../src/pest/par-file.ts";
import { loadSpec } from "../src/spec/load.ts";
import { DEMO, demoCalibrationCopy, runCli } from "./helpers/calibration.ts";

let dir: string;
let out: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-calibrate-demo-"));
  const spec = await demoCalibrationCopy(dir, 30);
  out = await runCli([
    "calibrate",
    spec,
    "--results",
    join(dir, "results"),
    "--work-dir",
    join(dir, "work"),
    "--posterior",
    join(dir, "posterior.csv"),
  ]);
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const folder = () => join(dir, "results", "demo", "calibrate", "calibration");

describe("calibrating the demo model against synthetic observations", () => {
  it("finishes and says where the posterior and the report are", () => {
    expect(out.stderr, out.stderr).not.toMatch(/error/i);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^demo\/calibrate: calibrated in 4 iteration\(s\), 150 model runs/m);
    expect(out.stdout).toMatch(/^posterior: .*calibrate\.4\.par\.csv \(copied to /m);
  });

  it("lowers phi at every iteration, by orders of magnitude in all", async () => {
    const phi = (await readFile(join(folder(), "calibrate.phi.actual.csv"), "utf8")).trim().split("\n");
    expect(phi[0]).toBe(
      `iteration,total_runs,mean,standard_deviation,min,max,${Array.from({ length: 30 }, (_, i) => i + 1).join(",")}`,
    );
    const means = phi.slice(1).map((l) => Number(l.split(",")[2]));
    expect(phi.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual([
      "0,30",
      "1,60",
      "2,90",
      "3,120",
      "4,150",
    ]);
    for (let i = 1; i < means.length; i++) expect(means[i]!).toBeLessThan(means[i - 1]!);
    expect(means.at(-1)!).toBeLessThan(means[0]! / 100);
    // 22 observations with noise of one standard deviation each: phi near 22, not thousands.
    expect(means.at(-1)!).toBeLessThan(200);
  });

  it("brackets the true parameters: each within 3 posterior standard deviations (log10 for log-transformed ones)", async () => {
    const truth = parseParFile(await readFile(join(DEMO, "truth.par")), "truth.par");
    const posterior = parseEnsembleCsv(await readFile(join(folder(), "calibrate.4.par.csv")), "posterior");
    const prior = parseEnsembleCsv(await readFile(join(folder(), "calibrate.0.par.csv")), "prior");
    for (const name of ["hk1", "hk2", "hk3", "hk4", "rch", "lake_stage"]) {
      const log = name !== "lake_stage";
      const t = truth.entries.find((e) => e.name === name)!.value;
      const stats = (csv: typeof posterior) => {
        const col = csv.columns.indexOf(name);
        const x = csv.rows.map((r) => (log ? Math.log10(r.values[col]!) : r.values[col]!));
        const mean = x.reduce((a, b) => a + b, 0) / x.length;
        const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1));
        return { mean, sd };
      };
      const post = stats(posterior);
      const z = ((log ? Math.log10(t) : t) - post.mean) / post.sd;
      expect(Math.abs(z), `${name}: truth ${t}, posterior mean ${post.mean} sd ${post.sd}`).toBeLessThan(3);
      // and the data taught it something: the posterior is narrower than the prior
      expect(post.sd).toBeLessThan(stats(prior).sd);
    }
  });

  it("writes PEST++'s files with PEST++'s columns", async () => {
    const par = parseEnsembleCsv(await readFile(join(folder(), "calibrate.0.par.csv")), "par");
    expect(par.columns).toEqual([
      "hk1",
      "hk2",
      "hk3",
      "hk4",
      "rch",
      "lake_stage",
      "riv_stage",
      "q_w1",
      "q_w2",
      "q_w3",
    ]);
    expect(par.rows).toHaveLength(30);
    const obs = parseEnsembleCsv(await readFile(join(folder(), "calibrate.4.obs.csv")), "obs");
    expect(obs.columns).toContain("h_w1");
    expect(obs.columns).toContain("mb_disc");
    const noise = parseEnsembleCsv(await readFile(join(folder(), "calibrate.obs+noise.csv")), "noise");
    expect(noise.columns).toHaveLength(22);
    expect(noise.rows.map((r) => r.name)).toEqual(par.rows.map((r) => r.name));
    const meas = await readFile(join(folder(), "calibrate.phi.meas.csv"), "utf8");
    expect(meas.split("\n")[0]).toMatch(/^iteration,total_runs,mean,standard_deviation,min,max,1,2,/);
    const report = await readFile(join(folder(), "report.md"), "utf8");
    expect(report).toMatch(/^### Phi per iteration$/m);
    expect(report).toMatch(/^### Parameters: prior and posterior$/m);
    expect(report).toMatch(/^### Realisations dropped$/m);
    const html = await readFile(join(folder(), "report.html"), "utf8");
    for (const id of ["phi", "parameters-hk", "one-to-one"]) expect(html).toContain(`id="${id}"`);
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(5);
  });

  it("gives a posterior that a later run reads as its parameter source", async () => {
    const spec = join(dir, "posterior-run.yaml");
    await writeFile(
      spec,
      [
        "project: demo",
        "scenario: posterior",
        "model:",
        `  dir: ${join(DEMO, "model")}`,
        "  command: [node, gwflow.mjs, model.in]",
        "  templates: [{ template: model.in.tpl, writes: model.in }]",
        "  instructions: [{ file: heads.ins, reads: heads.out }]",
        "parameters: { csv: posterior.csv }",
        "allow_external_paths: true",
        "",
      ].join("\n"),
    );
    const resolved = await loadSpec(spec);
    const posterior = parseEnsembleCsv(await readFile(join(folder(), "calibrate.4.par.csv")), "posterior");
    expect(resolved.realisations.realisations).toHaveLength(30);
    const first = resolved.realisations.realisations[0]!;
    expect(first.values.get("hk2")).toBe(posterior.rows[0]!.values[posterior.columns.indexOf("hk2")]);
  });
});
