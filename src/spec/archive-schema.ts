// `cloud.archive`: where `modelfleet close` keeps a project's data before it destroys the
// project's cloud resources (src/close/archive-target.ts reads it).
import { z } from "zod";

/** S3's storage classes an archive's copies may take. */
export const STORAGE_CLASSES = [
  "STANDARD",
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER_IR",
  "GLACIER",
  "DEEP_ARCHIVE",
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

export const archiveSchema = z
  .strictObject({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: "an S3 bucket name" })
      .optional()
      .describe("An archive bucket (possibly in another account or region)."),
    prefix: z.string().optional().describe("Key prefix in the archive bucket; the project goes under it."),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: "an AWS region such as us-east-1" })
      .optional()
      .describe("The archive bucket's region (default: the project's region)."),
    storage_class: z
      .enum(STORAGE_CLASSES)
      .optional()
      .describe("The copies' storage class (default DEEP_ARCHIVE)."),
    folder: z
      .string()
      .regex(/^\//, { message: "an absolute path such as /srv/archive" })
      .optional()
      .describe("A folder on the machine that runs the close (a self-hosted runner), instead of a bucket."),
  })
  .superRefine((archive, ctx) => {
    if ((archive.bucket === undefined) === (archive.folder === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: archive.folder === undefined ? [] : ["folder"],
        message:
          archive.folder === undefined
            ? "either `bucket` (an S3 archive) or `folder` (a folder on the machine that runs the close)"
            : "`bucket` or `folder`, not both",
      });
    }
    for (const key of ["prefix", "region", "storage_class"] as const) {
      if (archive.folder !== undefined && archive[key] !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `\`${key}\` goes with \`bucket\`, not \`folder\``,
        });
      }
    }
  })
  .describe(
    "Where `modelfleet close` backs the project up before it destroys the project's cloud resources: an S3 bucket (server-side copies with SHA-256 checksums, in a cold storage class) or a folder on the machine that runs the close.",
  );
