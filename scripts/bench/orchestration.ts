// Orchestration overhead and efficiency of the local engine (figures printed, nothing asserted).
//
//   node scripts/bench/orchestration.ts [--n 1000] [--slow-n 100] [--workers 2]
//
// 1. Overhead per realisation = (wall x workers - sum of model wall) / N, over N realisations of
//    a very fast model (`cp`) with one template and one instruction file.
// 2. Efficiency on a 0.2 s model = sum of model wall / (wall x workers).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLocal } from "../../src/engine/local-run.ts";

const { values } = parseArgs({
  options: { n: { type: "string" }, "slow-n": { type: "string" }, workers: { type: "string" } },
});
const n = Number(values.n ?? 1000);
const slowN = Number(values["slow-n"] ?? 100);
const workers = Number(values.workers ?? 2);

async function project(command: string[], count: number) {
  const dir = await mkdtemp(join(tmpdir(), "mf-bench-"));
  await mkdir(join(dir, "model"));
  await writeFile(join(dir, "model", "in.tpl"), "ptf ~\nRESULTS\nx ~x                 ~\n");
  await writeFile(join(dir, "model", "out.ins"), "pif @\n@RESULTS@\nl1 w !x!\n");
  await writeFile(
    join(dir, "bench.yaml"),
    `project: bench
scenario: base
model:
  dir: model
  command: ${JSON.stringify(command)}
  templates: [{ template: in.tpl, writes: in.txt }]
  instructions: [{ file: out.ins, reads: out.txt }]
parameters:
  sample: { n: ${count}, method: mc, seed: 1, priors: { x: { uniform: [0, 1] } } }
`,
  );
  return dir;
}

async function measure(label: string, command: string[], count: number) {
  const dir = await project(command, count);
  try {
    const report = await runLocal({
      specFile: join(dir, "bench.yaml"),
      resultsRoot: join(dir, "results"),
      workRoot: join(dir, "work"),
      workers,
    });
    const wall = report.engine.wallSeconds;
    const modelWall = report.results.reduce((s, r) => s + r.wallSeconds, 0);
    const ok = report.results.filter((r) => r.status === "ok").length;
    return { label, count, ok, wall, modelWall };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fast = await measure("fast model (cp)", ["cp", "in.txt", "out.txt"], n);
const overheadMs = ((fast.wall * workers - fast.modelWall) / fast.count) * 1000;
console.log(
  `overhead: ${fast.count} realisations (${fast.ok} ok) of a fast model on ${workers} workers in ${fast.wall.toFixed(2)} s; ` +
    `model wall ${fast.modelWall.toFixed(2)} s; overhead ${overheadMs.toFixed(2)} ms per realisation (goal <= 2 ms); ` +
    `${(fast.count / fast.wall).toFixed(0)} realisations/s`,
);

const slow = await measure("0.2 s model", ["sh", "-c", "sleep 0.2 && cp in.txt out.txt"], slowN);
const efficiency = slow.modelWall / (slow.wall * workers);
console.log(
  `efficiency: ${slow.count} realisations (${slow.ok} ok) of a 0.2 s model on ${workers} workers in ${slow.wall.toFixed(2)} s; ` +
    `model wall ${slow.modelWall.toFixed(2)} s; efficiency ${(efficiency * 100).toFixed(1)}% (goal >= 95%)`,
);
