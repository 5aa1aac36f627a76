// modelfleet and PEST++ side by side on the same MODFLOW 6 case (figures printed, nothing
// asserted):
//
//   node scripts/bench/mf6-side-by-side.ts [--n 200] [--workers 2] [--repeat 3] [--no-pest] [--no-report]
//
// The case (lib/mf6-case.ts): a 31 MB model folder of about 100 files, 14 templates holding
// 8,175 parameters, 3 instruction files reading 1,025 observations, about 0.1 s a model run.
// Three things are measured, each `--repeat` times (medians printed):
// 1. The models alone: mf6 run one after another in one prepared folder. Its CPU time divided
//    by the workers is the least wall time any run manager can take (the limit).
// 2. modelfleet: `modelfleet run` (runLocal) with `--workers`, in a process of its own; CPU of
//    its whole tree (engine, launcher shells, models), less the models' own, is the overhead.
//    With `--no-report` the run ends without aggregating and writing the reports.
// 3. PEST++: pestpp-swp as manager and `--workers` PANTHER agents on loopback, each agent in a
//    copy of the model folder, `panther_poll_interval 0.01` (its best setting for fast models).
// Goal: modelfleet's wall <= 1.25 x the limit, and its CPU outside the models <= 10 % of theirs.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cachedMf6Case } from "./lib/cases.ts";
import { findProgram, load, median, runChild, seconds } from "./lib/measure.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string" },
    workers: { type: "string" },
    repeat: { type: "string" },
    "no-pest": { type: "boolean" },
    "no-report": { type: "boolean" },
    "models-alone": { type: "string" },
  },
});
const n = Number(values.n ?? 200);
const workers = Number(values.workers ?? 2);
const repeat = Number(values.repeat ?? 3);
const mf6 = findProgram("mf6");
const pestpp = values["no-pest"] ? undefined : findProgram("pestpp-swp");
if (!mf6) {
  console.log("mf6 not found (in ../shared/tools/bin or on PATH): nothing measured");
  process.exit(0);
}
console.log(`load average ${load()} at the start`);
const c = await cachedMf6Case({ realisations: n, mf6, pest: true });
const scratch = await mkdtemp(join(tmpdir(), "mf-side-"));

interface Row {
  wall: number;
  cpu: number;
  system: number;
  extra: string;
}
const rows = new Map<string, Row[]>();
const add = (label: string, row: Row) => rows.set(label, [...(rows.get(label) ?? []), row]);

/** Every template's file written with realisation 1's values, as the model folder already has. */
async function modelsAlone(runs: number): Promise<{ wall: number; cpu: number; system: number }> {
  const dir = join(scratch, "alone");
  await rm(dir, { recursive: true, force: true });
  await cp(c.modelDir, dir, { recursive: true });
  const walls: number[] = [];
  const cpus: number[] = [];
  const systems: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runChild(mf6!, [], { cwd: dir });
    if (r.code !== 0) throw new Error(`mf6 failed in ${dir}`);
    walls.push(r.wallSeconds);
    cpus.push(r.userSeconds + r.systemSeconds);
    systems.push(r.systemSeconds);
  }
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  return { wall: sum(walls) / runs, cpu: sum(cpus) / runs, system: sum(systems) / runs };
}

async function modelfleet(round: number) {
  const dir = join(scratch, `mf-${round}`);
  const r = await runChild(process.execPath, [
    join(import.meta.dirname, "lib", "run-local.ts"),
    c.specFile,
    join(dir, "results"),
    join(dir, "work"),
    String(workers),
    ...(values["no-report"] ? ["--no-report"] : []),
  ]);
  if (r.code !== 0) throw new Error(`modelfleet run failed: ${r.stderr.slice(-2000)}`);
  const figures = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    ok: number;
    engineSeconds: number;
    modelWallSeconds: number;
    modelCpuSeconds: number;
    selfUserSeconds: number;
    selfSystemSeconds: number;
    maxRssMb: number;
    failures: string[];
  };
  if (figures.ok !== n)
    throw new Error(`modelfleet: ${figures.ok} of ${n} ok: ${figures.failures.join("; ")}`);
  await rm(dir, { recursive: true, force: true });
  return { ...r, figures };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function pest(round: number) {
  const dir = join(scratch, `pest-${round}`);
  await mkdir(dir, { recursive: true });
  const csv = (await readFile(c.sweepCsv!, "utf8")).split("\n");
  const manager = join(dir, "manager");
  await cp(c.modelDir, manager, { recursive: true });
  await cp(c.pst!, join(manager, "case.pst"));
  await writeFile(join(manager, "sweep_in.csv"), `${csv.slice(0, n + 1).join("\n")}\n`);
  const agents: string[] = [];
  for (let i = 1; i <= workers; i++) {
    const a = join(dir, `agent${i}`);
    await cp(c.modelDir, a, { recursive: true });
    await cp(c.pst!, join(a, "case.pst"));
    agents.push(a);
  }
  const port = await freePort();
  const time = "/usr/bin/time";
  const managerRun = runChild(time, ["-f", "maxrss %M", pestpp!, "case.pst", "/h", `:${port}`], {
    cwd: manager,
  });
  await new Promise((r) => setTimeout(r, 300));
  const agentRuns = agents.map((a) =>
    runChild(time, ["-f", "maxrss %M", pestpp!, "case.pst", "/h", `127.0.0.1:${port}`], { cwd: a }),
  );
  const m = await managerRun;
  const done = await Promise.all(agentRuns);
  const out = await readFile(join(manager, "sweep_out.csv"), "utf8").catch(() => "");
  const runsDone = out.trim().split("\n").length - 1;
  if (runsDone !== n)
    throw new Error(`pestpp-swp: ${runsDone} of ${n} runs in sweep_out.csv: ${m.stdout.slice(-1500)}`);
  const rss = (s: string) => Number(/maxrss (\d+)/.exec(s)?.[1] ?? 0) / 1000;
  await rm(dir, { recursive: true, force: true });
  return {
    wall: m.wallSeconds,
    cpu: [m, ...done].reduce((s, r) => s + r.userSeconds + r.systemSeconds, 0),
    system: [m, ...done].reduce((s, r) => s + r.systemSeconds, 0),
    rss: rss(m.stderr) + done.reduce((s, r) => s + rss(r.stderr), 0),
  };
}

try {
  const aloneRuns = Number(values["models-alone"] ?? Math.min(n, 40));
  for (let round = 1; round <= repeat; round++) {
    const alone = await modelsAlone(aloneRuns);
    const limit = (alone.cpu * n) / workers;
    add("models alone", {
      wall: limit,
      cpu: alone.cpu * n,
      system: alone.system * n,
      extra: `one run: ${seconds(alone.wall)} wall, ${seconds(alone.cpu)} CPU`,
    });
    const mf = await modelfleet(round);
    const modelCpu = alone.cpu * n;
    const treeCpu = mf.userSeconds + mf.systemSeconds;
    add("modelfleet", {
      wall: mf.wallSeconds,
      cpu: treeCpu,
      system: mf.systemSeconds,
      extra:
        `engine ${seconds(mf.figures.engineSeconds)}, ${(mf.wallSeconds / limit).toFixed(2)}x the limit, ` +
        `${(mf.figures.engineSeconds / (mf.figures.modelWallSeconds / workers)).toFixed(2)}x sum(model wall)/workers; ` +
        `CPU outside the models ${seconds(treeCpu - modelCpu)} (${(((treeCpu - modelCpu) / modelCpu) * 100).toFixed(0)}% of theirs; ` +
        `engine process ${seconds(mf.figures.selfUserSeconds + mf.figures.selfSystemSeconds)}); peak RSS ${mf.figures.maxRssMb.toFixed(0)} MB`,
    });
    if (pestpp) {
      const p = await pest(round);
      add("PEST++ swp + agents", {
        wall: p.wall,
        cpu: p.cpu,
        system: p.system,
        extra: `${(p.wall / limit).toFixed(2)}x the limit; peak RSS (sum) ${p.rss.toFixed(0)} MB`,
      });
    }
    console.log(`round ${round} done, load average ${load()}`);
  }
  console.log(
    `\n${n} realisations, ${workers} workers, ${c.parameters.length} parameters, ${c.observations.length} observations, ${c.templates} templates; medians of ${repeat}`,
  );
  for (const [label, list] of rows) {
    const last = list[list.length - 1]!;
    console.log(
      `${label.padEnd(22)} wall ${seconds(median(list.map((r) => r.wall))).padStart(9)}  CPU ${seconds(median(list.map((r) => r.cpu))).padStart(9)} (system ${seconds(median(list.map((r) => r.system)))})  ${last.extra}`,
    );
  }
  const mfWall = median(rows.get("modelfleet")!.map((r) => r.wall));
  const pestWall = rows.has("PEST++ swp + agents")
    ? median(rows.get("PEST++ swp + agents")!.map((r) => r.wall))
    : undefined;
  if (pestWall !== undefined) console.log(`PEST++ wall / modelfleet wall: ${(pestWall / mfWall).toFixed(2)}`);
  console.log(`load average ${load()} at the end`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
