// Exports an image by digest from its registry to an OCI image layout in one tar, without a
// Docker engine: the manifest (and, for a multi-platform image, each platform's manifest)
// and every blob are fetched over the registry's HTTP API and written under
// blobs/sha256/<hex>, each checked against its digest and size as it arrives; then
// `oci-layout` and `index.json` (naming the image) are added. An image whose registry serves
// a manifest or blob that does not match its digest is refused: nothing of it is archived.
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import { UserError } from "../errors.ts";
import { fileDigest, hashingStream } from "./checksums.ts";
import type { EcrImage } from "./image-ref.ts";
import type { ImageArchive, ImageBlob } from "./manifest.ts";
import { sha256Hex } from "./manifest.ts";
import type { RegistrySession } from "./ports.ts";

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

interface Descriptor {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

export class ImageDigestError extends UserError {}

export async function exportImage(options: {
  readonly session: RegistrySession;
  readonly image: EcrImage;
  /** The tar to write. */
  readonly file: string;
}): Promise<ImageArchive> {
  const { session, image } = options;
  await mkdir(dirname(options.file), { recursive: true });
  const layout = await mkdtemp(`${options.file}.layout-`);
  const blobs = new Map<string, ImageBlob>();
  const mismatch = (what: string, digest: string, detail: string) =>
    new ImageDigestError(
      `image ${image.reference}: the registry's ${what} ${digest} ${detail}; it is not archived, and nothing is destroyed. Check the image in ECR (a repository that was changed by hand, or a registry fault), then run the close again.`,
    );
  const blobFile = (digest: string) => join(layout, "blobs", "sha256", digest.slice("sha256:".length));

  const fetchManifest = async (
    digest: string,
    expectedSize?: number,
  ): Promise<{ json: unknown; mediaType: string }> => {
    const { bytes, mediaType } = await session.manifest(digest);
    const actual = `sha256:${sha256Hex(bytes)}`;
    if (actual !== digest) throw mismatch("manifest", digest, `has ${actual}`);
    if (expectedSize !== undefined && bytes.length !== expectedSize) {
      throw mismatch("manifest", digest, `has ${bytes.length} bytes, not ${expectedSize}`);
    }
    await mkdir(dirname(blobFile(digest)), { recursive: true });
    await writeFile(blobFile(digest), bytes);
    let json: { mediaType?: string };
    try {
      json = JSON.parse(bytes.toString("utf8")) as { mediaType?: string };
    } catch {
      throw mismatch("manifest", digest, "is not JSON");
    }
    const type = json.mediaType ?? mediaType;
    blobs.set(digest, { digest, size: bytes.length, mediaType: type });
    return { json, mediaType: type };
  };

  const fetchBlob = async (d: Descriptor) => {
    if (blobs.has(d.digest)) return;
    if (!/^sha256:[0-9a-f]{64}$/.test(d.digest)) throw mismatch("blob", d.digest, "is not a sha256 digest");
    await mkdir(dirname(blobFile(d.digest)), { recursive: true });
    const hashing = hashingStream();
    await pipeline(await session.blob(d.digest), hashing.stream, createWriteStream(blobFile(d.digest)));
    const { sha256, size } = hashing.digest();
    if (`sha256:${sha256}` !== d.digest) throw mismatch("blob", d.digest, `has sha256:${sha256}`);
    if (size !== d.size) throw mismatch("blob", d.digest, `has ${size} bytes, not ${d.size}`);
    blobs.set(d.digest, { digest: d.digest, size, mediaType: d.mediaType });
  };

  const fetchImageManifest = async (json: unknown) => {
    const m = json as { config?: Descriptor; layers?: Descriptor[] };
    if (!m.config || !Array.isArray(m.layers))
      throw mismatch("manifest", image.digest, "names no config and layers");
    for (const d of [m.config, ...m.layers]) await fetchBlob(d);
  };

  try {
    const top = await fetchManifest(image.digest);
    if (INDEX_TYPES.has(top.mediaType)) {
      for (const child of (top.json as { manifests?: Descriptor[] }).manifests ?? []) {
        await fetchImageManifest((await fetchManifest(child.digest, child.size)).json);
      }
    } else {
      await fetchImageManifest(top.json);
    }
    await writeFile(join(layout, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
    const topBlob = blobs.get(image.digest)!;
    await writeFile(
      join(layout, "index.json"),
      `${JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: topBlob.mediaType,
            digest: image.digest,
            size: topBlob.size,
            annotations: { "org.opencontainers.image.ref.name": image.reference },
          },
        ],
      })}\n`,
    );
    const entries = [
      "oci-layout",
      "index.json",
      ...[...blobs.keys()].sort().map((d) => `blobs/sha256/${d.slice(7)}`),
    ];
    await tar.c({ file: options.file, cwd: layout, portable: true, noMtime: true }, entries);
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
  const { sha256, size } = await fileDigest(options.file);
  return { size, sha256, blobs: [...blobs.values()].sort((a, b) => a.digest.localeCompare(b.digest)) };
}
