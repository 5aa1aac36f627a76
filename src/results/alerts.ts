// Alert rules evaluated against a run set's values. An AlertResult is plain JSON with the
// rule, the value, whether it fired, a level and one sentence, so every channel is fed from it
// without knowing the rules: a PR comment or text report prints `message` (formatAlertLine),
// a GitHub check annotation takes `level`, `name` and `message`, an SNS message or a webhook
// sends the object as it is.
import type { AlertSpec } from "../spec/schema.ts";
import { compactValues, describeValues, exceedanceOf } from "./statistics.ts";
import type { AlertResult } from "./summary.ts";

/** A threshold in the observation's own units that an alert compares against, for the
 * per-observation exceedance probabilities. */
export interface AlertThreshold {
  readonly threshold: number;
  readonly direction: "above" | "below";
}

/** The rule in words: "p90 of h_w3 above 102.5", "P(h_w5 > 98) above 0.2". */
export function alertRule(spec: AlertSpec): string {
  const p = spec.probability;
  if (p !== undefined) return `${probabilityLabel(spec.observation, p)} above ${p.above}`;
  const { direction, threshold } = statisticLimit(spec);
  return `${spec.statistic} of ${spec.observation} ${direction} ${threshold}`;
}

/** The value threshold of an alert, or undefined when its limit is not in the observation's
 * units (a limit on the standard deviation). */
export function alertThreshold(spec: AlertSpec): AlertThreshold | undefined {
  const p = spec.probability;
  if (p !== undefined) {
    return p.exceeds !== undefined
      ? { threshold: p.exceeds, direction: "above" }
      : { threshold: p.falls_below!, direction: "below" };
  }
  if (spec.statistic === "std") return undefined;
  return statisticLimit(spec);
}

/** What an alert is judged against besides its values. */
export interface AlertContext {
  /** Realisations in the run set: every one the spec names, with a result or not. */
  readonly realisations: number;
}

/**
 * Evaluates one alert against the values of its observation (NaN entries are missing values;
 * undefined: no realisation reported the observation). With no values the alert does not
 * fire and its message says why. When the values are fewer than the run set's realisations
 * (some failed, have not run, or did not read the observation), the message says how many it
 * was judged on: "(on 53 of 200 realisations)".
 */
export function evaluateAlert(
  spec: AlertSpec,
  values: ArrayLike<number> | undefined,
  context: AlertContext,
): AlertResult {
  const rule = alertRule(spec);
  const name = spec.name ?? rule;
  const obs = spec.observation;
  const compact = new Float64Array(values?.length ?? 0);
  const n = values === undefined ? 0 : compactValues(values, compact);
  const sample = { evaluatedOn: n, realisations: context.realisations };
  const on = n < context.realisations ? ` (on ${n} of ${context.realisations} realisations)` : "";
  const missing =
    values === undefined
      ? `no successful realisation reported ${obs}`
      : n === 0
        ? `${obs} has no values (no successful realisation read it)`
        : undefined;
  const p = spec.probability;
  if (p !== undefined) {
    const { threshold, direction } = alertThreshold(spec)!;
    const value = missing === undefined ? exceedanceOf(compact.subarray(0, n), threshold, direction) : null;
    const fired = value !== null && value > p.above;
    const label = probabilityLabel(obs, p);
    return {
      name,
      observation: obs,
      rule,
      kind: "probability",
      ...(p.exceeds !== undefined ? { exceeds: p.exceeds } : { fallsBelow: p.falls_below! }),
      direction: "above",
      threshold: p.above,
      value,
      ...sample,
      fired,
      level: fired ? "failure" : "notice",
      message:
        value === null
          ? `${obs}: ${label} not evaluated: ${missing}`
          : `${obs}: ${label} is ${formatAlertNumber(value, p.above)}, ${fired ? "" : "not "}above ${p.above}${on}`,
    };
  }
  const statistic = spec.statistic!;
  const { direction, threshold } = statisticLimit(spec);
  const computed = missing === undefined ? statisticOf(statistic, compact, n) : { value: null, why: missing };
  const value = computed.value;
  const fired = value !== null && (direction === "above" ? value > threshold : value < threshold);
  return {
    name,
    observation: obs,
    rule,
    kind: "statistic",
    statistic,
    direction,
    threshold,
    value,
    ...sample,
    fired,
    level: fired ? "failure" : "notice",
    message:
      value === null
        ? `${obs}: ${statistic} not evaluated: ${computed.why}`
        : `${obs}: ${statistic} is ${formatAlertNumber(value, threshold)}, ${fired ? "" : "not "}${direction} ${threshold}${on}`,
  };
}

/** Evaluates every alert; fired ones first, otherwise in the spec's order. */
export function evaluateAlerts(
  specs: readonly AlertSpec[],
  valuesOf: (observation: string) => ArrayLike<number> | undefined,
  context: AlertContext,
): AlertResult[] {
  const results = specs.map((s) => evaluateAlert(s, valuesOf(s.observation), context));
  return [...results.filter((a) => a.fired), ...results.filter((a) => !a.fired)];
}

/** One line for a text report: "FIRED  h_w3: p90 is 102.84, above 102.5", with the alert's
 * own name first when it has one. */
export function formatAlertLine(a: AlertResult): string {
  const status = a.fired ? "FIRED" : a.value === null ? "n/a" : "ok";
  const text = a.name === a.rule ? a.message : `${a.name}: ${a.message}`;
  return `${status.padEnd(6)} ${text}`;
}

/** A value for people: five significant digits, more when fewer would print the value the
 * same as the limit it is compared with (102.50001 against 102.5). */
export function formatAlertNumber(value: number, limit?: number): string {
  for (let digits = 5; digits < 17; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (limit === undefined || value === limit || Number(text) !== limit) return text;
  }
  return String(value);
}

function statisticLimit(spec: AlertSpec): AlertThreshold {
  return spec.above !== undefined
    ? { threshold: spec.above, direction: "above" }
    : { threshold: spec.below!, direction: "below" };
}

function probabilityLabel(observation: string, p: NonNullable<AlertSpec["probability"]>): string {
  return p.exceeds !== undefined
    ? `P(${observation} > ${p.exceeds})`
    : `P(${observation} < ${p.falls_below})`;
}

/** mean, std, min, max or pNN of values[0..n), n >= 1 (reorders them), computed as the
 * summary's statistics are. */
function statisticOf(
  statistic: string,
  values: Float64Array,
  n: number,
): { value: number; why?: undefined } | { value: null; why: string } {
  const percentile = /^p(\d{1,2}(?:\.\d+)?)$/.exec(statistic);
  const stats = describeValues(values, n, percentile === null ? [] : [Number(percentile[1]) / 100]);
  const value =
    percentile !== null
      ? Object.values(stats.quantiles)[0]
      : statistic === "mean"
        ? stats.mean
        : statistic === "std"
          ? stats.std
          : statistic === "min"
            ? stats.min
            : statistic === "max"
              ? stats.max
              : undefined;
  if (value === undefined) return { value: null, why: `unknown statistic "${statistic}"` };
  if (value === null) return { value: null, why: `the standard deviation needs 2 values, found ${n}` };
  return { value };
}
