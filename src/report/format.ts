// Number and label formatting shared by the markdown comment and the HTML report, so both show
// the same figures for the same summary.
import type { ObservationStats, RunSetSummary, Sensitivity } from "../results/summary.ts";
import { quantileKey } from "../results/summary.ts";

/** Significant digits for statistics: heads of ~100 m keep centimetres (102.84), fluxes stay short. */
const DIGITS = 5;

/** A number for people: five significant digits, no trailing zeros, exponent only when very large
 * or small; "–" when there is no value. */
export function formatNumber(value: number | null | undefined, digits = DIGITS): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "-∞";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e7 || abs < 1e-4) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split("e");
    return `${trimZeros(mantissa!)}e${Number(exponent)}`;
  }
  const text = value.toPrecision(digits);
  // toPrecision switches to exponent form for large integers (123456 at 5 digits): round instead.
  if (text.includes("e")) return String(Math.round(value));
  return trimZeros(text);
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** An ISO timestamp as "2025-03-14 09:25 UTC"; other text unchanged. */
export function formatTimestamp(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Counts with thousands separators: "12,400". */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A probability or fraction as a percentage: "23%", "0.5%". */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "–";
  const pct = p * 100;
  return `${pct !== 0 && Math.abs(pct) < 1 ? pct.toFixed(1) : Math.round(pct)}%`;
}

/** Column header for a quantile: 0.1 → "P10", 0.025 → "P2.5". */
export function quantileLabel(q: number): string {
  return quantileKey(q).toUpperCase();
}

export function formatRho(rho: number): string {
  return (rho >= 0 ? "+" : "−") + Math.abs(rho).toFixed(2);
}

/** CPU hours with a precision that suits the size: "0.42", "12.3", "1,204". */
export function formatHours(hours: number | null): string {
  if (hours === null) return "not measured";
  if (!Number.isFinite(hours)) return "?";
  if (hours > 0 && hours < 0.01) return formatNumber(hours, 2);
  if (hours < 10) return hours.toFixed(2);
  if (hours < 100) return hours.toFixed(1);
  return formatCount(Math.round(hours));
}

/**
 * The observations a report leads with. Named ones win (in the order given, unknown names
 * ignored); otherwise those that alerts watch, so a reader sees what the alerts are about;
 * otherwise the first ten, so the headline table is never empty.
 */
export function keyObservations(summary: RunSetSummary, named?: readonly string[]): ObservationStats[] {
  const byName = new Map(summary.observations.map((o) => [o.name, o]));
  const pick = (names: readonly string[]) => [
    ...new Map(names.flatMap((n) => (byName.has(n) ? [[n, byName.get(n)!] as const] : []))).values(),
  ];
  if (named && named.length > 0) return pick(named);
  const watched = pick(summary.alerts.map((a) => a.observation));
  return watched.length > 0 ? watched : summary.observations.slice(0, 10);
}

/** Alerts that fired first, each group in the summary's order. */
export function orderedAlerts(summary: RunSetSummary): RunSetSummary["alerts"] {
  return [...summary.alerts.filter((a) => a.fired), ...summary.alerts.filter((a) => !a.fired)];
}

export function failedCount(summary: RunSetSummary): number {
  return summary.counts.failedModel + summary.counts.failedInfrastructure;
}

/**
 * The sensitivities worth showing, strongest first by |rho|, but spread out: neighbouring steps of one series
 * against the same parameter tell the same story, so a series is shown once and a parameter at
 * most twice, unless that leaves charts unused.
 */
export function strongestSensitivities(summary: RunSetSummary, max: number): Sensitivity[] {
  const seriesOf = new Map(
    summary.series.flatMap((b) => b.steps.map((s) => [s.observation, b.name] as const)),
  );
  const ranked = [...summary.sensitivities]
    .filter((s) => Number.isFinite(s.rho))
    .sort((a, b) => Math.abs(b.rho) - Math.abs(a.rho));
  const out: Sensitivity[] = [];
  const taken = new Set<Sensitivity>();
  const groups = new Set<string>();
  const perParameter = new Map<string, number>();
  for (const s of ranked) {
    if (out.length >= max) break;
    const group = seriesOf.get(s.observation) ?? `obs:${s.observation}`;
    const pairKey = `${group}\u0000${s.parameter}`;
    if (groups.has(pairKey) || (perParameter.get(s.parameter) ?? 0) >= 2) continue;
    groups.add(pairKey);
    perParameter.set(s.parameter, (perParameter.get(s.parameter) ?? 0) + 1);
    taken.add(s);
    out.push(s);
  }
  const seen = new Set(out.map((s) => `${s.parameter}\u0000${s.observation}`));
  for (const s of ranked) {
    if (out.length >= max) break;
    const key = `${s.parameter}\u0000${s.observation}`;
    if (taken.has(s) || seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out.sort((a, b) => Math.abs(b.rho) - Math.abs(a.rho));
}
