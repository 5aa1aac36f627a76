// Seeded draws a calibration needs: standard normal noise per observation and the subset of
// realisations that test the lambdas. Each comes from its own stream, keyed by the seed and a
// name (as the sampler keys each parameter), so the same seed repeats a calibration byte for
// byte, and adding an observation does not change another's noise.
import { normalQuantile, parameterStream } from "../params/sampling.ts";

/** `n` standard normal draws from the stream named `name`. */
export function standardNormals(seed: number, name: string, n: number): number[] {
  const stream = parameterStream(seed, name);
  return Array.from({ length: n }, () => normalQuantile(stream.nextOpen()));
}

/** `k` distinct indices of `0..n-1`, in increasing order, drawn from the stream named `name`. */
export function randomSubset(seed: number, name: string, n: number, k: number): number[] {
  const stream = parameterStream(seed, name);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < Math.min(k, n); i++) {
    const j = i + stream.nextBelow(n - i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, Math.min(k, n)).sort((a, b) => a - b);
}
