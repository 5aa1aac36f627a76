import { describe, expect, it } from "vitest";
import { archiveRoot } from "./archive-target.ts";
import { buildClosePlan, type CloseInventory, objectPath } from "./plan.ts";
import type { SourceVersion } from "./ports.ts";

const DIGEST = `sha256:${"a".repeat(64)}`;
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/modelfleet-agent@${DIGEST}`;

function version(key: string, extra: Partial<SourceVersion> = {}): SourceVersion {
  return {
    key,
    versionId: `v-${key.length}-${extra.deleteMarker ? "dm" : "obj"}`,
    latest: true,
    deleteMarker: false,
    size: 10,
    etag: "0123456789abcdef0123456789abcdef",
    lastModified: "2030-01-01T00:00:00.000Z",
    storageClass: "STANDARD",
    ...extra,
  };
}

function inventory(extra: Partial<CloseInventory> = {}): CloseInventory {
  return {
    project: "demo",
    archive: archiveRoot(
      { kind: "s3", bucket: "acme-archive", prefix: "mf/", storageClass: "DEEP_ARCHIVE" },
      "demo",
      "us-east-1",
    ),
    buckets: [
      {
        region: "us-east-1",
        bucket: "modelfleet-demo-us-east-1-1",
        prefix: "results/",
        versioning: "Enabled",
        uploads: 1,
        versions: [
          version("results/demo/base/realisations/1/result.json"),
          version("results/demo/base/realisations/2/result.json", { deleteMarker: true, size: 0 }),
          version("results/demo/base/run.lock"),
          version("results/demo/base/run.lock", { versionId: "older", latest: false }),
          version("results/demo/closing.json"),
        ],
      },
    ],
    stacks: [
      { stack: "modelfleet-demo-us-east-1", region: "us-east-1", dir: "s/home" },
      { stack: "modelfleet-demo-eu-west-1", region: "eu-west-1", dir: "s/eu" },
    ],
    images: [{ reference: IMAGE, namedBy: ["a", "b"] }],
    elsewhere: { byDigest: new Map(), unreadable: [] },
    ...extra,
  };
}

describe("the close plan", () => {
  it("keeps every version, lists delete markers, leaves run locks and the freeze marker out, destroys home last", () => {
    const plan = buildClosePlan(inventory());
    expect(plan.problems).toEqual([]);
    expect(plan.archive).toBe("s3://acme-archive/mf/demo/");
    expect(plan.keep.objects.map((o) => [o.key, o.path])).toEqual([
      [
        "results/demo/base/realisations/1/result.json",
        "objects/modelfleet-demo-us-east-1-1/v-44-obj/results/demo/base/realisations/1/result.json",
      ],
    ]);
    expect(plan.keep.deleteMarkers.map((m) => m.key)).toEqual([
      "results/demo/base/realisations/2/result.json",
    ]);
    expect(plan.keep.buckets).toEqual([
      {
        region: "us-east-1",
        bucket: "modelfleet-demo-us-east-1-1",
        versioning: "Enabled",
        objects: 1,
        bytes: 10,
        deleteMarkers: 1,
        notKept: 3,
        uploads: 1,
      },
    ]);
    expect(plan.keep.images).toEqual([
      expect.objectContaining({
        digest: DIGEST,
        path: `images/modelfleet-agent@sha256-${"a".repeat(64)}.oci.tar`,
        namedBy: 2,
      }),
    ]);
    expect(plan.destroy.stacks.map((s) => s.stack)).toEqual([
      "modelfleet-demo-eu-west-1",
      "modelfleet-demo-us-east-1",
    ]);
    expect(plan.destroy.images.map((i) => i.digest)).toEqual([DIGEST]);
    expect(plan.totals).toEqual({ objects: 1, bytes: 10, deleteMarkers: 1, images: 1, notKept: 3 });
  });

  it("leaves in ECR an image another project names, or any while a project's results cannot be read", () => {
    const named = buildClosePlan(
      inventory({ elsewhere: { byDigest: new Map([[DIGEST, ["b", "c"]]]), unreadable: [] } }),
    );
    expect(named.destroy.images).toEqual([]);
    expect(named.leave).toEqual([{ reference: IMAGE, why: "named by project b, project c" }]);
    const unknown = buildClosePlan(
      inventory({
        elsewhere: { byDigest: new Map(), unreadable: [{ project: "x", why: "no infrastructure outputs" }] },
      }),
    );
    expect(unknown.destroy.images).toEqual([]);
    expect(unknown.leave).toEqual([
      {
        reference: IMAGE,
        why: "the results of project x (no infrastructure outputs) could not be read, so it may be in use",
      },
    ]);
  });

  it("refuses what it cannot do: an archive that is the project's own bucket, an image it cannot export, a key too long", () => {
    const own = buildClosePlan(
      inventory({
        archive: archiveRoot(
          { kind: "s3", bucket: "modelfleet-demo-us-east-1-1", prefix: "", storageClass: "GLACIER" },
          "demo",
          "us-east-1",
        ),
      }),
    );
    expect(own.problems).toEqual([
      "the archive s3://modelfleet-demo-us-east-1-1/ is one of the project's own buckets, which the close destroys: name another bucket in cloud.archive",
    ]);
    const bare = buildClosePlan(
      inventory({ images: [{ reference: DIGEST, namedBy: ["s3://b/k (version 1)"] }] }),
    );
    expect(bare.problems).toEqual([
      `the image ${DIGEST}, named by s3://b/k (version 1), is a digest without its repository: the image cannot be found to archive it; export it by hand, then remove it from those run records`,
    ]);
    const long = inventory();
    const longKey = `results/demo/${"k".repeat(1000)}`;
    const plan = buildClosePlan({
      ...long,
      buckets: [{ ...long.buckets[0]!, versions: [version(longKey)] }],
    });
    expect(plan.problems).toHaveLength(1);
    expect(plan.problems[0]).toMatch(/longer than S3's 1,024 bytes: use a shorter archive prefix$/);
  });

  it("names files in a folder archive so every file system takes them, each key its own file", () => {
    expect(objectPath("folder", "b", "v1", "a/ b/../c//d%")).toBe("objects/b/v1/a/%20b/%2E%2E/c/%/d%25");
    expect(objectPath("s3", "b", "v1", "a/ b/../c//d%")).toBe("objects/b/v1/a/ b/../c//d%");
    const long = objectPath("folder", "b", "null", "x".repeat(300));
    expect(long.split("/").at(-1)).toMatch(/^x{180}~[0-9a-f]{16}$/);
    expect(objectPath("folder", "b", "null", "x".repeat(301))).not.toBe(long);
  });
});
