// `modelfleet calibrate --engine pestpp-ies`: PEST++'s own manager and agents, as real
// processes on this machine, calibrate the demo model; their files land in the calibration's
// folder with the same report as a built-in calibration.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoCalibrationCopy, runCli } from "./helpers/calibration.ts";
import { findTool, needs } from "./helpers/tools.ts";

const pestpp = findTool("pestpp-ies");
if (!pestpp) console.warn(needs("pestpp-ies", pestpp));
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!pestpp)(`calibrate --engine pestpp-ies ${needs("pestpp-ies", pestpp)}`, () => {
  it("runs PEST++'s manager and agents, and reports their calibration", async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-calibrate-pestpp-"));
    const spec = await demoCalibrationCopy(dir, 16);
    const env = { ...process.env, PATH: `${dirname(pestpp!)}:${process.env.PATH ?? ""}` };
    const out = await runCli(
      [
        "calibrate",
        spec,
        "--engine",
        "pestpp-ies",
        "--agents",
        "2",
        "--iterations",
        "2",
        "--results",
        join(dir, "results"),
        "--work-dir",
        join(dir, "work"),
      ],
      env,
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/pestpp-ies: --- {2}starting solve for iteration: 2/);
    const folder = join(dir, "results", "demo", "calibrate", "calibration");
    const phi = (await readFile(join(folder, "calibrate.phi.actual.csv"), "utf8")).trim().split("\n");
    expect(phi[0]).toMatch(/^iteration,total_runs,mean,standard_deviation,min,max,1,2,3/);
    const means = phi.slice(1).map((l) => Number(l.split(",")[2]));
    expect(means.at(-1)!).toBeLessThan(means[0]! / 10);
    for (const f of [
      "calibrate.0.par.csv",
      "calibrate.2.par.csv",
      "calibrate.2.obs.csv",
      "calibrate.obs+noise.csv",
      "calibrate.rec",
    ]) {
      await expect(readFile(join(folder, f))).resolves.toBeDefined();
    }
    const report = await readFile(join(folder, "report.md"), "utf8");
    expect(report).toMatch(/pestpp-ies with 2 agent\(s\) on this machine: 2 iteration\(s\)/);
    expect(out.stdout).toMatch(/^posterior: .*calibrate\.2\.par\.csv$/m);
  }, 300_000);
});
