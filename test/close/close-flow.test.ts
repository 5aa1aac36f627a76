// Closing a project on the fake cloud: back up (to an archive bucket, to a folder), verify, and
// only then destroy; what stops it before destroy; resuming; the dry run; two closes at once.
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { type CloseOutcome, closeProject } from "../../src/close/close-project.ts";
import { destroyProject } from "../../src/close/destroy.ts";
import { type CloseManifest, MANIFEST_FILE } from "../../src/close/manifest.ts";
import type { ClosePorts } from "../../src/close/ports.ts";
import type { CloseProjectFiles } from "../../src/close/project-files.ts";
import { VerifiedManifest } from "../../src/close/verify.ts";
import { UserError } from "../../src/errors.ts";
import { ARCHIVE_BUCKET, BUCKET, type CloseFixture, PROJECT, STACK, startCloseFixture } from "./fixture.ts";

let f: CloseFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const BY = "modelfleet close demo --yes";

async function close(files: CloseProjectFiles, ports: ClosePorts, dryRun = false): Promise<CloseOutcome> {
  return closeProject({ files, ports, dryRun, by: BY });
}

async function manifestOf(ports: ClosePorts): Promise<CloseManifest> {
  return JSON.parse((await ports.archive.readText(MANIFEST_FILE))!) as CloseManifest;
}

/** The ports, with `then` run right after the manifest is written (before it is verified). */
function afterManifest(ports: ClosePorts, then: () => Promise<void>): ClosePorts {
  const archive = ports.archive;
  return {
    ...ports,
    archive: {
      ...archive,
      where: (path) => archive.where(path),
      async writeText(path, text) {
        const written = await archive.writeText(path, text);
        if (path === MANIFEST_FILE) await then();
        return written;
      },
    },
  };
}

function expectNothingDestroyed(fx: CloseFixture) {
  expect(fx.destroyed).toEqual([]);
  expect(fx.registry.deleted).toEqual([]);
  expect(fx.markers).toEqual([]);
}

describe("closing a project to an archive bucket", () => {
  it("copies every version server-side with SHA-256, exports the image, verifies, then destroys; a second run changes nothing", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const ports = f.ports(files);
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("closed");
    if (outcome.status !== "closed") return;

    // Every version of every kept key, no run lock, no freeze marker: copied once each.
    const manifest = await manifestOf(ports);
    const versionsKept = [...f.kept.values()].reduce((n, bodies) => n + bodies.length, 0);
    expect(manifest.totals.objects).toBe(versionsKept);
    expect(manifest.objects.some((o) => o.key.endsWith("run.lock") || o.key.endsWith("closing.json"))).toBe(
      false,
    );
    expect(manifest.deleteMarkers.map((m) => m.key)).toEqual([
      "results/demo/base/realisations/6/result.json",
    ]);
    for (const [key, bodies] of f.kept) {
      const entries = manifest.objects.filter((o) => o.key === key);
      expect(entries.map((e) => e.sha256 ?? "composite").sort()).toEqual(
        bodies
          .map((b) => (b.length > 16_000 ? "composite" : createHash("sha256").update(b).digest("hex")))
          .sort(),
      );
      for (const e of entries) {
        expect(e.location).toBe(
          `s3://${ARCHIVE_BUCKET}/modelfleet/demo/objects/${BUCKET}/${e.versionId}/${key}`,
        );
        const copy = await f.client.send(
          new GetObjectCommand({
            Bucket: ARCHIVE_BUCKET,
            Key: e.location.slice(`s3://${ARCHIVE_BUCKET}/`.length),
          }),
        );
        expect(bodies).toContain(await copy.Body!.transformToString());
        expect(copy.StorageClass).toBe("GLACIER_IR");
      }
    }
    // The large bundle went in parts (UploadPartCopy): its checksum is S3's composite one.
    const bundle = manifest.objects.find((o) => o.key.endsWith("abc.tar.gz"))!;
    expect(bundle.checksumSHA256).toMatch(/-4$/);
    expect(f.s3.count("UploadPartCopy")).toBe(4);
    const archiveCopies = f.s3.copies.filter((c) => c.bucket === ARCHIVE_BUCKET).map((c) => c.key);
    expect(archiveCopies).toHaveLength(versionsKept);
    expect(new Set(archiveCopies).size).toBe(versionsKept);

    // The image, by digest, as an OCI archive with every blob.
    expect(manifest.images).toHaveLength(1);
    expect(manifest.images[0]).toMatchObject({ digest: f.image.digest, repository: "modelfleet-agent" });
    expect(manifest.images[0]!.blobs.map((b) => b.digest).sort()).toEqual([...f.image.blobs].sort());

    // Then, only then: bucket emptied, stack destroyed, image deleted, project marked closed.
    expect(await f.versions(BUCKET)).toEqual([]);
    expect(f.destroyed.map((s) => s.stack)).toEqual([STACK]);
    expect(f.registry.deleted).toEqual([{ repository: "modelfleet-agent", digest: f.image.digest }]);
    expect(f.stopped).toEqual(["base"]);
    const marker = JSON.parse(await readFile(join(files.dir, "closed.json"), "utf8"));
    expect(marker).toMatchObject({
      schema: 1,
      project: PROJECT,
      archive: `s3://${ARCHIVE_BUCKET}/modelfleet/demo/`,
      manifest: `s3://${ARCHIVE_BUCKET}/modelfleet/demo/manifest.json`,
      counts: { objects: versionsKept, images: 1, buckets: 1, stacks: 1 },
      by: BY,
    });
    expect(outcome.backup).toMatchObject({
      objects: versionsKept,
      copiedNow: versionsKept,
      adopted: 0,
      images: 1,
    });

    // Run again: nothing copied, destroyed or written.
    f.s3.resetCounters();
    const again = await close(files, ports);
    expect(again.status).toBe("already-closed");
    expect(f.s3.count("CopyObject") + f.s3.count("PutObject") + f.s3.count("DeleteObjects")).toBe(0);
    expect(f.destroyed).toHaveLength(1);
  });

  it("the dry run lists exactly what the real run then does", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const ports = f.ports(files);
    f.s3.resetCounters();
    const dry = await close(files, ports, true);
    expect(dry.status).toBe("planned");
    if (dry.status !== "planned") return;
    // A dry run writes nothing anywhere.
    expect(f.s3.count("PutObject") + f.s3.count("CopyObject") + f.s3.count("DeleteObjects")).toBe(0);
    expect(f.stopped).toEqual([]);

    const real = await close(files, ports);
    expect(real.status).toBe("closed");
    if (real.status !== "closed") return;
    const manifest = await manifestOf(ports);
    const key = (o: { bucket: string; key: string; versionId: string }) =>
      `${o.bucket} ${o.key} ${o.versionId}`;
    expect(manifest.objects.map(key).sort()).toEqual(dry.plan.keep.objects.map(key).sort());
    expect(manifest.objects.map((o) => o.path).sort()).toEqual(
      dry.plan.keep.objects.map((o) => o.path).sort(),
    );
    expect(manifest.deleteMarkers.map(key)).toEqual(dry.plan.keep.deleteMarkers.map(key));
    expect(manifest.images.map((i) => i.digest)).toEqual(dry.plan.keep.images.map((i) => i.digest));
    expect(f.destroyed).toEqual(dry.plan.destroy.stacks);
    expect(real.destroyed.buckets.map((b) => b.bucket)).toEqual(
      dry.plan.destroy.buckets.map((b) => b.bucket),
    );
    expect(f.registry.deleted.map((d) => d.digest)).toEqual(dry.plan.destroy.images.map((i) => i.digest));
    expect(real.plan.keep.objects.map(key)).toEqual(dry.plan.keep.objects.map(key));
  });

  it("a corrupted backup object stops it before destroy, says which, and the next run copies only that one again", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const fx = f;
    let corrupted = "";
    const plain = f.ports(files);
    const ports = afterManifest(plain, async () => {
      const manifest = await manifestOf(plain);
      const victim = manifest.objects.find((o) => o.key.endsWith("realisations/3/result.json"))!;
      corrupted = victim.location;
      await fx.client.send(
        new PutObjectCommand({
          Bucket: ARCHIVE_BUCKET,
          Key: victim.location.slice(`s3://${ARCHIVE_BUCKET}/`.length),
          Body: '{"id":9}', // the same size: only the checksum tells
          ChecksumAlgorithm: "SHA256",
        }),
      );
    });
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("verification-failed");
    if (outcome.status !== "verification-failed") return;
    expect(outcome.verification.failures).toEqual([
      {
        what: expect.stringMatching(
          /^s3:\/\/modelfleet-demo-us-east-1-000000000000\/results\/demo\/base\/realisations\/3\/result.json \(version \w+\)$/,
        ),
        location: corrupted,
        path: expect.any(String),
        problem: expect.stringMatching(/^has SHA-256 \S+, the manifest says \S+$/),
      },
    ]);
    expectNothingDestroyed(f);
    expect((await f.versions(BUCKET)).length).toBeGreaterThan(10);

    const before = f.s3.copies.length;
    const again = await close(files, plain);
    expect(again.status).toBe("closed");
    expect(f.s3.copies.slice(before)).toEqual([
      { bucket: ARCHIVE_BUCKET, key: corrupted.slice(`s3://${ARCHIVE_BUCKET}/`.length) },
    ]);
  });

  it("a backup object missing stops it before destroy", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const fx = f;
    const plain = f.ports(files);
    let missing = "";
    const ports = afterManifest(plain, async () => {
      const victim = (await manifestOf(plain)).objects[0]!;
      missing = victim.location;
      const Key = victim.location.slice(`s3://${ARCHIVE_BUCKET}/`.length);
      for (const v of await fx.versions(ARCHIVE_BUCKET, Key)) {
        await fx.client.send(
          new DeleteObjectCommand({ Bucket: ARCHIVE_BUCKET, Key, VersionId: v.versionId }),
        );
      }
    });
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("verification-failed");
    if (outcome.status !== "verification-failed") return;
    expect(outcome.verification.failures.map((x) => [x.location, x.problem])).toEqual([
      [missing, "is missing from the archive"],
    ]);
    expectNothingDestroyed(f);
  });

  it("an image whose registry blob does not match its digest stops it before destroy", async () => {
    f = await startCloseFixture();
    f.registry.corruptBlob(f.image.blobs[2]!);
    const files = f.files("s3");
    await expect(close(files, f.ports(files))).rejects.toThrow(
      `image ${f.image.reference}: the registry's blob ${f.image.blobs[2]} has sha256:`,
    );
    expectNothingDestroyed(f);
    expect((await f.versions(BUCKET)).length).toBeGreaterThan(10);
  });

  it("objects written after the backup stop it before anything is deleted; the next run backs up just those", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const fx = f;
    const plain = f.ports(files);
    const outcome = await close(
      files,
      afterManifest(plain, () => fx.put("results/demo/base/late.txt", "late")),
    );
    expect(outcome.status).toBe("unsaved-objects");
    if (outcome.status !== "unsaved-objects") return;
    expect(outcome.unsaved.map((o) => o.key)).toEqual(["results/demo/base/late.txt"]);
    expectNothingDestroyed(f);

    const before = f.s3.copies.length;
    const again = await close(files, plain);
    expect(again.status).toBe("closed");
    expect(f.s3.copies.slice(before).map((c) => c.key)).toEqual([
      expect.stringMatching(/^modelfleet\/demo\/objects\/.*\/results\/demo\/base\/late.txt$/),
    ]);
  });

  it("in a cold storage class, verifies by the stored checksums without reading a copy back", async () => {
    f = await startCloseFixture();
    const files = f.files("s3", "DEEP_ARCHIVE");
    const ports = f.ports(files);
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("closed");
    const manifest = await manifestOf(ports);
    const head = await f.client.send(
      new HeadObjectCommand({
        Bucket: ARCHIVE_BUCKET,
        Key: manifest.images[0]!.location.slice(`s3://${ARCHIVE_BUCKET}/`.length),
      }),
    );
    expect(head.StorageClass).toBe("DEEP_ARCHIVE");
    // The fake refuses to read a DEEP_ARCHIVE copy (InvalidObjectState), as S3 does before a
    // restore: the image was verified by its stored checksum, and the close went through.
    if (outcome.status === "closed") expect(outcome.verification.checked.images).toBe(1);
  });

  it("an image archive changed in the archive stops it before destroy; the next run exports the image again", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const fx = f;
    const plain = f.ports(files);
    const ports = afterManifest(plain, async () => {
      const image = (await manifestOf(plain)).images[0]!;
      await fx.client.send(
        new PutObjectCommand({
          Bucket: ARCHIVE_BUCKET,
          Key: image.location.slice(`s3://${ARCHIVE_BUCKET}/`.length),
          Body: "not an image",
          ChecksumAlgorithm: "SHA256",
        }),
      );
    });
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("verification-failed");
    if (outcome.status !== "verification-failed") return;
    expect(outcome.verification.failures.map((x) => [x.what, x.problem])).toEqual([
      [`image ${f.image.reference}`, expect.stringMatching(/^has \d+ bytes, the manifest says \d+$/)],
    ]);
    expectNothingDestroyed(f);
    const manifestsBefore = f.registry.requests.manifests;
    const again = await close(files, plain);
    expect(again.status).toBe("closed");
    expect(f.registry.requests.manifests).toBe(manifestsBefore + 1);
  });

  it("two closes at once cannot both run", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const ports = f.ports(files);
    const held = await ports.archive.lock("modelfleet close demo (elsewhere)");
    try {
      const second = close(files, ports);
      await expect(second).rejects.toBeInstanceOf(UserError);
      await expect(second).rejects.toThrow(
        /another run holds s3:\/\/acme-archive\/modelfleet\/demo\/close.lock: `modelfleet close demo \(elsewhere\)`/,
      );
    } finally {
      await held.release();
    }
    expectNothingDestroyed(f);
  });

  it("leaves in ECR an image another project's results name, and says so", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const digest = f.image.digest;
    const ports = f.ports(files, {
      otherProjects: {
        imagesInUse: async () => ({ byDigest: new Map([[digest, ["other"]]]), unreadable: [] }),
      },
    });
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("closed");
    if (outcome.status !== "closed") return;
    expect(f.registry.deleted).toEqual([]);
    expect(outcome.plan.leave).toEqual([{ reference: f.image.reference, why: "named by project other" }]);
  });
});

describe("closing a project to a folder", () => {
  it("downloads every version with its SHA-256, re-hashes each to verify, then destroys", async () => {
    f = await startCloseFixture();
    const files = f.files("folder");
    const ports = f.ports(files);
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("closed");
    const manifest = await manifestOf(ports);
    for (const o of manifest.objects) {
      const body = await readFile(o.location);
      expect(createHash("sha256").update(body).digest("hex")).toBe(o.sha256);
      expect(f.kept.get(o.key)).toContain(body.toString());
    }
    // Keys that are no file names on their own still get one.
    expect(manifest.objects.find((o) => o.key.includes("odd key"))!.path).toMatch(
      /\/results\/demo\/base\/odd%20key\/with%20spaces%20%26%20%C3%BCn%C3%AFcode\/%2E%2E\/%\/file$/,
    );
    expect(f.destroyed.map((s) => s.stack)).toEqual([STACK]);
    expect(await f.versions(BUCKET)).toEqual([]);
  });

  it("a file changed in the folder stops it before destroy", async () => {
    f = await startCloseFixture();
    const files = f.files("folder");
    const plain = f.ports(files);
    let changed = "";
    const ports = afterManifest(plain, async () => {
      const victim = (await manifestOf(plain)).objects.find((o) =>
        o.key.endsWith("realisations/1/result.json"),
      )!;
      changed = victim.location;
      await writeFile(victim.location, '{"id":7}');
    });
    const outcome = await close(files, ports);
    expect(outcome.status).toBe("verification-failed");
    if (outcome.status !== "verification-failed") return;
    expect(outcome.verification.failures.map((x) => x.location)).toEqual([changed]);
    expect(outcome.verification.failures[0]!.problem).toMatch(
      /^has sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/,
    );
    expectNothingDestroyed(f);
  });
});

describe("destroying", () => {
  it("takes only a manifest verified against the archive", async () => {
    f = await startCloseFixture();
    const files = f.files("s3");
    const ports = f.ports(files);
    const forged = { manifest: { objects: [], deleteMarkers: [], images: [] }, sha256: "", verifiedAt: "" };
    await expect(
      destroyProject({
        verified: forged as unknown as VerifiedManifest,
        project: PROJECT,
        plan: {
          buckets: [{ region: "us-east-1", bucket: BUCKET, prefix: "results/" }],
          stacks: files.stacks,
          images: [],
        },
        done: { buckets: [], stacks: [], images: [] },
        ports,
        record: async () => {},
        stillOurs: () => {},
      }),
    ).rejects.toThrow("destroying takes a manifest verified against the archive");
    expect(() => new VerifiedManifest(Symbol("forged") as never, forged.manifest as never, "", "")).toThrow(
      "a VerifiedManifest comes only from verifyBackup",
    );
    expectNothingDestroyed(f);
    const head = await f.client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: "results/demo/base/realisations/1/result.json" }),
    );
    expect(head.ContentLength).toBeGreaterThan(0);
  });
});
