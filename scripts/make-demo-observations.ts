// Writes the demo calibration's synthetic observations: runs the demo model once with a known
// "true" parameter set (projects/demo/truth.par), reads its heads and flows with the demo's
// instruction file, adds seeded measurement noise and writes projects/demo/observations.csv.
// Run in this checkout: node scripts/make-demo-observations.ts. The seed fixes the noise, so
// running it again reproduces the committed file exactly.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { standardNormals } from "../src/calibrate/draws.ts";
import { parseInstructions, readObservations } from "../src/pest/instructions.ts";
import { parseParFile } from "../src/pest/par-file.ts";
import { renderTemplate } from "../src/pest/template.ts";

const SEED = 20250612;
/** Measurement error: heads to 5 cm, the river's and the lake's flows to 5 %. */
const HEAD_SD = 0.05;
const FLOW_SD_FRACTION = 0.05;

const demo = resolve(import.meta.dirname, "..", "projects", "demo");
const model = join(demo, "model");
const truth = parseParFile(readFileSync(join(demo, "truth.par")), "truth.par");
const values = new Map(truth.entries.map((e) => [e.name, e.value]));
const work = mkdtempSync(join(tmpdir(), "demo-truth-"));
try {
  for (const f of ["gwflow.mjs", "zones.txt"]) copyFileSync(join(model, f), join(work, f));
  writeFileSync(join(work, "model.in"), renderTemplate(readFileSync(join(model, "model.in.tpl")), values));
  execFileSync(process.execPath, ["gwflow.mjs", "model.in"], { cwd: work, stdio: "ignore" });
  const ins = parseInstructions(readFileSync(join(model, "heads.ins")), "heads.ins");
  const simulated = readObservations(ins, readFileSync(join(work, "heads.out")), "heads.out");
  const rows = ["name,value,standard_deviation,group"];
  for (const [name, value] of simulated) {
    const head = name.startsWith("h_") || name.startsWith("tr_");
    const flow = name === "q_riv" || name === "q_lake";
    if (!head && !flow) continue;
    const sd = head ? HEAD_SD : Math.abs(value) * FLOW_SD_FRACTION;
    const noisy = value + sd * standardNormals(SEED, name, 1)[0]!;
    rows.push(
      `${name},${Number(noisy.toPrecision(7))},${Number(sd.toPrecision(4))},${head ? "heads" : "flows"}`,
    );
  }
  writeFileSync(join(demo, "observations.csv"), `${rows.join("\n")}\n`);
  console.log(`Wrote ${rows.length - 1} observations to ${join(demo, "observations.csv")} (seed ${SEED}).`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
