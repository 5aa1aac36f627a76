// A linear-Gaussian inverse problem with a closed-form posterior, for testing the smoothers and
// comparing them with pestpp-ies: d = G m + e, m ~ N(μ, C_M), e ~ N(0, C_D). The posterior is
// N(μ + C_M Gᵀ (G C_M Gᵀ + C_D)⁻¹ (d − G μ), (Gᵀ C_D⁻¹ G + C_M⁻¹)⁻¹).
import { CholeskyDecomposition, inverse, Matrix } from "ml-matrix";
import { standardNormals } from "./draws.ts";

export interface LinearProblem {
  readonly parameters: readonly string[];
  readonly observations: readonly string[];
  /** observations × parameters */
  readonly g: Matrix;
  readonly priorMean: readonly number[];
  readonly priorCov: Matrix;
  readonly obsSd: readonly number[];
  readonly observed: readonly number[];
}

/** A fixed, well-posed but not trivial problem: 3 parameters, 5 observations, correlated prior. */
export function exampleLinearProblem(): LinearProblem {
  const g = new Matrix([
    [1.0, 0.5, 0.0],
    [0.2, 1.0, 0.3],
    [0.0, 0.4, 1.0],
    [0.7, 0.0, 0.6],
    [0.3, 0.3, 0.3],
  ]);
  const priorCov = new Matrix([
    [1.0, 0.3, 0.0],
    [0.3, 0.5, 0.1],
    [0.0, 0.1, 0.8],
  ]);
  return {
    parameters: ["p1", "p2", "p3"],
    observations: ["d1", "d2", "d3", "d4", "d5"],
    g,
    priorMean: [1.0, 2.0, 0.5],
    priorCov,
    obsSd: [0.2, 0.3, 0.25, 0.2, 0.4],
    observed: [2.4, 2.1, 1.6, 1.9, 1.3],
  };
}

export function simulate(problem: LinearProblem, m: readonly number[]): number[] {
  return problem.g.mmul(Matrix.columnVector(m as number[])).getColumn(0);
}

export function analyticPosterior(problem: LinearProblem): { mean: number[]; cov: Matrix } {
  const cdInv = Matrix.diag(problem.obsSd.map((s) => 1 / (s * s)));
  const cov = inverse(problem.g.transpose().mmul(cdInv).mmul(problem.g).add(inverse(problem.priorCov)));
  const mu = Matrix.columnVector(problem.priorMean as number[]);
  const cd = Matrix.diag(problem.obsSd.map((s) => s * s));
  const gain = problem.priorCov
    .mmul(problem.g.transpose())
    .mmul(inverse(problem.g.mmul(problem.priorCov).mmul(problem.g.transpose()).add(cd)));
  const innovation = Matrix.sub(Matrix.columnVector(problem.observed as number[]), problem.g.mmul(mu));
  return { mean: mu.add(gain.mmul(innovation)).getColumn(0), cov };
}

/** n draws from the prior, seeded. */
export function priorDraws(problem: LinearProblem, n: number, seed: number): number[][] {
  const l = new CholeskyDecomposition(problem.priorCov).lowerTriangularMatrix;
  const z = problem.parameters.map((p) => standardNormals(seed, `prior:${p}`, n));
  return Array.from({ length: n }, (_, i) => {
    const zi = Matrix.columnVector(z.map((col) => col[i]!));
    return l
      .mmul(zi)
      .getColumn(0)
      .map((v, j) => v + problem.priorMean[j]!);
  });
}

/** Sample mean and covariance (N − 1) of rows. */
export function sampleMoments(rows: readonly (readonly number[])[]): { mean: number[]; cov: Matrix } {
  const m = new Matrix(rows as number[][]);
  const mean = m.mean("column");
  const centred = m.clone().subRowVector(mean);
  return {
    mean,
    cov: centred
      .transpose()
      .mmul(centred)
      .div(Math.max(1, rows.length - 1)),
  };
}

/** How far an ensemble is from the posterior: the largest mean error in posterior standard
 * deviations, and the covariance error relative to the posterior's (Frobenius norms). */
export function posteriorError(
  rows: readonly (readonly number[])[],
  posterior: { mean: readonly number[]; cov: Matrix },
): { meanError: number; covError: number; sdRatio: number[] } {
  const got = sampleMoments(rows);
  const sd = posterior.mean.map((_, j) => Math.sqrt(posterior.cov.get(j, j)));
  const meanError = Math.max(...got.mean.map((m, j) => Math.abs(m - posterior.mean[j]!) / sd[j]!));
  const covError = Matrix.sub(got.cov, posterior.cov).norm() / posterior.cov.norm();
  const sdRatio = sd.map((s, j) => Math.sqrt(got.cov.get(j, j)) / s);
  return { meanError, covError, sdRatio };
}
