// The objective function (phi) as PEST++ computes it: the sum of squared weighted residuals
// over the observations with a weight. "Measured" phi compares a realisation's simulated
// values with its own observations plus noise, "actual" phi with the observations themselves
// (L2PhiHandler::calc_meas, calc_actual). Realisations whose phi is far above the rest are
// "bad" (ies_bad_phi, ies_bad_phi_sigma: L2PhiHandler::get_idxs_greater_than).

export interface PhiStats {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** Σ (w (sim − target))². */
export function phiOf(
  simulated: readonly number[],
  targets: readonly number[],
  weights: readonly number[],
): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const r = weights[i]! * (simulated[i]! - targets[i]!);
    sum += r * r;
  }
  return sum;
}

/** Mean, sample standard deviation (N − 1), min and max, as PEST++ reports them. */
export function phiStats(values: readonly number[]): PhiStats {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return {
    mean,
    std: n > 1 && ss > 0 ? Math.sqrt(ss / (n - 1)) : 0,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

export interface BadPhiRule {
  /** Above this, a realisation is bad (ies_bad_phi). */
  readonly badPhi?: number;
  /** Positive: above mean + this × std; negative: above Q3 + |this| × IQR (ies_bad_phi_sigma). */
  readonly badPhiSigma?: number;
}

/** The phi above which a realisation is dropped, and in words why, or undefined (no rule). */
export function badPhiThreshold(
  phis: readonly number[],
  rule: BadPhiRule,
): { readonly threshold: number; readonly why: string } | undefined {
  let best: { threshold: number; why: string } | undefined;
  const consider = (threshold: number, why: string) => {
    if (!best || threshold < best.threshold) best = { threshold, why };
  };
  if (rule.badPhi !== undefined) consider(rule.badPhi, `above bad_phi ${rule.badPhi}`);
  if (rule.badPhiSigma !== undefined && phis.length > 1) {
    if (rule.badPhiSigma > 0) {
      const s = phiStats(phis);
      consider(
        s.mean + rule.badPhiSigma * s.std,
        `above the mean plus ${rule.badPhiSigma} standard deviations (${fmt(s.mean)} + ${rule.badPhiSigma} × ${fmt(s.std)})`,
      );
    } else {
      const k = -rule.badPhiSigma;
      const { q1, q3 } = quartiles(phis);
      consider(q3 + k * (q3 - q1), `above Q3 + ${k} × IQR (${fmt(q3)} + ${k} × ${fmt(q3 - q1)})`);
    }
  }
  return best;
}

/** Q1 and Q3 as PEST++ takes them: medians of the lower and upper halves. */
function quartiles(values: readonly number[]): { q1: number; q3: number } {
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  const lower = v.slice(0, Math.floor(n / 2));
  const upper = v.slice(n % 2 === 0 ? n / 2 : Math.floor(n / 2) + 1);
  return { q1: median(lower), q3: median(upper) };
}

function median(v: readonly number[]): number {
  const n = v.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** PEST++'s first Marquardt lambda: 10^floor(log10(mean phi / 2n)). */
export function initialLambda(meanPhi: number, nonZeroObservations: number): number {
  const x = meanPhi / (2 * Math.max(1, nonZeroObservations));
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  return 10 ** Math.floor(Math.log10(x));
}
