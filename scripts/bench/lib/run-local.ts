// Runs `modelfleet run` (runLocal) in a process of its own and prints one JSON line of figures,
// so that the benchmark around it can count the CPU time of the whole tree (engine, launcher
// shells, models) apart from its own.
//
//   node scripts/bench/lib/run-local.ts <spec> <results> <work> <workers> [--no-report]
import { runLocal } from "../../../src/engine/local-run.ts";

const [specFile, resultsRoot, workRoot, workers, ...flags] = process.argv.slice(2);
const report = !flags.includes("--no-report");
const started = performance.now();
let exited = 0;
const run = await runLocal({
  specFile: specFile!,
  resultsRoot: resultsRoot!,
  workRoot: workRoot!,
  workers: Number(workers),
  report,
  onEvent: (e) => {
    if (e.type === "exited") exited++;
  },
});
const wall = (performance.now() - started) / 1000;
const results = run.results;
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({
    wallSeconds: wall,
    engineSeconds: run.engine.wallSeconds,
    ok: results.filter((r) => r.status === "ok").length,
    failed: results.filter((r) => r.status !== "ok").length,
    exited,
    modelWallSeconds: results.reduce((s, r) => s + r.wallSeconds, 0),
    modelCpuSeconds: results.reduce((s, r) => s + (r.cpuSeconds ?? 0), 0),
    selfUserSeconds: cpu.user / 1e6,
    selfSystemSeconds: cpu.system / 1e6,
    maxRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    failures: results
      .filter((r) => r.status !== "ok")
      .slice(0, 3)
      .map((r) => r.failure?.message),
  })}\n`,
);
