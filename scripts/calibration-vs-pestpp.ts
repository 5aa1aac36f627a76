// Compares the built-in smoothers with pestpp-ies (its defaults) on the linear-Gaussian problem
// of src/calibrate/linear-gaussian.ts, whose posterior is known in closed form: accuracy (the
// largest posterior-mean error in posterior standard deviations, the covariance error relative
// to the posterior's), model runs and wall time. The model is a small Node script, run through
// the engine like any model; pestpp-ies runs with 2 agents. Prints a table; asserts nothing.
//   node scripts/calibration-vs-pestpp.ts [realisations, default 200]   (pestpp-ies on PATH)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  analyticPosterior,
  exampleLinearProblem,
  posteriorError,
  priorDraws,
} from "../src/calibrate/linear-gaussian.ts";
import { localEvaluator } from "../src/calibrate/local-evaluator.ts";
import { runPestppLocal } from "../src/calibrate/pestpp/pestpp-local.ts";
import { loadCalibration, runCalibration } from "../src/calibrate/run-calibration.ts";
import { parseEnsembleCsv, writeEnsembleCsv } from "../src/pest/ensemble-csv.ts";

const n = Number(process.argv[2] ?? 200);
const problem = exampleLinearProblem();
const posterior = analyticPosterior(problem);
const dir = mkdtempSync(join(tmpdir(), "mf-linear-"));
const model = join(dir, "model");
mkdirSync(model);
const g = problem.g.to2DArray();
writeFileSync(
  join(model, "linear.mjs"),
  `import { readFileSync, writeFileSync } from "node:fs";
const m = readFileSync("params.in", "utf8").trim().split(/\\s+/).map(Number);
const g = ${JSON.stringify(g)};
writeFileSync("obs.out", g.map((row, i) => "d" + (i + 1) + " " + row.reduce((s, v, j) => s + v * m[j], 0)).join("\\n") + "\\n");
`,
);
writeFileSync(
  join(model, "params.in.tpl"),
  `ptf ~\n${problem.parameters.map((p) => `~ ${p.padEnd(22)}~`).join("\n")}\n`,
);
writeFileSync(
  join(model, "obs.ins"),
  `pif @\n${problem.observations.map((o) => `l1 w !${o}!`).join("\n")}\n`,
);
const draws = priorDraws(problem, n, 7);
writeFileSync(
  join(dir, "prior.csv"),
  writeEnsembleCsv({
    columns: [...problem.parameters],
    rows: draws.map((d, i) => ({ name: String(i + 1), values: d })),
  }),
);
const spec = (scenario: string, calibration: string) => {
  const file = join(dir, `${scenario}.yaml`);
  writeFileSync(
    file,
    [
      "project: linear",
      `scenario: ${scenario}`,
      "model:",
      "  dir: model",
      "  command: [node, linear.mjs]",
      "  templates: [{ template: params.in.tpl, writes: params.in }]",
      "  instructions: [{ file: obs.ins, reads: obs.out }]",
      "parameters: { csv: prior.csv }",
      "observations:",
      "  values:",
      ...problem.observations.map(
        (o, i) => `    ${o}: { value: ${problem.observed[i]}, sd: ${problem.obsSd[i]} }`,
      ),
      `calibration: ${calibration}`,
      "",
    ].join("\n"),
  );
  return file;
};
const rows: string[][] = [];
const measure = (label: string, parCsv: string, runs: number, seconds: number) => {
  const csv = parseEnsembleCsv(readFileSync(parCsv), parCsv);
  const ensemble = csv.rows.map((r) => problem.parameters.map((p) => r.values[csv.columns.indexOf(p)]!));
  const e = posteriorError(ensemble, posterior);
  rows.push([
    label,
    String(runs),
    seconds.toFixed(1),
    e.meanError.toFixed(3),
    e.covError.toFixed(3),
    e.sdRatio.map((s) => s.toFixed(2)).join(" / "),
  ]);
};
try {
  for (const [scenario, calibration, label] of [
    ["esmda", "{ method: esmda, iterations: 4 }", "modelfleet esmda (default), 4 iterations"],
    ["ies", "{ method: ies, iterations: 4 }", "modelfleet ies (PEST++'s defaults), 4 iterations"],
    ["iesfull", "{ method: ies, iterations: 4, use_approx: false }", "modelfleet ies, use_approx: false"],
  ] as const) {
    const setup = await loadCalibration(spec(scenario, calibration));
    const results = join(dir, "results");
    const run = await runCalibration({
      setup,
      evaluator: localEvaluator({
        resolved: setup.resolved,
        resultsRoot: results,
        workRoot: join(dir, "work"),
        workers: 2,
        command: "compare",
      }),
      resultsRoot: results,
      command: "compare",
    });
    measure(label, run.posterior, run.result.totalRuns, run.wallSeconds);
  }
  const setup = await loadCalibration(spec("pestpp", "{ method: ies, iterations: 4 }"));
  const run = await runPestppLocal({
    setup,
    resultsRoot: join(dir, "results"),
    workRoot: join(dir, "work"),
    agents: 2,
    command: "compare",
  });
  measure("pestpp-ies (its defaults), 4 iterations, 2 agents", run.posterior, run.totalRuns, run.wallSeconds);
  console.log(`linear-Gaussian problem, ${n} realisations; errors against the closed-form posterior`);
  console.log(
    "| run | model runs | wall (s) | mean error (posterior sd) | covariance error | sd ratio p1 / p2 / p3 |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
