// Exporting a worker image to an OCI archive over the registry's HTTP API, against a fake ECR.
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEcrRegistry } from "../../src/close/ecr-registry.ts";
import { type EcrImage, parseImageReference } from "../../src/close/image-ref.ts";
import { exportImage, ImageDigestError } from "../../src/close/oci-export.ts";
import { checkImageArchive } from "../../src/close/oci-verify.ts";
import { createEcrClient } from "../../src/cloud/ecr-images.ts";
import { type FakeRegistry, startFakeRegistry } from "../fake-cloud/fake-registry.ts";

let registry: FakeRegistry;
let dir: string;
beforeEach(async () => {
  registry = await startFakeRegistry({ idleMs: 20_000 });
  dir = await mkdtemp(join(tmpdir(), "mf-oci-"));
});
afterEach(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

function ecr() {
  return createEcrRegistry({
    ecrClientFor: (region) =>
      createEcrClient({
        region,
        endpoint: registry.endpoint,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        maxAttempts: 1,
      }),
  });
}

function ref(reference: string): EcrImage {
  const parsed = parseImageReference(reference);
  if ("problem" in parsed) throw new Error(parsed.problem);
  return parsed;
}

async function entries(file: string): Promise<string[]> {
  const names: string[] = [];
  await tar.t({ file, onReadEntry: (e) => void names.push(e.path) });
  return names;
}

describe("exporting an image as an OCI archive", () => {
  it("writes the manifest, config and layers, each checked, into an OCI layout, without a Docker engine", async () => {
    const pushed = registry.addImage({
      repository: "modelfleet-agent",
      layers: ["base", "mf6", "modelfleet"],
    });
    const file = join(dir, "image.oci.tar");
    const image = ref(pushed.reference);
    const archived = await exportImage({ session: await ecr().open(image), image, file });

    expect(archived.blobs.map((b) => b.digest).sort()).toEqual([...pushed.blobs].sort());
    expect((await entries(file)).sort()).toEqual(
      ["oci-layout", "index.json", ...pushed.blobs.map((d) => `blobs/sha256/${d.slice(7)}`)].sort(),
    );
    const check = await checkImageArchive(createReadStream(file), {
      digest: pushed.digest,
      blobs: archived.blobs,
    });
    expect(check.problems).toEqual([]);
    expect(check.sha256).toBe(archived.sha256);
    // ECR's blob redirects lead to presigned URLs, which refuse the registry's credentials.
    expect(registry.requests.blobsWithAuthorization).toBe(0);
    expect(registry.requests.tokens).toBe(1);
  });

  it("exports every platform of a multi-platform image", async () => {
    const pushed = registry.addImage({ repository: "modelfleet-agent", layers: ["base"], platforms: 2 });
    const file = join(dir, "image.oci.tar");
    const image = ref(pushed.reference);
    const archived = await exportImage({ session: await ecr().open(image), image, file });
    expect(archived.blobs.map((b) => b.digest).sort()).toEqual([...pushed.blobs].sort());
    expect(pushed.blobs).toHaveLength(7); // index, 2 × (manifest, config, layer)
  });

  it("refuses an image whose registry serves a blob that does not match its digest", async () => {
    const pushed = registry.addImage({ repository: "modelfleet-agent", layers: ["base", "mf6"] });
    const bad = pushed.blobs[2]!;
    registry.corruptBlob(bad);
    const image = ref(pushed.reference);
    const exporting = exportImage({
      session: await ecr().open(image),
      image,
      file: join(dir, "image.oci.tar"),
    });
    await expect(exporting).rejects.toBeInstanceOf(ImageDigestError);
    await expect(exporting).rejects.toThrow(
      new RegExp(
        `image ${pushed.reference.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: the registry's blob ${bad} has sha256:[0-9a-f]{64}; it is not archived, and nothing is destroyed`,
      ),
    );
  });

  it("says when the image is no longer in ECR", async () => {
    const pushed = registry.addImage({ repository: "modelfleet-agent", layers: ["base"] });
    const image = ref(pushed.reference.replace(/@sha256:.*/, `@sha256:${"0".repeat(64)}`));
    await expect(
      exportImage({ session: await ecr().open(image), image, file: join(dir, "image.oci.tar") }),
    ).rejects.toThrow(/is not in ECR any more \(manifests\/sha256:0+: 404/);
  });

  it("finds what is wrong in an archive read back: a blob that does not hash to its name, one missing", async () => {
    const pushed = registry.addImage({ repository: "modelfleet-agent", layers: ["base", "mf6"] });
    const file = join(dir, "image.oci.tar");
    const image = ref(pushed.reference);
    const archived = await exportImage({ session: await ecr().open(image), image, file });
    const extra = { digest: `sha256:${"a".repeat(64)}`, size: 3, mediaType: "x" };
    const check = await checkImageArchive(createReadStream(file), {
      digest: `sha256:${"b".repeat(64)}`,
      blobs: [...archived.blobs, extra],
    });
    expect(check.problems).toEqual([
      `blob ${extra.digest} is missing`,
      `index.json does not name sha256:${"b".repeat(64)}`,
    ]);
  });
});

describe("image references", () => {
  it("takes ECR images by digest, and says why it cannot take others", () => {
    const digest = `sha256:${"c".repeat(64)}`;
    expect(
      parseImageReference(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/agent:v1@${digest}`),
    ).toEqual({
      reference: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/agent:v1@${digest}`,
      host: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      registryId: "123456789012",
      region: "eu-west-1",
      repository: "team/agent",
      digest,
    });
    expect(parseImageReference(digest)).toEqual({
      problem: "a digest without its repository: the image cannot be found to archive it",
    });
    expect(parseImageReference("ghcr.io/acme/agent:latest")).toEqual({
      problem: "not an image by digest (host/repository@sha256:…): it cannot be archived exactly",
    });
    expect(parseImageReference(`ghcr.io/acme/agent@${digest}`)).toEqual({
      problem: "not in Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com/…)",
    });
  });
});
