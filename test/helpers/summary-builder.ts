// Builds a realistic RunSetSummary and RunSetMatrices for report tests, without running any
// model: parameters are sampled, observations computed from them with noise (so sensitivities
// are real rank correlations), and statistics computed the way aggregation does.
import type { RunSetMatrices, ValueMatrix } from "../../src/results/matrix.ts";
import {
  type AlertResult,
  type DistributionStats,
  type FailureSummary,
  type GroupStats,
  type ObservationStats,
  quantileKey,
  type RealisationRow,
  type RunSetSummary,
  type Sensitivity,
  type SeriesBand,
  SUMMARY_SCHEMA,
} from "../../src/results/summary.ts";

export interface SummaryBuilderOptions {
  /** Realisations the spec names (default 200). */
  readonly realisations?: number;
  readonly workers?: number;
  readonly quantiles?: readonly number[];
  readonly seed?: number;
  /** Rename observations, e.g. { h_w1: "<script>" } to test escaping. */
  readonly rename?: Readonly<Record<string, string>>;
  /** Steps in the h_well3 series (default 12). */
  readonly seriesSteps?: number;
  /** Extra scalar observations beyond the standard 11, named extra_0001.. (for long tables). */
  readonly extraObservations?: number;
  readonly notRun?: number;
}

export interface BuiltSummary {
  readonly summary: RunSetSummary;
  readonly matrices: RunSetMatrices;
}

const PARAMETERS = ["hk_1", "hk_2", "rch", "sy", "riv_cond"] as const;
type Params = Record<(typeof PARAMETERS)[number], number>;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function distribution(values: readonly number[], quantiles: readonly number[]): DistributionStats {
  const v = values.filter(Number.isFinite);
  const sorted = [...v].sort((a, b) => a - b);
  const n = v.length;
  const mean = n ? v.reduce((s, x) => s + x, 0) / n : null;
  const std = n > 1 && mean !== null ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : null;
  return {
    count: n,
    mean,
    std,
    min: n ? sorted[0]! : null,
    max: n ? sorted[n - 1]! : null,
    quantiles: Object.fromEntries(quantiles.map((q) => [quantileKey(q), quantile(sorted, q)])),
  };
}

function ranks(values: ArrayLike<number>): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const r = new Array<number>(values.length);
  idx.forEach((i, k) => {
    r[i] = k;
  });
  return r;
}

function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const m = (n - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - m) * (rb[i]! - m);
    da += (ra[i]! - m) ** 2;
    db += (rb[i]! - m) ** 2;
  }
  return num / Math.sqrt(da * db);
}

/** A 200-realisation run set of a demo groundwater model: 23 observations (a 12-step head series
 * at well 3, heads, fluxes, a budget error), 5 parameters, 3 failures, 2 alerts (one fired). */
export function buildSummary(options: SummaryBuilderOptions = {}): BuiltSummary {
  const total = options.realisations ?? 200;
  const workers = options.workers ?? 8;
  const quantiles = options.quantiles ?? [0.1, 0.5, 0.9];
  const steps = options.seriesSteps ?? 12;
  const notRun = options.notRun ?? 0;
  const rand = mulberry32(options.seed ?? 42);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const rename = (name: string) => options.rename?.[name] ?? name;

  const ids = Array.from({ length: total }, (_, i) => `r${String(i + 1).padStart(4, "0")}`);
  const run = ids.slice(0, total - notRun);
  // Three failures spread through the set: two model failures, one lost worker.
  const failedAt = new Map<string, FailureSummary["reason"]>([
    [run[Math.floor(run.length * 0.08)]!, "exit_code"],
    [run[Math.floor(run.length * 0.51)]!, "exit_code"],
    [run[Math.floor(run.length * 0.77)]!, "worker_lost"],
  ]);
  const okIds = run.filter((id) => !failedAt.has(id));

  const params: Params[] = okIds.map(() => ({
    hk_1: 10 ** (1 + 0.3 * normal()),
    hk_2: 10 ** (0.3 + 0.4 * normal()),
    rch: 0.0008 * Math.exp(0.25 * normal()),
    sy: 0.05 + 0.2 * rand(),
    riv_cond: 10 ** (2 + 0.5 * normal()),
  }));

  const scalarDefs: Array<{ name: string; group: string; f: (p: Params) => number }> = [
    { name: "h_w1", group: "heads", f: (p) => 98 + 2500 * p.rch - 0.8 * Math.log10(p.hk_1) + 0.2 * normal() },
    {
      name: "h_w2",
      group: "heads",
      f: (p) => 96.5 + 1800 * p.rch - 1.1 * Math.log10(p.hk_2) + 0.3 * normal(),
    },
    { name: "h_w4", group: "heads", f: (p) => 101 + 900 * p.rch + 0.4 * normal() },
    { name: "h_w5", group: "heads", f: (p) => 99.2 - 0.5 * Math.log10(p.riv_cond) + 0.25 * normal() },
    { name: "q_river", group: "fluxes", f: (p) => -1200 * Math.log10(p.riv_cond) * (1 + 0.1 * normal()) },
    { name: "q_drain", group: "fluxes", f: (p) => -350 * p.hk_1 ** 0.3 * (1 + 0.15 * normal()) },
    { name: "q_wells", group: "fluxes", f: () => -2500 },
    { name: "budget_error_pct", group: "budget", f: () => 0.001 * Math.abs(normal()) },
    { name: "conc_w3", group: "transport", f: (p) => (0.000035 * Math.exp(0.6 * normal())) / p.sy },
    { name: "area_dry_km2", group: "derived", f: (p) => Math.max(0, 3.2 - 2000 * p.rch + 0.4 * normal()) },
    {
      name: "head_drop_max",
      group: "derived",
      f: (p) => 4.5 + 1.2 * Math.log10(p.hk_2 + 1) + 0.3 * normal(),
    },
  ];
  for (let i = 1; i <= (options.extraObservations ?? 0); i++) {
    const name = `extra_${String(i).padStart(4, "0")}`;
    scalarDefs.push({ name, group: "extra", f: (p) => 50 + i * 0.01 + 10 * p.sy + normal() });
  }
  const seriesNames = Array.from({ length: steps }, (_, i) => `h_well3_t${String(i + 1).padStart(3, "0")}`);

  const obsNames: string[] = [...seriesNames, ...scalarDefs.map((d) => d.name)];
  const obsGroups: string[] = [...seriesNames.map(() => "heads_w3"), ...scalarDefs.map((d) => d.group)];
  const obsColumns = obsNames.map(() => new Float64Array(okIds.length));
  params.forEach((p, row) => {
    const base = 100 + 3000 * p.rch - 0.6 * Math.log10(p.hk_1) + 0.3 * normal();
    for (let s = 0; s < steps; s++) {
      // Seasonal recharge and a slow decline from pumping; the spread widens with time.
      const season = 0.8 * Math.sin((2 * Math.PI * s) / 12);
      obsColumns[s]![row] = base + season - 0.12 * s * (1 + 0.5 * normal() * (s / Math.max(1, steps)));
    }
    scalarDefs.forEach((d, k) => {
      obsColumns[steps + k]![row] = d.f(p);
    });
  });
  // One realisation read no conc_w3 (the instruction file's optional line was missing).
  const concIndex = obsNames.indexOf("conc_w3");
  if (concIndex >= 0 && okIds.length > 5) obsColumns[concIndex]![5] = Number.NaN;

  const paramColumns = PARAMETERS.map((name) => Float64Array.from(params, (p) => p[name]));

  const alerts: AlertResult[] = [];
  const w3Last = seriesNames[seriesNames.length - 1]!;
  const w3LastSorted = [...obsColumns[steps - 1]!].sort((a, b) => a - b);
  const p90 = quantile(w3LastSorted, 0.9)!;
  const limit = Math.floor(p90 * 2 - 0.5) / 2;
  const judged = { evaluatedOn: okIds.length, realisations: total };
  const on = okIds.length < total ? ` (on ${okIds.length} of ${total} realisations)` : "";
  alerts.push({
    name: "w3_high_water",
    observation: rename(w3Last),
    rule: `p90 of ${rename(w3Last)} above ${limit}`,
    kind: "statistic",
    statistic: "p90",
    direction: "above",
    threshold: limit,
    value: p90,
    ...judged,
    fired: true,
    level: "failure",
    message: `${rename(w3Last)}: p90 is ${p90.toFixed(2)}, above ${limit}${on}`,
  });
  const river = obsColumns[obsNames.indexOf("q_river")]!;
  const riverLimit = -3600;
  const pBelow = river.filter((v) => v < riverLimit).length / river.length;
  alerts.push({
    name: "river_loss",
    observation: rename("q_river"),
    rule: `probability of ${rename("q_river")} below ${riverLimit} above 0.2`,
    kind: "probability",
    exceeds: riverLimit,
    direction: "above",
    threshold: 0.2,
    value: pBelow,
    ...judged,
    fired: pBelow > 0.2,
    level: pBelow > 0.2 ? "failure" : "notice",
    message: `${rename("q_river")}: P(below ${riverLimit}) is ${pBelow.toFixed(2)}, not above 0.2${on}`,
  });

  const observations: ObservationStats[] = obsNames.map((name, i) => ({
    name: rename(name),
    group: obsGroups[i]!,
    ...distribution([...obsColumns[i]!], quantiles),
    exceedance:
      name === "q_river"
        ? [{ threshold: riverLimit, direction: "below" as const, probability: pBelow }]
        : name === w3Last
          ? [
              {
                threshold: limit,
                direction: "above" as const,
                probability: obsColumns[i]!.filter((v) => v > limit).length / okIds.length,
              },
            ]
          : [],
  }));

  const groups: GroupStats[] = [...new Set(obsGroups)].map((group) => {
    const members = obsNames.filter((_, i) => obsGroups[i] === group);
    const values = obsNames.flatMap((_, i) => (obsGroups[i] === group ? [...obsColumns[i]!] : []));
    return { group, observations: members.map(rename), ...distribution(values, quantiles) };
  });

  const series: SeriesBand[] = [
    {
      name: "h_well3",
      stepLabel: "month",
      source: "name",
      steps: seriesNames.map((name, s) => {
        const d = distribution([...obsColumns[s]!], quantiles);
        return { step: s + 1, observation: rename(name), mean: d.mean, quantiles: d.quantiles };
      }),
    },
  ];

  const sensitivities: Sensitivity[] = [];
  PARAMETERS.forEach((parameter, pi) => {
    obsNames.forEach((observation, oi) => {
      const o = obsColumns[oi]!;
      const keep = [...o.keys()].filter((k) => Number.isFinite(o[k]!));
      const rho = spearman(
        keep.map((k) => paramColumns[pi]![k]!),
        keep.map((k) => o[k]!),
      );
      if (Number.isFinite(rho)) sensitivities.push({ parameter, observation: rename(observation), rho });
    });
  });
  sensitivities.sort((a, b) => Math.abs(b.rho) - Math.abs(a.rho));

  // Workers take the next realisation as soon as they are free, as the engine's queue does.
  const t0 = Date.parse("2025-03-14T09:00:00Z");
  const free = Array.from({ length: workers }, (_, i) => t0 + i * 1500);
  const rows: RealisationRow[] = run.map((id) => {
    let w = 0;
    for (let k = 1; k < workers; k++) if (free[k]! < free[w]!) w = k;
    const failed = failedAt.get(id);
    const seconds =
      failed === "worker_lost" ? 600 : failed ? 5 + 10 * rand() : 42 * Math.exp(0.35 * normal()) + 3;
    const start = free[w]! + 200;
    free[w] = start + seconds * 1000;
    return {
      id,
      status: failed ? "failed" : "ok",
      worker: `worker-${w + 1}`,
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(free[w]!).toISOString(),
      wallSeconds: Math.round(seconds * 100) / 100,
    };
  });
  const end = Math.max(...rows.map((r) => Date.parse(r.endedAt)));
  const failedIds = (reason: string) => [...failedAt].filter(([, r]) => r === reason).map(([id]) => id);
  const exitIds = failedIds("exit_code");
  const lostIds = failedIds("worker_lost");
  const failures: FailureSummary[] = [
    {
      kind: "model",
      reason: "exit_code",
      count: exitIds.length,
      ids: exitIds,
      examples: exitIds.map((id, i) => ({
        id,
        message:
          i === 0
            ? "mfusg exited with code 2: FAILURE TO CONVERGE | outer iteration 200"
            : "mfusg exited with code 2: FAILURE TO CONVERGE",
        logTail: [
          " OUTER ITERATION  198  max head change  1.2E+01",
          " OUTER ITERATION  199  max head change  1.3E+01",
          " OUTER ITERATION  200  max head change  9.8E+00",
          "",
          " FAILURE TO CONVERGE IN TIME STEP 4 OF STRESS PERIOD 7",
          ` <check> cell (3,41,17) & layer 2 \`dry\``,
          " STOP: normal termination not reached",
        ].join("\n"),
      })),
    },
    {
      kind: "infrastructure",
      reason: "worker_lost",
      count: lostIds.length,
      ids: lostIds,
      examples: lostIds.map((id) => ({
        id,
        message: "The worker stopped sending heartbeats for 120s (task i-0abc123 was reclaimed).",
        logTail: "",
      })),
    },
  ];

  const okRuntimes = rows.filter((r) => r.status === "ok").map((r) => r.wallSeconds);
  const summary: RunSetSummary = {
    schema: SUMMARY_SCHEMA,
    project: "demo",
    scenario: "base",
    generatedAt: new Date(end + 5000).toISOString(),
    counts: {
      realisations: total,
      ok: okIds.length,
      failedModel: exitIds.length,
      failedInfrastructure: lostIds.length,
      notRun,
    },
    wallSeconds: (end - Date.parse(rows[0]!.startedAt)) / 1000,
    cpuHours: (rows.reduce((s, r) => s + r.wallSeconds, 0) * 0.97) / 3600,
    runtime: distribution(okRuntimes, quantiles),
    quantiles,
    observations,
    groups,
    series,
    failures,
    sensitivities: sensitivities.slice(0, 20),
    alerts,
    realisations: rows,
  };
  const matrix = (names: readonly string[], columns: Float64Array[]): ValueMatrix => ({
    ids: okIds,
    names,
    columns,
  });
  return {
    summary,
    matrices: {
      observations: matrix(obsNames.map(rename), obsColumns),
      parameters: matrix(PARAMETERS, paramColumns),
    },
  };
}
