// The project/scenario file's schema: the one definition of what a spec may say. The
// JSON Schema for editors (projects/project.schema.json) is generated from it.
import { z } from "zod";
import { archiveSchema } from "./archive-schema.ts";
import { calibrationSchema, observationsSchema } from "./calibration-schema.ts";
import { durationLimitProblem, parseDuration } from "./duration.ts";

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, {
    message: "lower-case letters, digits and hyphens, starting with a letter or digit, at most 40 characters",
  })
  .describe("Used in result paths and cloud resource names.");

const duration = z
  .union([z.string(), z.number()])
  .superRefine((v, ctx) => {
    const seconds = parseDuration(v);
    if (seconds === undefined) {
      ctx.addIssue({
        code: "custom",
        message: 'a duration such as "90s", "10m", "1h30m" or a number of seconds',
      });
      return;
    }
    // Shown as written: "30d1s" is past the limit, however close it is.
    const tooLong = durationLimitProblem(seconds, v);
    if (tooLong) ctx.addIssue({ code: "custom", message: `a duration of ${tooLong}` });
  })
  .transform((v) => parseDuration(v) as number)
  .describe('A duration: "90s", "10m", "1h30m", "2d", or seconds as a number; at most 30d.');

/** Text handed to the operating system (paths, arguments, environment): a NUL byte would end
 * it early, so Node refuses it. */
const noNul = (what: string) =>
  z.string().refine((s) => !s.includes("\0"), { message: `${what} without NUL bytes (\\0)` });

const relativePath = noNul("a path").min(1, { message: "a path" });

/** A `keep` pattern matches paths inside the work folder; one that leaves it never matches. */
const keepPattern = z
  .string()
  .min(1)
  .superRefine((pattern, ctx) => {
    const problem = keepPatternProblem(pattern);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export function keepPatternProblem(pattern: string): string | undefined {
  if (pattern.includes("\0")) return "a pattern without NUL bytes";
  if (/^([\\/]|[A-Za-z]:)/.test(pattern))
    return `a pattern relative to the work folder, such as "*.lst"; "${pattern}" is absolute and can never match (kept files are files the model wrote in its work folder)`;
  if (pattern.split(/[\\/]/).includes(".."))
    return `a pattern inside the work folder, such as "output/*.lst"; "${pattern}" climbs out with ".." and can never match`;
  return undefined;
}

/** Environment variable names: no "=" (it ends the name), no NUL, not empty. */
const envName = /^[^=\0]+$/;

/** The most one `NAME=value` may hold: Windows' limit for a variable (Linux's is 128 KiB, past
 * which every start of the model fails with E2BIG). */
export const MAX_ENV_VARIABLE_BYTES = 32_767;
/** The most `model.env` may add in all (each `NAME=value` and its terminating NUL), leaving room
 * for the inherited environment and the command line under the system's limit (1 MB on macOS). */
export const MAX_ENV_BYTES = 128 * 1024;
const ENV_FIX =
  "pass large data through a file in the model folder (the model reads it from its work folder), and its name in the variable";

export const templatePair = z.strictObject({
  template: relativePath.describe("PEST template file (ptf), relative to model.dir."),
  writes: relativePath.describe("The model input file it writes, relative to the work directory."),
});

export const instructionPair = z.strictObject({
  file: relativePath.describe("PEST instruction file (pif), relative to model.dir."),
  reads: relativePath.describe("The model output file it reads, relative to the work directory."),
});

const successCheck = z
  .strictObject({
    exit_code: z.number().int().default(0).describe("Exit code a successful run ends with."),
    file: relativePath.optional().describe("A file the run must produce (relative to the work directory)."),
    contains: z.string().optional().describe("Text the file must contain."),
    not_contains: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("Text (or texts) the file must not contain, such as FAILED TO CONVERGE."),
  })
  .refine((s) => s.file !== undefined || (s.contains === undefined && s.not_contains === undefined), {
    message: "`contains`/`not_contains` need a `file` to look in",
  });

export const modelSchema = z
  .strictObject({
    dir: relativePath.describe(
      "The model folder, relative to this file. Copied fresh for every realisation.",
    ),
    command: z
      .union([z.array(noNul("an argument").min(1)).min(1), noNul("a command").min(1)])
      .describe("The command, as an argv list (no shell). A single string needs `shell: true`."),
    shell: z
      .boolean()
      .default(false)
      .describe("Run `command` through a shell (sh -c, or cmd /c on Windows)."),
    env: z
      .record(z.string(), z.string())
      .superRefine((env, ctx) => {
        let total = 0;
        let oversized = false;
        for (const [name, value] of Object.entries(env)) {
          if (!envName.test(name)) {
            ctx.addIssue({
              code: "custom",
              path: [name],
              params: { at: "key" },
              message: `an environment variable name without "=" or NUL bytes, got ${JSON.stringify(name)}`,
            });
          }
          if (value.includes("\0")) {
            ctx.addIssue({
              code: "custom",
              path: [name],
              message: "a value without NUL bytes (\\0): the operating system cannot pass one",
            });
          }
          const bytes = Buffer.byteLength(`${name}=${value}`);
          if (bytes > MAX_ENV_VARIABLE_BYTES) {
            oversized = true;
            ctx.addIssue({
              code: "custom",
              path: [name],
              params: { fix: ENV_FIX },
              message: `a variable (NAME=value) of at most ${groupDigits(MAX_ENV_VARIABLE_BYTES)} bytes, got ${groupDigits(bytes)} bytes`,
            });
          }
          total += bytes + 1;
        }
        // A variable too large on its own is the problem to fix first.
        if (!oversized && total > MAX_ENV_BYTES) {
          ctx.addIssue({
            code: "custom",
            params: { fix: ENV_FIX },
            message: `at most ${groupDigits(MAX_ENV_BYTES)} bytes of variables in all, got ${groupDigits(total)} bytes`,
          });
        }
      })
      .default({})
      .describe(
        "Extra environment variables for the model: each NAME=value at most 32,767 bytes, 128 KiB in all; pass large data through a file.",
      ),
    timeout: duration
      .default(3600)
      .describe("Wall-clock limit for one run, at most 30d; the process tree is killed after it."),
    templates: z.array(templatePair).default([]),
    instructions: z.array(instructionPair).default([]),
    success: successCheck.default({ exit_code: 0 }),
    keep: z.array(keepPattern).default([]).describe("Glob patterns of output files kept per realisation."),
  })
  .superRefine((m, ctx) => {
    if (typeof m.command === "string" && !m.shell) {
      ctx.addIssue({
        code: "custom",
        path: ["command"],
        message: `a list of arguments, such as [${m.command
          .split(/\s+/)
          .filter(Boolean)
          .map((a) => JSON.stringify(a))
          .join(", ")}]; a single string runs only with \`shell: true\``,
      });
    }
  });

const boundsPair = z
  .tuple([z.number(), z.number()])
  .refine(([lo, hi]) => lo < hi, { message: "[lower, upper] with lower < upper" });

const twoNumbers = z.tuple([z.number(), z.number()]);

export const priorSchema = z
  .strictObject({
    fixed: z.number().optional().describe("A constant value."),
    uniform: twoNumbers.optional().describe("[low, high]"),
    loguniform: twoNumbers.optional().describe("[low, high], both > 0; uniform in log10."),
    normal: twoNumbers.optional().describe("[mean, sd]"),
    lognormal: twoNumbers.optional().describe("[mean, sd] of log10(value)"),
    truncnormal: twoNumbers.optional().describe("[mean, sd]; needs `bounds`"),
    triangular: z.tuple([z.number(), z.number(), z.number()]).optional().describe("[low, mode, high]"),
    bounds: boundsPair
      .optional()
      .describe(
        "[lower, upper]: any distribution is truncated to them (values are drawn inside); they must overlap it, and a fixed value must lie inside them.",
      ),
  })
  .superRefine((p, ctx) => {
    const kinds = PRIOR_KINDS.filter((k) => p[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          kinds.length === 0
            ? `one distribution: ${PRIOR_KINDS.join(", ")} (for example \`{ loguniform: [0.1, 100] }\`)`
            : `one distribution, not ${kinds.join(" and ")}`,
      });
    }
    if (p.truncnormal !== undefined && p.bounds === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "`truncnormal` needs `bounds: [lower, upper]`",
        path: ["bounds"],
      });
    }
  });

export const PRIOR_KINDS = [
  "fixed",
  "uniform",
  "loguniform",
  "normal",
  "lognormal",
  "truncnormal",
  "triangular",
] as const;

const idList = z
  .union([z.string().min(1), z.array(z.union([z.number().int(), z.string().min(1)])).min(1)])
  .describe('An id list file (one id per line, # comments), ranges such as "1-1000, 1500", or a list.');

export const parametersSchema = z
  .strictObject({
    par_files: noNul("a path pattern")
      .includes("{id}", { message: "a path pattern containing `{id}`, such as params/param{id}.par" })
      .optional()
      .describe("PEST parameter files, one per realisation; `{id}` is replaced by each id."),
    ids: idList.optional(),
    csv: relativePath.optional().describe("An ensemble CSV (pyemu/PEST++ layout): one row per realisation."),
    rows: idList
      .optional()
      .describe("With `csv`: only these rows (by name, or ranges of 1-based row numbers)."),
    sample: z
      .strictObject({
        n: z.number().int().min(1).describe("How many realisations."),
        method: z.enum(["lhs", "mc"]).default("lhs").describe("Latin hypercube or plain Monte Carlo."),
        seed: z.number().int().min(0).describe("Seed: the same seed gives the same sample, byte for byte."),
        priors: z.record(z.string().min(1), priorSchema).refine((r) => Object.keys(r).length > 0, {
          message: "at least one parameter",
        }),
      })
      .optional(),
    fixed: z
      .record(z.string().min(1), z.number())
      .default({})
      .describe("Values set in every realisation, overriding the source."),
    tied: z
      .record(
        z.string().min(1),
        z.strictObject({
          to: z.string().min(1).describe("The parent parameter, itself not tied."),
          ratio: z.number().describe("The tied parameter's value is the parent's value × ratio."),
        }),
      )
      .default({})
      .describe(
        "PEST's tied parameters: in every realisation, value = the parent's value × ratio (then its own scale and offset), whatever the source; a value the source gives it is replaced.",
      ),
    scale: z
      .record(
        z.string().min(1),
        z.number().refine((v) => v !== 0, { message: "a scale other than 0 (PEST's SCALE)" }),
      )
      .default({})
      .describe(
        "PEST's SCALE per parameter: the model sees value × scale + offset, whatever the source; results keep the values as given. Par files carry their own.",
      ),
    offset: z
      .record(z.string().min(1), z.number())
      .default({})
      .describe("PEST's OFFSET per parameter: the model sees value × scale + offset."),
  })
  .superRefine((p, ctx) => {
    const sources = (["par_files", "csv", "sample"] as const).filter((k) => p[k] !== undefined);
    if (sources.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          sources.length === 0
            ? "one parameter source: `par_files` with `ids`, `csv`, or `sample`"
            : `one parameter source, not ${sources.map((s) => `\`${s}\``).join(" and ")}`,
      });
    }
    if (p.par_files !== undefined && p.ids === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "`par_files` needs `ids` (a file, ranges or a list)",
        path: ["ids"],
      });
    }
    if (p.ids !== undefined && p.par_files === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "`ids` goes with `par_files`; use `rows` with `csv`",
        path: ["ids"],
      });
    }
    if (p.rows !== undefined && p.csv === undefined) {
      ctx.addIssue({ code: "custom", message: "`rows` goes with `csv`", path: ["rows"] });
    }
  });

export const resourcesSchema = z.strictObject({
  cpu: z
    .union([
      z.literal(0.25),
      z.literal(0.5),
      z.literal(1),
      z.literal(2),
      z.literal(4),
      z.literal(8),
      z.literal(16),
    ])
    .default(1)
    .describe("vCPUs per worker (Fargate sizes: 0.25, 0.5, 1, 2, 4, 8, 16)."),
  memory_gb: z.number().min(0.5).max(120).default(2).describe("Memory per worker in GB."),
  disk_gb: z.number().int().min(20).max(200).default(21).describe("Ephemeral storage per worker in GB."),
  spot: z
    .boolean()
    .default(true)
    .describe("Use Fargate Spot (cheaper, may be interrupted; interrupted runs are retried)."),
});

export const retriesSchema = z.strictObject({
  infrastructure: z
    .number()
    .int()
    .min(0)
    .max(20)
    .default(3)
    .describe("Retries after a lost worker, an out-of-memory kill, a full disk."),
  model: z.number().int().min(0).max(20).default(0).describe("Retries after the model itself failed."),
});

export const slowRunsSchema = z.strictObject({
  duplicate_after: z
    .number()
    .min(1.1)
    .describe("Start a duplicate of a run that has taken longer than this many times the median run."),
  min_completed: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe("Completed runs needed before the median counts."),
});

const statistic = z.string().regex(/^(mean|std|min|max|p\d{1,2}(\.\d+)?)$/, {
  message: "mean, std, min, max or a percentile such as p90",
});

export const alertSchema = z
  .strictObject({
    name: z.string().optional().describe("How the alert is shown; defaults to a description of the rule."),
    observation: z.string().min(1).describe("An observation read by an instruction file."),
    statistic: statistic.optional(),
    above: z.number().optional(),
    below: z.number().optional(),
    probability: z
      .strictObject({
        exceeds: z.number().optional().describe("P(observation > exceeds)"),
        falls_below: z.number().optional().describe("P(observation < falls_below)"),
        above: z.number().min(0).max(1).describe("Fire when that probability is above this level."),
      })
      .refine((p) => (p.exceeds === undefined) !== (p.falls_below === undefined), {
        message: "one of `exceeds` or `falls_below`",
      })
      .optional(),
  })
  .superRefine((a, ctx) => {
    if (a.probability !== undefined) {
      if (a.statistic !== undefined || a.above !== undefined || a.below !== undefined)
        ctx.addIssue({
          code: "custom",
          message: "either `probability` or `statistic` with `above`/`below`, not both",
        });
    } else if (a.statistic === undefined || (a.above === undefined) === (a.below === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "`statistic` with one of `above`/`below` (e.g. `{ statistic: p90, above: 102.5 }`), or `probability: { exceeds, above }`",
      });
    }
  });

export const reportSchema = z.strictObject({
  quantiles: z
    .array(z.number().gt(0).lt(1))
    .min(1)
    .default([0.1, 0.5, 0.9])
    .describe("Quantiles reported for every observation."),
  key_observations: z.array(z.string()).default([]).describe("Observations shown first in the report."),
  groups: z
    .record(z.string().min(1), z.array(z.string().min(1)).min(1))
    .default({})
    .describe(
      "Observation groups by glob patterns, e.g. { heads: [h_w*] }. Observations in no group are grouped by their name without its trailing number (h_w3 -> h_w).",
    ),
  series: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        observations: z
          .string()
          .includes("{step}", { message: "a name pattern with `{step}`, such as h_well3_t{step}" })
          .describe("Name pattern; `{step}` stands for the step number (time step, distance, ...)."),
        step_label: z.string().optional().describe("What a step is, for chart axes (e.g. 'day', 'x (m)')."),
        step_scale: z
          .number()
          .refine((v) => v !== 0, { message: "a number other than 0" })
          .optional()
          .describe("Chart x of a step = step × step_scale + step_offset (e.g. metres along a transect)."),
        step_offset: z.number().optional().describe("See step_scale; default 0."),
      }),
    )
    .default([])
    .describe(
      "Series drawn as percentile bands per step. Names such as h_well3_t012 form series without being declared.",
    ),
  histograms: z
    .array(z.string())
    .default([])
    .describe("Observations to draw histograms of (default: the key observations)."),
  units: z
    .record(z.string().min(1), z.string().min(1))
    .default({})
    .describe("Units per observation group, for chart axes, e.g. { heads: m, flows: m³/d }."),
});

const awsRegion = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: "an AWS region such as us-east-1" });

const cloudFields = z.strictObject({
  region: awsRegion
    .optional()
    .describe("The AWS region (default us-east-1); `regions` names several instead."),
  regions: z
    .array(awsRegion)
    .min(1, { message: "at least one region" })
    .optional()
    .describe(
      "Run workers in several regions; the first is home (results bucket, queue, reports). `max_workers` is per region.",
    ),
  max_workers: z.number().int().min(1).max(5000).default(100),
  subnets: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, { message: "a subnet id (subnet-…)" })).default([]),
  security_groups: z
    .array(z.string().regex(/^sg-[0-9a-f]+$/, { message: "a security group id (sg-…)" }))
    .default([]),
  assign_public_ip: z.boolean().default(false),
  client: z.string().optional().describe("Client name, tagged on every resource for cost allocation."),
  tags: z.record(z.string(), z.string()).default({}),
  idle_timeout: duration.default(120).describe("Workers exit after the queue has been empty this long."),
  archive: archiveSchema.optional(),
  storage: z
    .strictObject({
      infrequent_access_after_days: z.number().int().min(1).default(30),
      storage_class: z.enum(["STANDARD_IA", "INTELLIGENT_TIERING", "GLACIER_IR"]).default("STANDARD_IA"),
      noncurrent_expire_after_days: z.number().int().min(1).default(90),
    })
    .default({
      infrequent_access_after_days: 30,
      storage_class: "STANDARD_IA",
      noncurrent_expire_after_days: 90,
    })
    .describe(
      "The results bucket: results move to `storage_class` after `infrequent_access_after_days`; replaced versions are deleted after `noncurrent_expire_after_days`.",
    ),
  alerts_to: z
    .array(
      z.string().regex(/^(?:[^@\s]+@[^@\s]+\.[^@\s]+|https:\/\/\S+|\+[1-9]\d{6,14})$/, {
        message: "an e-mail address, an https:// URL, or a phone number such as +15551234567",
      }),
    )
    .default([])
    .describe("Who the alerts topic notifies: e-mail addresses, https:// endpoints, phone numbers (SMS)."),
  log_retention_days: z.number().int().default(30).describe("Days the workers' logs are kept."),
  fargate_vcpu_quota: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Your account's Fargate vCPU quota in the region, when it differs from the assumed 4000."),
});

/** `region` is the home region whichever way it was given; `regions` is kept only when the file
 * gives it (so problems point at the key that was written): read the list with `cloudRegions`. */
export const cloudSchema = cloudFields
  .superRefine((cloud, ctx) => {
    const { region, regions } = cloud;
    if (regions === undefined) return;
    if (region !== undefined && region !== regions[0]) {
      ctx.addIssue({
        code: "custom",
        path: ["region"],
        message: `${region}, but cloud.regions starts with ${regions[0]}: the first of cloud.regions is the home region; give only cloud.regions`,
      });
    }
    regions.forEach((r, i) => {
      if (regions.indexOf(r) !== i) {
        ctx.addIssue({
          code: "custom",
          path: ["regions", i],
          message: `${r} is already listed; name each region once`,
        });
      }
    });
  })
  .transform(({ region, regions, ...rest }) => ({
    region: regions?.[0] ?? region ?? "us-east-1",
    ...(regions === undefined ? {} : { regions }),
    ...rest,
  }));

/** Every region a project's workers run in, home first. */
export function cloudRegions(cloud: Pick<z.output<typeof cloudSchema>, "region" | "regions">): string[] {
  return cloud.regions === undefined ? [cloud.region] : [...cloud.regions];
}

export const projectSpecSchema = z
  .strictObject({
    $schema: z.string().optional(),
    project: slug,
    scenario: slug,
    description: z.string().optional(),
    model: modelSchema,
    parameters: parametersSchema,
    resources: resourcesSchema.default({ cpu: 1, memory_gb: 2, disk_gb: 21, spot: true }),
    retries: retriesSchema.default({ infrastructure: 3, model: 0 }),
    slow_runs: slowRunsSchema.optional(),
    alerts: z.array(alertSchema).default([]),
    observations: observationsSchema.optional(),
    calibration: calibrationSchema.optional(),
    report: reportSchema.default({
      quantiles: [0.1, 0.5, 0.9],
      key_observations: [],
      groups: {},
      series: [],
      histograms: [],
      units: {},
    }),
    cloud: cloudSchema.default({
      region: "us-east-1",
      max_workers: 100,
      subnets: [],
      security_groups: [],
      assign_public_ip: false,
      tags: {},
      idle_timeout: 120,
      storage: {
        infrequent_access_after_days: 30,
        storage_class: "STANDARD_IA",
        noncurrent_expire_after_days: 90,
      },
      alerts_to: [],
      log_retention_days: 30,
    }),
    allow_external_paths: z
      .boolean()
      .default(false)
      .describe("Allow paths outside this file's folder (absolute or with ..). Off by default."),
  })
  .describe("A modelfleet project/scenario: the model, its parameter sets, and how to run them.");

/** A spec as validated, defaults filled in. */
export type ProjectSpec = z.output<typeof projectSpecSchema>;
export type PriorSpec = z.output<typeof priorSchema>;
export type AlertSpec = z.output<typeof alertSchema>;
export type ReportSpec = z.output<typeof reportSchema>;

function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}
