// Writes the demo project's parameter sets: params/param{id}.par for ids 1..N from a seeded
// Latin hypercube sample of the priors below, and calibrated_runs_base.txt listing those ids.
// Run in this checkout: node scripts/make-demo-params.ts [folder] (default projects/demo).
//
// The seed fixes the sample, so running this again reproduces the committed files exactly;
// change the seed, N or a prior to make a different ensemble. It lives here, not in the demo
// folder, because it uses modelfleet's own sampler and par-file writer: a copy of the demo made
// for another model needs no part of this checkout.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { sampleRealisations } from "../src/params/sampling.ts";
import type { Prior } from "../src/params/types.ts";
import { writeParFile } from "../src/pest/par-file.ts";

const N = 200;
const SEED = 20250611;

/** In the order they appear in each par file. */
const PRIORS: { name: string; prior: Prior; note: string }[] = [
  {
    name: "hk1",
    prior: { kind: "loguniform", low: 20, high: 200 },
    note: "K of zone 1, river gravels (m/d)",
  },
  { name: "hk2", prior: { kind: "loguniform", low: 3, high: 40 }, note: "K of zone 2, medium sand (m/d)" },
  { name: "hk3", prior: { kind: "loguniform", low: 0.3, high: 10 }, note: "K of zone 3, silty sand (m/d)" },
  { name: "hk4", prior: { kind: "loguniform", low: 0.1, high: 2 }, note: "K of zone 4, clay lens (m/d)" },
  {
    name: "rch",
    prior: { kind: "truncnormal", mean: 3e-4, sd: 1e-4, bounds: [0, Number.POSITIVE_INFINITY] },
    note: "recharge (m/d), normal truncated to positive",
  },
  { name: "riv_stage", prior: { kind: "fixed", value: 100 }, note: "river stage (m), not varied" },
  {
    name: "lake_stage",
    prior: { kind: "triangular", low: 94, mode: 95, high: 96.5 },
    note: "lake stage (m)",
  },
  { name: "q_w1", prior: { kind: "uniform", low: 1000, high: 3000 }, note: "pumping rate of PW1 (m3/d)" },
  { name: "q_w2", prior: { kind: "uniform", low: 300, high: 1500 }, note: "pumping rate of PW2 (m3/d)" },
  { name: "q_w3", prior: { kind: "uniform", low: 300, high: 1500 }, note: "pumping rate of PW3 (m3/d)" },
];

const here = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "projects", "demo"));
const paramsDir = join(here, "params");
mkdirSync(paramsDir, { recursive: true });
// Files from an earlier, larger N would otherwise linger and look like part of this sample.
for (const f of readdirSync(paramsDir)) if (/^param\d+\.par$/.test(f)) rmSync(join(paramsDir, f));

const realisations = sampleRealisations({
  n: N,
  method: "lhs",
  seed: SEED,
  priors: PRIORS.map(({ name, prior }) => ({ name, prior })),
});
for (const r of realisations) {
  // Values are written in their shortest exact form, so the model sees the sampled doubles.
  const entries = [...r.values].map(([name, value]) => ({ name, value, scale: 1, offset: 0 }));
  writeFileSync(join(paramsDir, `param${r.id}.par`), writeParFile(entries));
}

writeFileSync(
  join(here, "calibrated_runs_base.txt"),
  `# Realisation ids for the base scenario: each id N runs the model with params/paramN.par (${N} sets ` +
    `sampled by scripts/make-demo-params.ts of modelfleet, Latin hypercube, seed ${SEED}).\n` +
    `${realisations.map((r) => r.id).join("\n")}\n`,
);

console.log(`Wrote ${N} par files to ${paramsDir} and calibrated_runs_base.txt (seed ${SEED}).`);
const width = Math.max(...PRIORS.map((p) => p.name.length));
for (const p of PRIORS) {
  const values = realisations.map((r) => r.values.get(p.name) ?? Number.NaN);
  console.log(
    `  ${p.name.padEnd(width)}  ${p.note.padEnd(46)} min ${fmt(Math.min(...values))}  max ${fmt(Math.max(...values))}`,
  );
}

function fmt(v: number): string {
  return v.toPrecision(4).padStart(10);
}
