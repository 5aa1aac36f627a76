// The parts of a project file that a calibration reads: the observations to match (`observations`)
// and how to calibrate (`calibration`). A spec without them runs as before; `modelfleet
// calibrate` needs `observations`.
import { z } from "zod";

const target = z
  .strictObject({
    value: z.number().describe("The measured value."),
    weight: z
      .number()
      .min(0)
      .optional()
      .describe("PEST's weight (1 / standard deviation unless `sd` is given too); 0 leaves it out of phi."),
    sd: z
      .number()
      .gt(0)
      .optional()
      .describe(
        "Standard deviation of its measurement noise; the weight is 1 / sd unless `weight` is given.",
      ),
    group: z
      .string()
      .min(1)
      .optional()
      .describe("Observation group; default: the name without its trailing number (h_w3 -> h_w)."),
  })
  .refine((t) => t.weight !== undefined || t.sd !== undefined, {
    message: "`weight` or `sd` (or both: the weight for phi, sd for the noise)",
  });

export const observationsSchema = z
  .strictObject({
    values: z
      .record(z.string().min(1), target)
      .optional()
      .describe("Inline: observation name -> { value, weight or sd, group }."),
    csv: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A CSV with columns name, value, and weight and/or standard_deviation (sd), and optionally group; relative to this file.",
      ),
    pst: z
      .string()
      .min(1)
      .optional()
      .describe("A PEST control file whose `* observation data` to match (values, weights, groups)."),
  })
  .superRefine((o, ctx) => {
    const given = (["values", "csv", "pst"] as const).filter((k) => o[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          given.length === 0
            ? "one source of observations: `values`, `csv` or `pst`"
            : `one source of observations, not ${given.map((g) => `\`${g}\``).join(" and ")}`,
      });
    }
  })
  .describe("The observations a calibration matches (modelfleet calibrate).");

const positive = z.number().gt(0);

export const calibrationSchema = z
  .strictObject({
    method: z
      .enum(["ies", "esmda"])
      .default("esmda")
      .describe(
        "esmda (default: the most accurate on a linear-Gaussian problem): Emerick & Reynolds (2013); ies: PEST++'s iterative ensemble smoother (GLM form, lambda testing on a subset).",
      ),
    iterations: z.number().int().min(1).max(100).default(4).describe("Iterations (PEST's NOPTMAX)."),
    seed: z
      .number()
      .int()
      .min(0)
      .default(358183147)
      .describe(
        "Seeds the noise and the lambda-testing subset: the same seed repeats a calibration byte for byte.",
      ),
    noise: z
      .boolean()
      .default(true)
      .describe(
        "Add measurement noise to the observations, one realisation each (PEST++'s ies_no_noise(false)).",
      ),
    lambda_mults: z.array(positive).min(1).default([0.1, 1, 10]).describe("ies: ies_lambda_mults."),
    scale_facs: z.array(positive).min(1).default([0.75, 1, 1.1]).describe("ies: lambda_scale_fac."),
    initial_lambda: positive
      .optional()
      .describe("ies: the first Marquardt lambda; default 10^floor(log10(mean phi / 2n))."),
    subset: z
      .number()
      .int()
      .refine((n) => n !== 0, { message: "a number of realisations, or a negative percentage" })
      .default(-10)
      .describe(
        "ies: realisations that test the lambdas; negative: a percentage of the ensemble (at least 4).",
      ),
    subset_how: z.enum(["random", "first", "last"]).default("random"),
    accept_phi_fac: z.number().gt(1).default(1.05),
    lambda_inc_fac: z.number().gt(1).default(10),
    lambda_dec_fac: z.number().gt(0).lt(1).default(0.75),
    use_approx: z
      .boolean()
      .default(true)
      .describe(
        "ies: Chen & Oliver's equation 19 (true, PEST++'s default) or 18 with the prior term (false).",
      ),
    alphas: z
      .array(z.number().gt(0))
      .min(1)
      .optional()
      .describe("esmda: inflation factors, one per iteration; their inverses are scaled to sum to one."),
    bad_phi: positive.optional().describe("Drop a realisation whose phi is above this (ies_bad_phi)."),
    bad_phi_sigma: z
      .number()
      .refine((v) => v !== 0, { message: "a number other than 0" })
      .optional()
      .describe(
        "Drop a realisation whose phi is above mean + this many standard deviations; negative: Q3 + |v| x IQR (ies_bad_phi_sigma).",
      ),
    max_singular: z.number().int().min(1).optional().describe("SVD truncation: at most this many (MAXSING)."),
    eigthresh: z
      .number()
      .gt(0)
      .lt(1)
      .default(1e-6)
      .describe("SVD truncation: singular value ratio (EIGTHRESH)."),
    parameters: z
      .record(
        z.string().min(1),
        z.strictObject({
          transform: z.enum(["log", "none", "fixed"]).optional().describe("PEST's PARTRANS."),
          bounds: z
            .tuple([z.number(), z.number()])
            .refine(([lo, hi]) => lo < hi, { message: "[lower, upper] with lower < upper" })
            .optional(),
          group: z.string().min(1).optional(),
        }),
      )
      .default({})
      .describe(
        "Per parameter: log or none (default: log for loguniform and lognormal priors), bounds (default: the prior's), group.",
      ),
  })
  .describe("How `modelfleet calibrate` calibrates.");

export type ObservationsSpec = z.output<typeof observationsSchema>;
export type CalibrationSpec = z.output<typeof calibrationSchema>;

/** The calibration settings when the project file gives none. */
export function defaultCalibration(): CalibrationSpec {
  return calibrationSchema.parse({});
}
