// Benchmark: how far one engine (one event loop) scales with workers. The model sleeps, so the
// machine's cores are not what limits (a 64-core machine keeps 64 models busy; this one has 2):
// each worker runs `--rounds` realisations of a `--sleep` s model (one template, one
// instruction file), and the engine's rate is compared with what the sleeps allow.
// Figures printed, nothing asserted.
//
//   node scripts/bench/scale-workers.ts [--workers 2,8,32,128] [--sleep 1] [--rounds 8] [--runs 1]
//
// realisations/s: N / wall; ideal: workers / sleep. Overhead per realisation:
// (wall x workers - sum of model wall) / N, the time a worker is not running a model.
// Engine CPU per realisation: this process's own CPU time (user + system; the models and the
// shells that start them are other processes) from the plan to the last result published,
// divided by N; "of it on the event loop": the part of it on the engine's one JavaScript thread
// (the rest is Node's file-system threads, which other cores take), and "event loop busy": the
// share of that time the event loop was not waiting. With `--runs` above 1, each figure is the
// median of that many runs.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { runLocal } from "../../src/engine/local-run.ts";
import { load, median } from "./lib/measure.ts";

const { values } = parseArgs({
  options: {
    workers: { type: "string" },
    sleep: { type: "string" },
    rounds: { type: "string" },
    runs: { type: "string" },
  },
});
const counts = (values.workers ?? "2,8,32,128").split(",").map(Number);
const sleep = Number(values.sleep ?? 1);
const rounds = Number(values.rounds ?? 8);
const runs = Number(values.runs ?? 1);

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

interface Figures {
  readonly rate: number;
  readonly overheadMs: number;
  readonly engineCpuMs: number;
  readonly loopCpuMs: number;
  readonly loopBusy: number;
  readonly ok: number;
}

interface Mark {
  /** CPU milliseconds (user + system) of this process so far. */
  readonly process: number;
  /** CPU milliseconds of its main thread, the event loop's (10 ms ticks). */
  readonly loop: number;
  readonly elu: ReturnType<typeof performance.eventLoopUtilization>;
}

function mark(): Mark {
  const u = process.cpuUsage();
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime: fields 14 and 15 of proc(5), 11 and 12 after the command name.
  const loop = (Number(fields[11]) + Number(fields[12])) * 10;
  return { process: (u.user + u.system) / 1000, loop, elu: performance.eventLoopUtilization() };
}

async function once(workers: number, n: number): Promise<Figures> {
  const dir = await project(n);
  try {
    let engineStart: Mark | undefined;
    let engineEnd: Mark | undefined;
    let finished = 0;
    const report = await runLocal({
      specFile: join(dir, "bench.yaml"),
      resultsRoot: join(dir, "results"),
      workRoot: join(dir, "work"),
      workers,
      report: false,
      onPlan: () => {
        engineStart = mark();
      },
      onEvent: (e) => {
        if (e.type === "finished" && ++finished === n) engineEnd = mark();
      },
    });
    const wall = report.engine.wallSeconds;
    const modelWall = report.results.reduce((s, r) => s + r.wallSeconds, 0);
    const start = engineStart!;
    const end = engineEnd ?? mark();
    return {
      rate: n / wall,
      overheadMs: ((wall * workers - modelWall) / n) * 1000,
      engineCpuMs: (end.process - start.process) / n,
      loopCpuMs: (end.loop - start.loop) / n,
      loopBusy: performance.eventLoopUtilization(end.elu, start.elu).utilization,
      ok: report.results.filter((r) => r.status === "ok").length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(
  `model: sleep ${sleep} s; ${rounds} realisations per worker; ${runs === 1 ? "one run" : `median of ${runs} runs`}; load average ${load()}`,
);
for (const workers of counts) {
  const n = workers * rounds;
  const all: Figures[] = [];
  for (let i = 0; i < runs; i++) all.push(await once(workers, n));
  const rate = median(all.map((f) => f.rate));
  const ideal = workers / sleep;
  console.log(
    `${String(workers).padStart(4)} workers: ${n} realisations (${Math.min(...all.map((f) => f.ok))} ok); ` +
      `${rate.toFixed(1)} realisations/s of ${ideal.toFixed(1)} ideal (${((rate / ideal) * 100).toFixed(0)}%); ` +
      `overhead ${median(all.map((f) => f.overheadMs)).toFixed(0)} ms per realisation; ` +
      `engine CPU ${median(all.map((f) => f.engineCpuMs)).toFixed(2)} ms per realisation ` +
      `(${median(all.map((f) => f.loopCpuMs)).toFixed(2)} ms of it on the event loop; event loop busy ` +
      `${(median(all.map((f) => f.loopBusy)) * 100).toFixed(0)}%); load average ${load()}`,
  );
}
