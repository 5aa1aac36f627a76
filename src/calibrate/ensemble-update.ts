// The ensemble smoothers' parameter update, in the form PEST++'s pestpp-ies computes it
// (EnsembleMethodUtils.cpp, UpgradeThread::ensemble_solution), written with ml-matrix.
//
// With ΔP the parameter anomalies and ΔD the weighted observation anomalies, both divided by
// √(N−1), R the weighted residuals (simulated − target) and ΔD = U S Vᵀ truncated:
//
//   upgrade = −ΔP V S (S² + d I)⁻¹ Uᵀ R
//
// The GLM form of Chen & Oliver (2013) takes d = λ + 1 (λ the Marquardt lambda). ES-MDA's
// Kalman update C_MD (C_DD + α C_D)⁻¹ (Emerick & Reynolds 2013) is the same expression with
// d = α when the weights are 1/σ (C_D = diag(σ²)): C_MD C_D^-½ = ΔP ΔDᵀ and
// ΔDᵀ (ΔD ΔDᵀ + α I)⁻¹ = V S (S² + α I)⁻¹ Uᵀ. Chen & Oliver's equation 18 (use_approx false)
// adds the prior term −ΔP V (S² + d I)⁻¹ Vᵀ ΔPᵀ A Aᵀ (P − P₀), with A = U₀ S₀⁻¹ from the
// prior anomalies.
import { Matrix, SingularValueDecomposition } from "ml-matrix";

export interface TruncatedSvd {
  readonly u: Matrix;
  readonly s: number[];
  readonly v: Matrix;
}

export interface Truncation {
  /** Keep singular values whose ratio to the largest is above this (PEST's EIGTHRESH). */
  readonly eigthresh: number;
  /** Keep at most this many (PEST's MAXSING). */
  readonly maxSingular?: number;
}

/** A thin SVD, truncated as PEST++ truncates it. */
export function truncatedSvd(a: Matrix, truncation: Truncation): TruncatedSvd {
  const svd = new SingularValueDecomposition(a, { autoTranspose: true });
  const all = svd.diagonal;
  let k = 0;
  const limit = Math.min(all.length, truncation.maxSingular ?? Number.POSITIVE_INFINITY);
  const first = all[0] ?? 0;
  while (k < limit && first > 0 && all[k]! / first > truncation.eigthresh) k++;
  const u = svd.leftSingularVectors;
  const v = svd.rightSingularVectors;
  return {
    u: u.subMatrix(0, u.rows - 1, 0, Math.max(k, 1) - 1).clone(),
    s: all.slice(0, k),
    v: v.subMatrix(0, v.rows - 1, 0, Math.max(k, 1) - 1).clone(),
  };
}

/** Columns minus their mean, divided by √(N−1): realisations are rows. */
export function anomalies(values: Matrix): Matrix {
  const n = values.rows;
  const out = values.clone();
  const means = values.mean("column");
  const scale = 1 / Math.sqrt(Math.max(1, n - 1));
  for (let i = 0; i < n; i++)
    for (let j = 0; j < values.columns; j++) out.set(i, j, (values.get(i, j) - means[j]!) * scale);
  return out;
}

export interface UpdateInput {
  /** Parameters in their numeric space (log10 for log-transformed ones): N × parameters. */
  readonly parameters: Matrix;
  /** Simulated values of the observations that count: N × observations. */
  readonly simulated: Matrix;
  /** What each realisation is to match (observations plus its noise): N × observations. */
  readonly targets: Matrix;
  /** One weight per observation (1/σ for ES-MDA). */
  readonly weights: readonly number[];
  /** λ + 1 (GLM) or α (ES-MDA). */
  readonly damping: number;
  readonly truncation: Truncation;
  /** Chen & Oliver's prior term: the prior ensemble's parameters (same rows) and A. */
  readonly prior?: { readonly parameters: Matrix; readonly a: Matrix };
}

/** The change to every realisation's parameters: N × parameters. */
export function ensembleUpgrade(input: UpdateInput): Matrix {
  const n = input.parameters.rows;
  const w = Matrix.diag(input.weights as number[]);
  const parDiff = anomalies(input.parameters).transpose(); // parameters × N
  const obsDiff = w.mmul(anomalies(input.simulated).transpose()); // observations × N
  const resid = w.mmul(Matrix.sub(input.simulated, input.targets).transpose()); // observations × N
  if (obsDiff.rows === 0 || parDiff.rows === 0) return Matrix.zeros(n, input.parameters.columns);
  const svd = truncatedSvd(obsDiff, input.truncation);
  if (svd.s.length === 0) return Matrix.zeros(n, input.parameters.columns);
  const k = svd.s.length;
  const u = svd.u.subMatrix(0, svd.u.rows - 1, 0, k - 1);
  const v = svd.v.subMatrix(0, svd.v.rows - 1, 0, k - 1);
  const inverse = svd.s.map((s) => 1 / (input.damping + s * s));
  // X3 = V S (S² + dI)⁻¹ Uᵀ R: N × N
  const x2 = Matrix.diag(svd.s.map((s, i) => s * inverse[i]!)).mmul(u.transpose().mmul(resid));
  let change = parDiff.mmul(v.mmul(x2)).mul(-1); // parameters × N
  if (input.prior) {
    const parResid = Matrix.sub(input.parameters, input.prior.parameters).transpose(); // parameters × N
    const x5 = input.prior.a.mmul(input.prior.a.transpose().mmul(parResid));
    const x6 = parDiff.transpose().mmul(x5); // N × N
    const x7 = v.mmul(Matrix.diag(inverse).mmul(v.transpose().mmul(x6)));
    change = Matrix.sub(change, parDiff.mmul(x7));
  }
  return change.transpose();
}

/** A = U₀ S₀⁻¹ of the prior ensemble's anomalies, for Chen & Oliver's prior term. */
export function priorTermMatrix(priorParameters: Matrix, truncation: Truncation): Matrix {
  const svd = truncatedSvd(anomalies(priorParameters).transpose(), truncation);
  const k = svd.s.length;
  const u = svd.u.subMatrix(0, svd.u.rows - 1, 0, Math.max(k, 1) - 1);
  return u.mmul(Matrix.diag(svd.s.map((s) => 1 / s)));
}
