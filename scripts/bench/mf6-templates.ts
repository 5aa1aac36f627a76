// Benchmark: the engine's template work for one realisation of the MODFLOW 6 case
// (lib/mf6-case.ts: 14 templates holding 8,175 fields), as a worker does it: the templates
// parsed once, then for each realisation every template rendered with that realisation's
// values. Prints CPU and wall milliseconds per realisation (medians of rounds); asserts nothing.
//
//   node scripts/bench/mf6-templates.ts [--n 200] [--rounds 5]
//
// The case is the one mf6-side-by-side.ts writes (the same options, so the same cached folder).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ColumnIndex, RowValues } from "../../src/params/parameter-matrix.ts";
import { parseTemplate, renderTemplate, type Template, TemplateValues } from "../../src/pest/template.ts";
import { cachedMf6Case } from "./lib/cases.ts";
import { findProgram, load, median } from "./lib/measure.ts";

const { values: args } = parseArgs({ options: { n: { type: "string" }, rounds: { type: "string" } } });
const n = Number(args.n ?? 200);
const rounds = Number(args.rounds ?? 5);
const mf6 = findProgram("mf6");
if (!mf6) {
  console.log("mf6 not found (in ../shared/tools/bin or on PATH): nothing measured");
  process.exit(0);
}
const c = await cachedMf6Case({ realisations: n, mf6, pest: true });

const spec = await readFile(c.specFile, "utf8");
const templateFiles = [...spec.matchAll(/template: (\S+), writes:/g)].map((m) => m[1]!);
const templates: Template[] = [];
for (const f of templateFiles) templates.push(parseTemplate(await readFile(join(c.modelDir, f)), f));
const fields = templates.reduce((s, t) => s + t.fields.length, 0);

// Realisations' values from the case's ensemble CSV, as the engine holds them: a row of one
// matrix each, read as a map (params/parameter-matrix.ts).
const csv = (await readFile(join(c.specFile, "..", "prior.csv"), "utf8")).trimEnd().split("\n");
const names = csv[0]!.split(",").slice(1);
const columns = new ColumnIndex(names);
const sets = csv
  .slice(1, n + 1)
  .map((line) => new RowValues(columns, Float64Array.from(line.split(",").slice(1), Number)));

let bytes = 0;
/** As a worker prepares a realisation (agent/realisation.ts): names checked once, then every
 * template rendered. */
function renderAll(values: ReadonlyMap<string, number>): void {
  const checked = new TemplateValues(values);
  for (const t of templates) bytes += renderTemplate(t, checked).length;
}

console.log(`load average ${load()} at the start`);
console.log(
  `${templates.length} templates, ${fields} fields, ${names.length} parameters; ${sets.length} realisations a round`,
);
for (const values of sets.slice(0, 10)) renderAll(values); // warm up
const cpuMs: number[] = [];
const wallMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const values of sets) renderAll(values);
  const wall = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  cpuMs.push((cpu.user + cpu.system) / 1000 / sets.length);
  wallMs.push(wall / sets.length);
}
const f = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
console.log(`cpu ms per realisation: median ${median(cpuMs).toFixed(2)} (rounds: ${f(cpuMs)})`);
console.log(`wall ms per realisation: median ${median(wallMs).toFixed(2)} (rounds: ${f(wallMs)})`);
console.log(`(${(bytes / rounds / sets.length / 1e3).toFixed(0)} kB of input files a realisation)`);
