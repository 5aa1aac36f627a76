// The backup's manifest: every object version kept (bucket, key, version id, size, ETag, SHA-256,
// where it went), every delete marker, every image (digest, its blobs, where its archive went).
// Written last, in the archive beside the copies, so a manifest is only ever of a complete
// backup; verification reads it back from there. Pure.
import { createHash } from "node:crypto";
import type { PlannedImage, PlannedObject } from "./plan.ts";

export const MANIFEST_FILE = "manifest.json";

/** What the archive holds of a copy. */
export interface StoredChecksum {
  readonly size: number;
  /** SHA-256 of the whole object (hex), when known: a single-part copy, or a folder copy. */
  readonly sha256?: string;
  /** S3's stored SHA-256 (base64), as HeadObject shows it; "…-N" when composite (multipart). */
  readonly checksumSHA256?: string;
}

export interface ManifestObject extends StoredChecksum {
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  /** The current version of its key when the backup was made. */
  readonly latest: boolean;
  readonly etag: string;
  readonly lastModified: string;
  readonly storageClass: string;
  /** Relative to the project's folder in the archive. */
  readonly path: string;
  /** Where it is, as people read it. */
  readonly location: string;
}

export interface ManifestDeleteMarker {
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly latest: boolean;
  readonly lastModified: string;
}

export interface ImageBlob {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
}

export interface ManifestImage {
  readonly reference: string;
  readonly registryId: string;
  readonly region: string;
  readonly repository: string;
  readonly digest: string;
  /** The OCI image layout tar. */
  readonly path: string;
  readonly location: string;
  readonly size: number;
  readonly sha256: string;
  /** Every blob of the image (manifests, configs, layers), each checked against its digest. */
  readonly blobs: readonly ImageBlob[];
}

export interface CloseManifest {
  readonly schema: 1;
  readonly project: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly archive: string;
  readonly buckets: ReadonlyArray<{
    readonly region: string;
    readonly bucket: string;
    readonly versioning: string;
    readonly objects: number;
    readonly bytes: number;
    readonly deleteMarkers: number;
  }>;
  readonly totals: {
    readonly objects: number;
    readonly bytes: number;
    readonly deleteMarkers: number;
    readonly images: number;
    readonly imageBytes: number;
  };
  readonly objects: readonly ManifestObject[];
  readonly deleteMarkers: readonly ManifestDeleteMarker[];
  readonly images: readonly ManifestImage[];
}

export interface ImageArchive {
  readonly size: number;
  readonly sha256: string;
  readonly blobs: readonly ImageBlob[];
}

export function buildManifest(args: {
  readonly project: string;
  readonly createdAt: string;
  readonly archive: string;
  readonly where: (path: string) => string;
  readonly buckets: CloseManifest["buckets"];
  readonly objects: readonly PlannedObject[];
  readonly deleteMarkers: readonly ManifestDeleteMarker[];
  readonly images: readonly PlannedImage[];
  readonly copied: ReadonlyMap<string, StoredChecksum>;
  readonly archivedImages: ReadonlyMap<string, ImageArchive>;
}): CloseManifest {
  const objects = args.objects.map((o): ManifestObject => {
    const stored = args.copied.get(o.path);
    if (!stored) throw new Error(`internal: ${o.path} has no copy`);
    return {
      region: o.region,
      bucket: o.bucket,
      key: o.key,
      versionId: o.versionId,
      latest: o.latest,
      size: o.size,
      etag: o.etag,
      lastModified: o.lastModified,
      storageClass: o.storageClass,
      ...(stored.sha256 === undefined ? {} : { sha256: stored.sha256 }),
      ...(stored.checksumSHA256 === undefined ? {} : { checksumSHA256: stored.checksumSHA256 }),
      path: o.path,
      location: args.where(o.path),
    };
  });
  const images = args.images.map((i): ManifestImage => {
    const archived = args.archivedImages.get(i.digest);
    if (!archived) throw new Error(`internal: image ${i.digest} has no archive`);
    return {
      reference: i.reference,
      registryId: i.registryId,
      region: i.region,
      repository: i.repository,
      digest: i.digest,
      path: i.path,
      location: args.where(i.path),
      size: archived.size,
      sha256: archived.sha256,
      blobs: archived.blobs,
    };
  });
  return {
    schema: 1,
    project: args.project,
    createdAt: args.createdAt,
    archive: args.archive,
    buckets: args.buckets,
    totals: {
      objects: objects.length,
      bytes: objects.reduce((n, o) => n + o.size, 0),
      deleteMarkers: args.deleteMarkers.length,
      images: images.length,
      imageBytes: images.reduce((n, i) => n + i.size, 0),
    },
    objects,
    deleteMarkers: args.deleteMarkers,
    images,
  };
}

export function manifestText(manifest: CloseManifest): string {
  return `${JSON.stringify(manifest, null, 1)}\n`;
}

export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The manifest read back from the archive, or the reason it cannot be used. */
export function parseManifest(text: string): CloseManifest | { readonly problem: string } {
  let v: Partial<CloseManifest>;
  try {
    v = JSON.parse(text) as Partial<CloseManifest>;
  } catch (e) {
    return { problem: `not JSON (${(e as Error).message})` };
  }
  if (
    v.schema !== 1 ||
    !Array.isArray(v.objects) ||
    !Array.isArray(v.images) ||
    !Array.isArray(v.deleteMarkers)
  ) {
    return { problem: "not a close manifest (schema 1 with objects, deleteMarkers and images)" };
  }
  return v as CloseManifest;
}

/** An object version's identity in a bucket. */
export function versionId(bucket: string, key: string, version: string): string {
  return `${bucket}\u0000${key}\u0000${version}`;
}
