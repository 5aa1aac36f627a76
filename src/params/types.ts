// What every parameter source yields: realisations, each an id and a full name -> value map.

/** One parameter set. Parameter names are lower-case (PEST names are case-insensitive). */
export interface Realisation {
  /** The realisation's id: the `{id}` of a par file, a CSV row name, or a sample number. */
  readonly id: string;
  readonly values: ReadonlyMap<string, number>;
}

/** A prior distribution to sample a parameter from. Bounds, where given, truncate the
 * distribution (values are drawn inside them, never clipped onto them); a fixed value must lie
 * inside its bounds. */
export type Prior =
  | { readonly kind: "fixed"; readonly value: number; readonly bounds?: readonly [number, number] }
  | {
      readonly kind: "uniform";
      readonly low: number;
      readonly high: number;
      readonly bounds?: readonly [number, number];
    }
  | {
      readonly kind: "loguniform";
      readonly low: number;
      readonly high: number;
      readonly bounds?: readonly [number, number];
    }
  | {
      readonly kind: "normal";
      readonly mean: number;
      readonly sd: number;
      readonly bounds?: readonly [number, number];
    }
  | {
      readonly kind: "lognormal";
      /** mean and standard deviation of log10(value), as PEST treats log-transformed parameters */
      readonly log10Mean: number;
      readonly log10Sd: number;
      readonly bounds?: readonly [number, number];
    }
  | {
      readonly kind: "truncnormal";
      readonly mean: number;
      readonly sd: number;
      readonly bounds: readonly [number, number];
    }
  | {
      readonly kind: "triangular";
      readonly low: number;
      readonly mode: number;
      readonly high: number;
      readonly bounds?: readonly [number, number];
    };

export interface SamplingOptions {
  readonly n: number;
  readonly method: "mc" | "lhs";
  readonly seed: number;
  /** Each parameter is drawn from its own stream (seed + name): adding or reordering others does not change it. */
  readonly priors: ReadonlyArray<{ readonly name: string; readonly prior: Prior }>;
  /** First id; realisation ids are `firstId`, `firstId + 1`, ... as strings. Default 1. */
  readonly firstId?: number;
}
