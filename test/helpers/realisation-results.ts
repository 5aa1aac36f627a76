// Realisation results for tests, with only what a test cares about spelled out.
import { parameterValuesHash } from "../../src/results/parameter-hash.ts";
import type { Failure, RealisationResult } from "../../src/results/realisation-result.ts";
import { loadSpec } from "../../src/spec/load.ts";

export interface TestResultOptions {
  readonly observations?: Readonly<Record<string, number>>;
  readonly parameters?: Readonly<Record<string, number>>;
  readonly failure?: Failure;
  /** Seconds after 2025-01-01T00:00:00Z. */
  readonly start?: number;
  readonly wallSeconds?: number;
  readonly cpuSeconds?: number | null;
  readonly logTail?: string;
  readonly worker?: string;
}

export function testResult(id: string, o: TestResultOptions = {}): RealisationResult {
  const start = Date.UTC(2025, 0, 1) + (o.start ?? 0) * 1000;
  const wall = o.wallSeconds ?? 60;
  return {
    schema: 1,
    project: "demo",
    scenario: "base",
    id,
    key: `key-${id}`,
    status: o.failure === undefined ? "ok" : "failed",
    ...(o.failure === undefined ? {} : { failure: o.failure }),
    attempts: 1,
    worker: o.worker ?? "local-1",
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(start + wall * 1000).toISOString(),
    wallSeconds: wall,
    cpuSeconds: o.cpuSeconds === undefined ? wall : o.cpuSeconds,
    peakMemoryMb: null,
    exitCode: o.failure === undefined ? 0 : 1,
    signal: null,
    // Results carry their values' hash; a test that gives values makes one written before.
    ...(o.parameters === undefined ? { parametersHash: "0".repeat(64) } : { parameters: o.parameters }),
    observations: o.failure === undefined ? (o.observations ?? {}) : {},
    files: [],
    logTail: o.logTail ?? "",
  };
}

/** A published result with every field set, for store tests; `fields` override. */
export function storedResult(fields: Partial<RealisationResult> = {}): RealisationResult {
  return {
    schema: 1,
    project: "demo",
    scenario: "base",
    id: "7",
    key: "k1",
    status: "ok",
    attempts: 1,
    worker: "w1",
    startedAt: "2026-11-23T18:00:00.000Z",
    endedAt: "2026-11-23T18:01:00.000Z",
    wallSeconds: 60,
    cpuSeconds: null,
    peakMemoryMb: null,
    exitCode: 0,
    signal: null,
    parameters: { hk: 1.5 },
    observations: { h1: 10.25 },
    files: [],
    logTail: "",
    ...fields,
  };
}

/** The parameter values the spec gives each realisation, by id: what a result's
 * `parametersHash` stands for. */
export async function specParameters(specFile: string): Promise<Map<string, Record<string, number>>> {
  const resolved = await loadSpec(specFile);
  return new Map(resolved.realisations.realisations.map((r) => [r.id, Object.fromEntries(r.values)]));
}

/** The hash a result carries of these values. */
export function hashOfValues(values: Readonly<Record<string, number>>): string {
  return parameterValuesHash(new Map(Object.entries(values)));
}
