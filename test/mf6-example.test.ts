// The MODFLOW 6 example (examples/mf6): run by the real mf6, an ensemble and a calibration whose
// posterior brackets the parameters its synthetic heads were made from.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnsembleCsv } from "../src/pest/ensemble-csv.ts";
import { runCli } from "./helpers/calibration.ts";
import { REPO } from "./helpers/project.ts";
import { findTool, needs } from "./helpers/tools.ts";

const mf6 = findTool("mf6");
if (!mf6) console.warn(needs("mf6", mf6));
const EXAMPLE = join(REPO, "examples", "mf6");

describe.skipIf(!mf6)(`the MODFLOW 6 example ${needs("mf6", mf6)}`, () => {
  let dir: string;
  const env = { ...process.env, PATH: `${dirname(mf6 ?? "")}:${process.env.PATH ?? ""}` };
  const where = () => ["--results", join(dir, "results"), "--work-dir", join(dir, "work")];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-mf6-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("runs its 20 parameter sets with mf6, heads read from OBS6's csv", async () => {
    const out = await runCli(["run", join(EXAMPLE, "base.yaml"), ...where(), "--json"], env);
    expect(out.code, out.stderr).toBe(0);
    const observations = await readFile(
      join(dir, "results", "mf6example", "base", "observations.csv"),
      "utf8",
    );
    const header = observations.split("\n")[0]!.split(",");
    const h4 = header.indexOf("h4");
    expect(h4).toBeGreaterThan(0);
    expect(observations.trim().split("\n").slice(1)).toHaveLength(20);
    // The well's drawdown: h4 (beside it) below the river's 20 m in every run.
    for (const line of observations.trim().split("\n").slice(1)) {
      const value = Number(line.split(",")[h4]);
      expect(value).toBeGreaterThan(10);
      expect(value).toBeLessThan(20);
    }
  }, 300_000);

  it("calibrates conductivity and recharge: phi falls and the posterior brackets the truth", async () => {
    const out = await runCli(["calibrate", join(EXAMPLE, "calibrate.yaml"), ...where()], env);
    expect(out.code, out.stderr).toBe(0);
    const folder = join(dir, "results", "mf6example", "calibrate", "calibration");
    const phi = (await readFile(join(folder, "calibrate.phi.actual.csv"), "utf8"))
      .trim()
      .split("\n")
      .slice(1);
    const means = phi.map((l) => Number(l.split(",")[2]));
    expect(means.at(-1)!).toBeLessThan(means[0]! / 100);
    const posterior = parseEnsembleCsv(await readFile(join(folder, "calibrate.3.par.csv")), "posterior");
    for (const [name, truth] of [
      ["hk", 5],
      ["rch", 4.0e-4],
    ] as const) {
      const column = posterior.columns.indexOf(name);
      const values = posterior.rows.map((r) => r.values[column]!);
      expect(Math.min(...values)).toBeLessThan(truth);
      expect(Math.max(...values)).toBeGreaterThan(truth);
    }
  }, 300_000);
});
