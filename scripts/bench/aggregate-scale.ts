// Benchmark: the reports of a run set at scale: by default 10,000 realisations x 8,175
// parameters x 1,025 observations (the MODFLOW 6 case's shape), through reportRunSet as a run
// writes them (summary.json, summary.csv, observations.csv, parameters.csv, report.md,
// report.html). Results are made as the store hands them over (each carries its parameter
// values' hash; `--recorded` makes them carry the values, as results did before) and the
// parameter values come from a table computed on demand, as a spec's source gives them: no
// model runs, nothing read from disk but what the reports write. Prints the wall time and the
// peak memory; asserts nothing. Goal: <= 60 s and <= 1.5 GB.
//
//   node scripts/bench/aggregate-scale.ts [--n 10000] [--parameters 8175] [--observations 1025] [--recorded]
import { Buffer } from "node:buffer";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { reportRunSet } from "../../src/report/report-run-set.ts";
import type { RealisationResult } from "../../src/results/realisation-result.ts";
import type { ProjectSpec } from "../../src/spec/schema.ts";
import type { ResultStore, RunSetRef } from "../../src/store/result-store.ts";
import { load } from "./lib/measure.ts";

const { values: args } = parseArgs({
  options: {
    n: { type: "string" },
    parameters: { type: "string" },
    observations: { type: "string" },
    recorded: { type: "boolean" },
  },
});
const N = Number(args.n ?? 10_000);
const P = Number(args.parameters ?? 8175);
const O = Number(args.observations ?? 1025);

const parameterNames = Array.from({ length: P }, (_, p) => `k_${String(p).padStart(5, "0")}`);
const observationNames = Array.from(
  { length: O },
  (_, o) => `h${String(o % 41).padStart(2, "0")}_t${String(Math.floor(o / 41) + 1).padStart(2, "0")}`,
);
const ids = Array.from({ length: N }, (_, r) => `r${String(r + 1).padStart(5, "0")}`);
const rowOf = new Map(ids.map((id, r) => [id, r]));

/** A parameter value, the same every time it is asked for (as a spec's source gives it). */
function parameter(r: number, p: number): number {
  let h = Math.imul(r + 1, 0x9e3779b1) ^ Math.imul(p + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 13;
  return Math.round(((h >>> 0) / 4294967296) * 1e6) / 1e5 + 1;
}

const table = {
  names: parameterNames,
  fill(id: string, which: Int32Array, out: Float64Array): void {
    const r = rowOf.get(id);
    for (let k = 0; k < which.length; k++) out[k] = r === undefined ? Number.NaN : parameter(r, which[k]!);
  },
};

function result(r: number): RealisationResult {
  const observations: Record<string, number> = {};
  for (let o = 0; o < O; o++) {
    // Each observation follows a few parameters, with some noise, as a model's heads would.
    const v =
      100 + 2 * parameter(r, (o * 7919) % P) - parameter(r, (o * 104729) % P) + 0.1 * parameter(r + N, o);
    observations[observationNames[o]!] = Math.round(v * 1e4) / 1e4;
  }
  const start = Date.UTC(2026, 0, 1) + r * 55;
  const failed = r % 211 === 5;
  return {
    schema: 1,
    project: "bench",
    scenario: "scale",
    id: ids[r]!,
    key: `key-${r}`,
    status: failed ? "failed" : "ok",
    ...(failed ? { failure: { kind: "model", reason: "exit_code", message: "mf6 exited with code 1" } } : {}),
    attempts: 1,
    worker: `local-${r % 2}`,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + 110).toISOString(),
    wallSeconds: 0.11,
    cpuSeconds: 0.1,
    peakMemoryMb: 40,
    exitCode: failed ? 1 : 0,
    signal: null,
    ...(args.recorded
      ? { parameters: Object.fromEntries(parameterNames.map((name, p) => [name, parameter(r, p)])) }
      : { parametersHash: "0".repeat(64) }),
    observations: failed ? {} : observations,
    files: [],
    logTail: "",
  } as RealisationResult;
}

const dir = await mkdtemp(join(tmpdir(), "modelfleet-aggregate-scale-"));
const unused = (): never => {
  throw new Error("not used by the reports");
};
const store: ResultStore = {
  location: dir,
  runSetLocation: () => dir,
  getResult: unused,
  listResultVersions: unused,
  async listResults() {
    return ids.map((_, r) => result(r));
  },
  async *eachResult() {
    for (let r = 0; r < N; r++) yield result(r);
  },
  putFile: unused,
  putLog: unused,
  publishResult: unused,
  discardAttempt: unused,
  startPlan: unused,
  currentPlan: unused,
  async putRunSetFile(_runSet: RunSetRef, name: string, content: string | Uint8Array | Iterable<Uint8Array>) {
    await writeFile(join(dir, name), content);
  },
  getRunSetFile: unused,
};

const spec = {
  project: "bench",
  scenario: "scale",
  alerts: [{ observation: "h03_t25", statistic: "p90", above: 120 }],
  report: {
    quantiles: [0.05, 0.5, 0.95],
    key_observations: ["h01_t25", "h05_t25", "h10_t25"],
    groups: {},
    series: [],
    histograms: [],
    units: {},
  },
} as unknown as ProjectSpec;

console.log(
  `${N} realisations x ${P} parameters x ${O} observations${args.recorded ? " (results recording their values)" : ""}; load average ${load()}`,
);
try {
  const started = performance.now();
  const report = await reportRunSet({
    spec,
    store,
    plannedIds: ids,
    currentKeys: new Map(ids.map((id, r) => [id, `key-${r}`])),
    parameters: table,
  });
  const seconds = (performance.now() - started) / 1000;
  const sizes: string[] = [];
  for (const name of [
    "summary.json",
    "summary.csv",
    "observations.csv",
    "parameters.csv",
    "report.md",
    "report.html",
  ]) {
    sizes.push(`${name} ${((await stat(join(dir, name))).size / 1e6).toFixed(1)} MB`);
  }
  const s = report.summary;
  console.log(
    `reports in ${seconds.toFixed(1)} s (goal <= 60 s); peak RSS ${((process.resourceUsage().maxRSS * 1024) / 1e6).toFixed(0)} MB (goal <= 1500 MB)`,
  );
  console.log(`  ${s.counts.ok} ok, ${s.counts.failedModel} failed; ${sizes.join(", ")}`);
  console.log(
    `  sensitivities: ${s.sensitivities.length} pairs, strongest |rho| ${Math.abs(s.sensitivities[0]?.rho ?? 0).toFixed(3)}; ` +
      (s.sensitivityScope
        ? `every parameter against ${s.sensitivityScope.observations} of the ${s.sensitivityScope.ofObservations} observations`
        : "every parameter against every observation"),
  );
  console.log(`load average ${load()} at the end; ${Buffer.byteLength(report.markdown)} bytes of markdown`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
