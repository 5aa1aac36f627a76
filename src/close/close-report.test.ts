// The close's report, as the pull request or issue shows it. The samples in
// docs/close-project-report.md are written by this test: read them when they change.
import { describe, expect, it } from "vitest";
import type { CloseOutcome } from "./close-project.ts";
import { commentMarker, formatClosePlan, renderCloseReport } from "./close-report.ts";
import type { ClosePlan } from "./plan.ts";

const DIGEST = `sha256:${"d".repeat(64)}`;
const REFERENCE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelfleet-agent@${DIGEST}`;
const image = {
  reference: REFERENCE,
  host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
  registryId: "123456789012",
  region: "eu-west-1",
  repository: "modelfleet-agent",
  digest: DIGEST,
  path: `images/modelfleet-agent@sha256-${"d".repeat(64)}.oci.tar`,
  namedBy: 3,
};
const stack = {
  stack: "modelfleet-acme-eu-west-1",
  region: "eu-west-1",
  dir: "cdktf.out/stacks/modelfleet-acme-eu-west-1",
};
const plan: ClosePlan = {
  project: "acme",
  archive: "s3://acme-archive/modelfleet/acme/",
  keep: {
    buckets: [
      {
        region: "eu-west-1",
        bucket: "modelfleet-acme-eu-west-1-123456789012",
        versioning: "Enabled",
        objects: 12_345,
        bytes: 4_200_000_000,
        deleteMarkers: 17,
        notKept: 40,
        uploads: 0,
      },
    ],
    objects: [],
    deleteMarkers: [],
    images: [image],
  },
  destroy: {
    buckets: [{ region: "eu-west-1", bucket: "modelfleet-acme-eu-west-1-123456789012", prefix: "results/" }],
    stacks: [stack],
    images: [image],
  },
  leave: [],
  totals: { objects: 12_345, bytes: 4_200_000_000, deleteMarkers: 17, images: 1, notKept: 40 },
  problems: [],
};
const backup = {
  objects: 12_345,
  bytes: 4_200_000_000,
  copiedNow: 12_000,
  adopted: 45,
  alreadyCopied: 300,
  images: 1,
  imageBytes: 612_000_000,
  manifest: "s3://acme-archive/modelfleet/acme/manifest.json",
  manifestSha256: "e".repeat(64),
};
const verification = { failures: [], checked: { objects: 12_345, images: 1, bytes: 4_812_000_000 } };

describe("the close's report", () => {
  it("says what was backed up, verified and destroyed, or exactly what failed", async () => {
    const closed: CloseOutcome = {
      status: "closed",
      project: "acme",
      archive: plan.archive,
      plan,
      backup,
      verification,
      destroyed: {
        buckets: [
          {
            bucket: "modelfleet-acme-eu-west-1-123456789012",
            region: "eu-west-1",
            deleted: 12_402,
            uploads: 0,
          },
        ],
        stacks: [stack],
        images: [{ reference: REFERENCE, outcome: "deleted" }],
      },
      closed: {
        schema: 1,
        project: "acme",
        closedAt: "2030-01-01T00:00:00.000Z",
        archive: plan.archive,
        manifest: backup.manifest,
        manifestSha256: backup.manifestSha256,
        counts: { objects: 12_345, bytes: 4_200_000_000, images: 1, buckets: 1, stacks: 1 },
        by: "modelfleet close acme --yes",
      },
      markerFile: "projects/acme/closed.json",
    };
    const failed: CloseOutcome = {
      status: "verification-failed",
      project: "acme",
      archive: plan.archive,
      plan,
      backup,
      verification: {
        checked: verification.checked,
        failures: [
          {
            what: "s3://modelfleet-acme-eu-west-1-123456789012/results/acme/base/realisations/7/result.json (version 3HL4kqtJ)",
            location:
              "s3://acme-archive/modelfleet/acme/objects/modelfleet-acme-eu-west-1-123456789012/3HL4kqtJ/results/acme/base/realisations/7/result.json",
            problem: "has SHA-256 n5Bn…=, the manifest says 47DE…=",
            path: "objects/…",
          },
          {
            what: `image ${REFERENCE}`,
            location: `s3://acme-archive/modelfleet/acme/${image.path}`,
            problem: "is missing from the archive",
            path: image.path,
            digest: DIGEST,
          },
        ],
      },
    };
    const dry: CloseOutcome = { status: "planned", project: "acme", archive: plan.archive, plan };
    const stopped = renderCloseReport({
      status: "failed",
      project: "acme",
      error:
        "could not reach the registry at https://123456789012.dkr.ecr.eu-west-1.amazonaws.com: ETIMEDOUT",
    });
    const samples = [
      "# Samples of the close-project report (written by src/close/close-report.test.ts)",
      "## The dry run",
      renderCloseReport(dry),
      "## Closed",
      renderCloseReport(closed),
      "## The backup did not verify",
      renderCloseReport(failed),
      "## A step failed",
      stopped,
    ].join("\n\n");
    for (const text of [renderCloseReport(closed), renderCloseReport(failed), stopped]) {
      expect(text.startsWith(`${commentMarker("acme")}\n## Closing project \`acme\``)).toBe(true);
    }
    expect(renderCloseReport(closed)).toContain(
      "- **Backed up**: 12,345 object version(s), 3.9 GB; 1 image(s), 584 MB",
    );
    expect(renderCloseReport(failed)).toContain(
      "| image 123456789012.dkr.ecr.eu-west-1.amazonaws.com/modelfleet-agent@sha256:",
    );
    await expect(`${samples}\n`).toMatchFileSnapshot("../../docs/close-project-report.md");
  });

  it("prints the plan for a terminal", () => {
    expect(
      formatClosePlan({ ...plan, leave: [{ reference: "r", why: "named by project b" }] }).split("\n"),
    ).toEqual([
      "archive: s3://acme-archive/modelfleet/acme/",
      "kept:",
      "  s3://modelfleet-acme-eu-west-1-123456789012 (eu-west-1, versioning enabled): 12,345 object version(s), 3.9 GB; 17 delete marker(s) listed; 40 run lock(s) and freeze marker not kept",
      `  image ${REFERENCE} (named by 3 run record(s))`,
      "destroyed, once the backup is verified:",
      "  s3://modelfleet-acme-eu-west-1-123456789012 (eu-west-1): emptied (every version and delete marker), then destroyed with its stack",
      "  stack modelfleet-acme-eu-west-1 (eu-west-1): terraform destroy",
      `  ECR image ${REFERENCE}`,
      "left in ECR: r (named by project b)",
    ]);
  });
});
