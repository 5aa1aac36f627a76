// Benchmark: how far one engine (one event loop) scales with workers. The model sleeps, so the
// machine's cores are not what limits (a 64-core machine keeps 64 models busy; this one has 2):
// each worker runs `--rounds` realisations of a `--sleep` s model (one template, one
// instruction file), and the engine's rate is compared with what the sleeps allow.
// Figures printed, nothing asserted.
//
//   node scripts/bench/scale-workers.ts [--workers 2,8,32,128] [--sleep 1] [--rounds 8]
//
// realisations/s: N / wall; ideal: workers / sleep. Overhead per realisation:
// (wall x workers - sum of model wall) / N, the time a worker is not running a model.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLocal } from "../../src/engine/local-run.ts";
import { load } from "./lib/measure.ts";

const { values } = parseArgs({
  options: { workers: { type: "string" }, sleep: { type: "string" }, rounds: { type: "string" } },
});
const counts = (values.workers ?? "2,8,32,128").split(",").map(Number);
const sleep = Number(values.sleep ?? 1);
const rounds = Number(values.rounds ?? 8);

async function project(count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mf-scale-"));
  await mkdir(join(dir, "model"));
  await writeFile(join(dir, "model", "in.tpl"), "ptf ~\nRESULTS\nx ~x                 ~\n");
  await writeFile(join(dir, "model", "out.ins"), "pif @\n@RESULTS@\nl1 w !x!\n");
  await writeFile(join(dir, "model", "model.sh"), `sleep ${sleep}\ncp in.txt out.txt\n`);
  await writeFile(
    join(dir, "bench.yaml"),
    `project: bench
scenario: scale
model:
  dir: model
  command: [sh, model.sh]
  templates: [{ template: in.tpl, writes: in.txt }]
  instructions: [{ file: out.ins, reads: out.txt }]
parameters:
  sample: { n: ${count}, method: mc, seed: 1, priors: { x: { uniform: [0, 1] } } }
`,
  );
  return dir;
}

console.log(`model: sleep ${sleep} s; ${rounds} realisations per worker; load average ${load()}`);
for (const workers of counts) {
  const n = workers * rounds;
  const dir = await project(n);
  try {
    const cpu = process.cpuUsage();
    const report = await runLocal({
      specFile: join(dir, "bench.yaml"),
      resultsRoot: join(dir, "results"),
      workRoot: join(dir, "work"),
      workers,
      report: false,
    });
    const used = process.cpuUsage(cpu);
    const wall = report.engine.wallSeconds;
    const modelWall = report.results.reduce((s, r) => s + r.wallSeconds, 0);
    const ok = report.results.filter((r) => r.status === "ok").length;
    const overheadMs = ((wall * workers - modelWall) / n) * 1000;
    console.log(
      `${String(workers).padStart(4)} workers: ${n} realisations (${ok} ok) in ${wall.toFixed(2)} s; ` +
        `${(n / wall).toFixed(1)} realisations/s of ${(workers / sleep).toFixed(1)} ideal (${((n / wall / (workers / sleep)) * 100).toFixed(0)}%); ` +
        `overhead ${overheadMs.toFixed(0)} ms per realisation; engine CPU ${((used.user + used.system) / 1000 / n).toFixed(1)} ms per realisation; load average ${load()}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
