// Benchmark: aggregating a large run set. 2,000 synthetic realisations x 5,000 observations
// and 20 parameters (a few failed, alerts on some observations, a declared series and
// recognised ones) are fed to the aggregator one at a time, each result made just before it is
// added and dropped after; then finish() and the four result files. Prints timings and peak
// memory and asserts nothing. Run: node scripts/bench/aggregate.ts

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AggregationPhase, createAggregator } from "../../src/results/aggregate.ts";
import { observationsCsv, parametersCsv, summaryCsv, summaryJson } from "../../src/results/files.ts";
import type { RealisationResult } from "../../src/results/realisation-result.ts";
import type { AlertSpec } from "../../src/spec/schema.ts";

const REALISATIONS = 2000;
const PARAMETERS = 20;
const HEADS = 2950;
const WELLS = 20;
const STEPS = 50;
const TRANSECT = 50;
const CONCENTRATIONS = 1000;

/** A seeded generator (mulberry32), so every run measures the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const parameterNames = Array.from({ length: PARAMETERS }, (_, i) =>
  i < 10 ? `hk_z${i + 1}` : `rch_${i - 9}`,
);
const observationNames: string[] = [];
for (let i = 1; i <= HEADS; i++) observationNames.push(`h_w${i}`);
for (let w = 1; w <= WELLS; w++) {
  for (let t = 1; t <= STEPS; t++) observationNames.push(`h_well${w}_t${String(t).padStart(3, "0")}`);
}
for (let x = 1; x <= TRANSECT; x++) observationNames.push(`tr_x${String(x).padStart(2, "0")}`);
for (let i = 1; i <= CONCENTRATIONS; i++) observationNames.push(`conc_${i}`);

// Each observation responds to one parameter, more or less strongly, as a model's would.
const driver = observationNames.map((_, j) => j % PARAMETERS);
const weight = observationNames.map((_, j) => ((j * 7919) % 100) / 50 - 1);

const alerts: AlertSpec[] = [
  { observation: "h_w3", statistic: "p90", above: 101.5 },
  { observation: "h_w5", probability: { exceeds: 100.5, above: 0.2 } },
  { observation: "tr_x10", statistic: "mean", below: 99 },
  { observation: "h_well4_t050", statistic: "p95", above: 103 },
  { observation: "conc_7", probability: { falls_below: 0.5, above: 0.5 } },
  { name: "spread of h_w9", observation: "h_w9", statistic: "std", above: 0.5 },
];

/** Numbers as a model writes them, to 5 decimals: what instruction files read. */
function printed(v: number): number {
  return Math.round(v * 1e5) / 1e5;
}

function makeResult(r: number): RealisationResult {
  const rand = random(r + 1);
  const parameters: Record<string, number> = {};
  const p = new Float64Array(PARAMETERS);
  for (let i = 0; i < PARAMETERS; i++) {
    p[i] = rand();
    parameters[parameterNames[i]!] = printed(i < 10 ? 10 ** (p[i]! * 2 - 1) : 1e-4 * (0.5 + p[i]!));
  }
  const id = `real_${String(r).padStart(4, "0")}`;
  const started = Date.UTC(2025, 0, 1) + Math.floor(r / 100) * 60_000 + (r % 100) * 500;
  const wall = 30 + rand() * 30;
  const timing = {
    worker: `worker-${r % 100}`,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + wall * 1000).toISOString(),
    wallSeconds: wall,
    cpuSeconds: wall * 0.95,
  };
  const common = {
    schema: 1 as const,
    project: "bench",
    scenario: "large",
    id,
    key: "k",
    attempts: 1,
    ...timing,
    peakMemoryMb: 200,
    signal: null,
    files: [],
  };
  if (r % 97 === 13) {
    const model = r % 2 === 0;
    return {
      ...common,
      status: "failed",
      failure: model
        ? { kind: "model", reason: "exit_code", message: "mf6 exited with code 1" }
        : { kind: "infrastructure", reason: "worker_lost", message: "the worker stopped answering" },
      exitCode: model ? 1 : null,
      parameters,
      observations: {},
      logTail: "Error: failed to converge\n".repeat(5),
    };
  }
  const observations: Record<string, number> = {};
  for (let j = 0; j < observationNames.length; j++) {
    const name = observationNames[j]!;
    const effect = weight[j]! * p[driver[j]!]!;
    const noise = rand() - 0.5;
    observations[name] = name.startsWith("conc_")
      ? printed(Math.exp(2 * effect + noise))
      : printed(100 + 2 * effect + 0.5 * noise);
  }
  return { ...common, status: "ok", exitCode: 0, parameters, observations, logTail: "" };
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(0);
}

async function main(): Promise<void> {
  let peakRss = process.memoryUsage().rss;
  const sample = () => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const phases = new Map<AggregationPhase, number>();
  const aggregator = createAggregator({
    project: "bench",
    scenario: "large",
    quantiles: [0.05, 0.1, 0.5, 0.9, 0.95],
    alerts,
    report: {
      groups: { heads: ["h_w*"] },
      series: [{ name: "transect", observations: "tr_x{step}", step_label: "x (m)" }],
    },
    plannedIds: Array.from({ length: REALISATIONS + 10 }, (_, r) => `real_${String(r).padStart(4, "0")}`),
    profile: (phase, ms) => phases.set(phase, ms),
  });

  let addMs = 0;
  let makeMs = 0;
  for (let r = 0; r < REALISATIONS; r++) {
    const t0 = performance.now();
    const result = makeResult(r);
    const t1 = performance.now();
    aggregator.add(result);
    const t2 = performance.now();
    makeMs += t1 - t0;
    addMs += t2 - t1;
    if (r % 50 === 0) sample();
  }
  sample();

  const t0 = performance.now();
  const { summary, matrices, parameters } = aggregator.finish();
  const finishMs = performance.now() - t0;
  sample();

  const dir = await mkdtemp(join(tmpdir(), "modelfleet-aggregate-bench-"));
  const fileMs = new Map<string, number>();
  const sizes = new Map<string, number>();
  try {
    const files: Array<[string, () => string]> = [
      ["summary.json", () => summaryJson(summary)],
      ["summary.csv", () => summaryCsv(summary)],
      ["observations.csv", () => observationsCsv(matrices)],
      [
        "parameters.csv",
        () => Buffer.concat([...parametersCsv(parameters, matrices.observations.ids)]).toString("latin1"),
      ],
    ];
    for (const [name, build] of files) {
      const t = performance.now();
      const text = build();
      fileMs.set(name, performance.now() - t);
      sample();
      sizes.set(name, text.length);
      await writeFile(join(dir, name), text);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  sample();

  const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
  const stats = ["matrices", "observations", "groups", "series", "alerts"] as const;
  const statsMs = stats.reduce((t, p) => t + (phases.get(p) ?? 0), 0);
  const sensitivityMs = phases.get("sensitivity") ?? 0;
  const filesMs = [...fileMs.values()].reduce((t, v) => t + v, 0);
  const lines = [
    `${REALISATIONS} realisations (${summary.counts.ok} ok, ${summary.counts.failedModel} model and ${summary.counts.failedInfrastructure} infrastructure failures, ${summary.counts.notRun} not run) x ${observationNames.length} observations, ${PARAMETERS} parameters`,
    `making results (not aggregation)   ${fmt(makeMs)}`,
    `add, all results                   ${fmt(addMs)}`,
    `finish                             ${fmt(finishMs)}`,
    `  statistics                       ${fmt(statsMs)}   (${stats.map((p) => `${p} ${(phases.get(p) ?? 0).toFixed(0)}`).join(", ")})`,
    `  sensitivity                      ${fmt(sensitivityMs)}`,
    `files (building the strings)       ${fmt(filesMs)}   (${[...fileMs].map(([n, ms]) => `${n} ${ms.toFixed(0)} ms, ${mb(sizes.get(n)!)} MB`).join("; ")})`,
    `add + finish + files               ${fmt(addMs + finishMs + filesMs)}`,
    `peak RSS sampled                   ${mb(peakRss).padStart(6)} MB`,
    `maxRSS (resourceUsage)             ${mb(process.resourceUsage().maxRSS * 1024).padStart(6)} MB`,
    `alerts fired: ${summary.alerts.filter((a) => a.fired).length} of ${summary.alerts.length}; series: ${summary.series.length}; groups: ${summary.groups.length}; strongest |rho|: ${Math.abs(summary.sensitivities[0]?.rho ?? 0).toFixed(3)}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
