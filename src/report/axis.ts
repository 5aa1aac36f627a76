// Axis ticks and histogram bins for the report's charts, computed here rather than left to
// Vega-Lite: a binned axis there labels every bin edge (crowded, and uneven once overlapping
// labels are dropped), and an alert label can only be kept inside the plot by knowing where
// its line falls in the axis's domain.
import { textWidth } from "./svg.ts";

/** How every axis with computed ticks writes them: 97.5, 15,000, 0.0002, 1e-9 (d3's ",~g").
 * A label expression, not an axis `format`: Vega would pass a format through the scale's tick
 * format, which sets its precision from the tick step and writes 10,000 as "1e+4". */
export const TICK_LABELS = { labelExpr: "format(datum.value, ',~g')" } as const;

/** A tick as TICK_LABELS writes it (six significant digits, no trailing zeros), for measuring. */
export function tickLabel(value: number): string {
  const text = value.toPrecision(6);
  if (text.includes("e")) {
    const [mantissa, exponent] = text.split("e");
    return `${trimZeros(mantissa!)}e${Number(exponent)}`;
  }
  const [whole, fraction] = trimZeros(text).split(".");
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction ? `${grouped}.${fraction}` : grouped;
}

function trimZeros(text: string): string {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

/** Whether tick labels (11 px) side by side on an axis `widthPx` wide keep a gap between them. */
function labelsFit(ticks: readonly number[], widthPx: number): boolean {
  const widest = Math.max(...ticks.map((t) => textWidth(tickLabel(t), 11)));
  return ticks.length * (widest + 12) <= widthPx;
}

/** Ticks for a horizontal axis `widthPx` wide: as many as `maxTicks` while their labels keep a
 * gap between them, fewer otherwise. */
export function ticksThatFit(lo: number, hi: number, maxTicks: number, widthPx: number): number[] {
  for (let n = maxTicks; n > 2; n--) {
    const ticks = niceTicks(lo, hi, n);
    if (labelsFit(ticks, widthPx)) return ticks;
  }
  return niceTicks(lo, hi, 2);
}

/** niceDomain for a horizontal axis `widthPx` wide, with as many ticks as fit. */
export function niceDomainThatFits(
  lo: number,
  hi: number,
  maxTicks: number,
  widthPx: number,
): { domain: [number, number]; ticks: number[] } {
  for (let n = maxTicks; n > 2; n--) {
    const nice = niceDomain(lo, hi, n);
    if (labelsFit(nice.ticks, widthPx)) return nice;
  }
  return niceDomain(lo, hi, 2);
}

/** A "nice" step (1, 2 or 5 × 10^k) no smaller than `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 5, 10]) {
    const step = m * power;
    if (step >= rough * (1 - 1e-12)) return step;
  }
  return 10 * power;
}

/** Evenly spaced nice values inside [lo, hi], at most `maxTicks` of them (at least two when
 * the range allows). With `integers`, only whole numbers (steps along a series). */
export function niceTicks(lo: number, hi: number, maxTicks: number, integers = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const count = Math.max(2, maxTicks);
  let step = niceStep((hi - lo) / (count - 1));
  if (integers) step = Math.max(1, Math.ceil(step));
  for (;;) {
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    if (last - first + 1 <= count) {
      const ticks: number[] = [];
      // Multiples of the step, rounded so 0.1 × 3 prints as 0.3.
      for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
      return ticks;
    }
    step = niceStep(step * 1.01);
  }
}

export interface Bins {
  /** Left edge of the first bin. */
  readonly start: number;
  readonly step: number;
  /** Values per bin; the last bin includes its right edge. */
  readonly counts: number[];
}

/** Bins of a nice width over `values` (finite ones), at most `maxBins` of them. */
export function histogramBins(values: readonly number[], maxBins: number): Bins {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(min <= max)) return { start: 0, step: 1, counts: [] };
  if (min === max) {
    // One value: a bin of a nice width around it.
    const step = niceStep(Math.abs(min) > 0 ? Math.abs(min) / 10 : 1);
    return { start: Math.floor(min / step) * step, step, counts: [values.length] };
  }
  let step = niceStep((max - min) / maxBins);
  const binsFrom = (start: number) => Math.max(1, Math.ceil((max - start) / step - 1e-9));
  let start = Math.floor(min / step) * step;
  while (binsFrom(start) > maxBins) {
    step = niceStep(step * 1.01);
    start = Math.floor(min / step) * step;
  }
  const n = binsFrom(start);
  const counts = new Array<number>(n).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(n - 1, Math.floor((v - start) / step))]! += 1;
  }
  return { start: Number(start.toPrecision(12)), step, counts };
}

/** A domain widened to whole steps of a nice tick spacing around [lo, hi], and those ticks
 * (at most `maxTicks`): for axes that need not start at the data (heads, fluxes, counts). */
export function niceDomain(
  lo: number,
  hi: number,
  maxTicks: number,
  integers = false,
): { domain: [number, number]; ticks: number[] } {
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = integers ? 1 : niceStep(Math.abs(lo) > 0 ? Math.abs(lo) / 10 : 1);
    lo -= pad;
    hi += pad;
  }
  const count = Math.max(2, maxTicks);
  let step = niceStep((hi - lo) / (count - 1));
  if (integers) step = Math.max(1, Math.ceil(step));
  for (;;) {
    const first = Math.floor(lo / step + 1e-9);
    const last = Math.ceil(hi / step - 1e-9);
    if (last - first + 1 <= count) {
      const ticks: number[] = [];
      for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
      return { domain: [ticks[0]!, ticks[ticks.length - 1]!], ticks };
    }
    step = niceStep(step * 1.01);
    if (integers) step = Math.max(1, Math.ceil(step));
  }
}
