// What a close keeps and what it destroys, from what the project has (inventory.ts gathers it):
// every object version of every bucket of the project (delete markers listed, locks and the
// freeze marker left out), the images its run records name, then the buckets to empty, the
// stacks to destroy (other regions first, home last) and the images no other project names.
// The dry run prints this plan; the real run does exactly it. Pure.
import { createHash } from "node:crypto";
import { CLOUD_LOCK_FILE } from "../store/s3-lock.ts";
import { type ArchiveRoot, describeArchiveRoot } from "./archive-target.ts";
import { closingKey } from "./closing-marker.ts";
import { type EcrImage, parseImageReference } from "./image-ref.ts";
import type { ManifestDeleteMarker } from "./manifest.ts";
import type { BucketRef, SourceVersion, StackRef, Versioning } from "./ports.ts";

export interface BucketInventory extends BucketRef {
  /** Results live under `<prefix><project>/`. */
  readonly prefix: string;
  readonly versioning: Versioning;
  readonly versions: readonly SourceVersion[];
  readonly uploads: number;
}

export interface CloseInventory {
  readonly project: string;
  readonly archive: ArchiveRoot;
  readonly buckets: readonly BucketInventory[];
  /** Home region first. */
  readonly stacks: readonly StackRef[];
  /** Image references the project's run records name, with the records naming each. */
  readonly images: ReadonlyArray<{ readonly reference: string; readonly namedBy: readonly string[] }>;
  /** Digests other projects' results name, and the projects whose results could not be read. */
  readonly elsewhere: {
    readonly byDigest: ReadonlyMap<string, readonly string[]>;
    readonly unreadable: ReadonlyArray<{ readonly project: string; readonly why: string }>;
  };
}

export interface PlannedObject extends BucketRef {
  readonly key: string;
  readonly versionId: string;
  readonly latest: boolean;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: string;
  readonly storageClass: string;
  /** Where it goes, relative to the project's folder in the archive (also its identity). */
  readonly path: string;
}

export interface PlannedImage extends EcrImage {
  /** The OCI archive's path in the project's folder. */
  readonly path: string;
  /** Run records naming it. */
  readonly namedBy: number;
}

export interface PlannedBucket extends BucketRef {
  readonly versioning: Versioning;
  /** Object versions kept, and their bytes. */
  readonly objects: number;
  readonly bytes: number;
  readonly deleteMarkers: number;
  /** Run locks and the freeze marker: not kept. */
  readonly notKept: number;
  readonly uploads: number;
}

export interface ClosePlan {
  readonly project: string;
  readonly archive: string;
  readonly keep: {
    readonly buckets: readonly PlannedBucket[];
    readonly objects: readonly PlannedObject[];
    readonly deleteMarkers: readonly ManifestDeleteMarker[];
    readonly images: readonly PlannedImage[];
  };
  readonly destroy: {
    /** Emptied (every version, delete marker and unfinished upload), then destroyed with its stack. */
    readonly buckets: ReadonlyArray<BucketRef & { readonly prefix: string }>;
    /** Other regions first, home last. */
    readonly stacks: readonly StackRef[];
    /** ECR images no other project's results name. */
    readonly images: readonly PlannedImage[];
  };
  /** Images left in ECR, and why. */
  readonly leave: ReadonlyArray<{ readonly reference: string; readonly why: string }>;
  readonly totals: {
    readonly objects: number;
    readonly bytes: number;
    readonly deleteMarkers: number;
    readonly images: number;
    readonly notKept: number;
  };
  /** What stops the close before it starts; empty when it can go ahead. */
  readonly problems: readonly string[];
}

export function buildClosePlan(inventory: CloseInventory): ClosePlan {
  const problems: string[] = [];
  const archive = inventory.archive;
  if (archive.kind === "s3" && inventory.buckets.some((b) => b.bucket === archive.bucket)) {
    problems.push(
      `the archive s3://${archive.bucket}/ is one of the project's own buckets, which the close destroys: name another bucket in cloud.archive`,
    );
  }
  const objects: PlannedObject[] = [];
  const deleteMarkers: ManifestDeleteMarker[] = [];
  const buckets: PlannedBucket[] = [];
  for (const b of inventory.buckets) {
    const marker = closingKey(b.prefix, inventory.project);
    let kept = 0;
    let bytes = 0;
    let markers = 0;
    let notKept = 0;
    for (const v of b.versions) {
      if (isNotKept(v.key, marker)) {
        notKept++;
      } else if (v.deleteMarker) {
        markers++;
        deleteMarkers.push({
          region: b.region,
          bucket: b.bucket,
          key: v.key,
          versionId: v.versionId,
          latest: v.latest,
          lastModified: v.lastModified,
        });
      } else {
        kept++;
        bytes += v.size;
        objects.push({
          region: b.region,
          bucket: b.bucket,
          key: v.key,
          versionId: v.versionId,
          latest: v.latest,
          size: v.size,
          etag: v.etag,
          lastModified: v.lastModified,
          storageClass: v.storageClass,
          path: objectPath(archive.kind, b.bucket, v.versionId, v.key),
        });
      }
    }
    buckets.push({
      region: b.region,
      bucket: b.bucket,
      versioning: b.versioning,
      objects: kept,
      bytes,
      deleteMarkers: markers,
      notKept,
      uploads: b.uploads,
    });
  }
  if (archive.kind === "s3") {
    for (const o of objects) {
      const key = `${archive.prefix}${o.path}`;
      if (Buffer.byteLength(key) > 1024) {
        problems.push(
          `s3://${o.bucket}/${o.key} (version ${o.versionId}) would be s3://${archive.bucket}/${key}, longer than S3's 1,024 bytes: use a shorter archive prefix`,
        );
      }
    }
  }

  const images: PlannedImage[] = [];
  const leave: Array<{ reference: string; why: string }> = [];
  for (const use of [...inventory.images].sort((a, b) => a.reference.localeCompare(b.reference))) {
    const parsed = parseImageReference(use.reference);
    if ("problem" in parsed) {
      problems.push(
        `the image ${use.reference}, named by ${use.namedBy.join(", ")}, is ${parsed.problem}; export it by hand, then remove it from those run records`,
      );
      continue;
    }
    if (images.some((i) => i.digest === parsed.digest && i.repository === parsed.repository)) continue;
    images.push({
      ...parsed,
      path: `images/${parsed.repository.replaceAll("/", "_")}@${parsed.digest.replace(":", "-")}.oci.tar`,
      namedBy: use.namedBy.length,
    });
  }
  const unreadable = inventory.elsewhere.unreadable;
  const deletable: PlannedImage[] = [];
  for (const image of images) {
    const others = inventory.elsewhere.byDigest.get(image.digest) ?? [];
    if (others.length > 0) {
      leave.push({
        reference: image.reference,
        why: `named by ${others.map((p) => `project ${p}`).join(", ")}`,
      });
    } else if (unreadable.length > 0) {
      leave.push({
        reference: image.reference,
        why: `the results of ${unreadable.map((u) => `project ${u.project} (${u.why})`).join(", ")} could not be read, so it may be in use`,
      });
    } else {
      deletable.push(image);
    }
  }

  const stacks = [...inventory.stacks].reverse();
  return {
    project: inventory.project,
    archive: describeArchiveRoot(archive),
    keep: { buckets, objects, deleteMarkers, images },
    destroy: {
      buckets: inventory.buckets.map((b) => ({ region: b.region, bucket: b.bucket, prefix: b.prefix })),
      stacks,
      images: deletable,
    },
    leave,
    totals: {
      objects: objects.length,
      bytes: objects.reduce((n, o) => n + o.size, 0),
      deleteMarkers: deleteMarkers.length,
      images: images.length,
      notKept: buckets.reduce((n, b) => n + b.notKept, 0),
    },
    problems,
  };
}

/** Run locks (any version) and the freeze marker are the close's and the runs' own: not kept. */
export function isNotKept(key: string, freezeMarker: string): boolean {
  return key === freezeMarker || key === CLOUD_LOCK_FILE || key.endsWith(`/${CLOUD_LOCK_FILE}`);
}

/**
 * Where an object version goes in the project's archive folder: `objects/<bucket>/<version
 * id>/<key>`. In S3 the key is kept as it is; in a folder each part of the key is made a
 * file name every file system takes (characters outside `A-Za-z0-9._-` percent-encoded, `.`
 * and `..` and empty parts encoded, long parts shortened with a hash), and the manifest keeps
 * the key.
 */
export function objectPath(
  kind: ArchiveRoot["kind"],
  bucket: string,
  versionId: string,
  key: string,
): string {
  const version = kind === "folder" ? safeSegment(versionId) : versionId;
  const rest = kind === "folder" ? key.split("/").map(safeSegment).join("/") : key;
  return `objects/${bucket}/${version}/${rest}`;
}

function safeSegment(segment: string): string {
  if (segment === "") return "%";
  if (segment === ".") return "%2E";
  if (segment === "..") return "%2E%2E";
  const encoded = [...Buffer.from(segment, "utf8")]
    .map((b) =>
      /[A-Za-z0-9._-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
    )
    .join("");
  if (encoded.length <= 200) return encoded;
  return `${encoded.slice(0, 180)}~${createHash("sha256").update(segment).digest("hex").slice(0, 16)}`;
}
