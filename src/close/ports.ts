// The I/O a close goes through, one interface per boundary, so the flow (close-project.ts) is
// tested with the fake cloud and recorded fakes: the project's buckets, the archive, the image
// registry, the infrastructure, and the runs to freeze. Production implementations: s3-source.ts,
// s3-archive.ts, folder-archive.ts, ecr-registry.ts, terraform-destroyer.ts, and the CLI's wiring.
import type { Readable } from "node:stream";
import type { Clock } from "../engine/clock.ts";
import type { ClosedMarker } from "./closed-marker.ts";
import type { EcrImage } from "./image-ref.ts";
import type { ManifestImage, ManifestObject, StoredChecksum } from "./manifest.ts";
import type { PlannedObject } from "./plan.ts";

export interface BucketRef {
  readonly region: string;
  readonly bucket: string;
}

/** One version of an object, or a delete marker, as the bucket lists it. */
export interface SourceVersion {
  readonly key: string;
  /** "null" for an object written while the bucket was not versioned. */
  readonly versionId: string;
  readonly latest: boolean;
  readonly deleteMarker: boolean;
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
  /** ISO 8601. */
  readonly lastModified: string;
  readonly storageClass: string;
}

export type Versioning = "Enabled" | "Suspended" | "Off";

/** The project's own buckets. */
export interface SourceBuckets {
  versioning(bucket: BucketRef): Promise<Versioning>;
  /** Every version and delete marker (under `prefix`, when given), in listing order. */
  listVersions(bucket: BucketRef, prefix?: string): Promise<SourceVersion[]>;
  /** Multipart uploads never completed (they block nothing, but are deleted with the bucket). */
  countUploads(bucket: BucketRef): Promise<number>;
  readText(bucket: BucketRef, key: string, versionId: string): Promise<string>;
  /** The current version's text, or undefined when the key has none. */
  readCurrent(bucket: BucketRef, key: string): Promise<string | undefined>;
  /** Streams one version (for a folder archive). */
  open(bucket: BucketRef, key: string, versionId: string): Promise<Readable>;
  putText(bucket: BucketRef, key: string, text: string): Promise<void>;
  /** Deletes these versions and delete markers for good; returns those that failed. */
  deleteVersions(
    bucket: BucketRef,
    versions: ReadonlyArray<{ readonly key: string; readonly versionId: string }>,
  ): Promise<Array<{ key: string; versionId: string; reason: string }>>;
  abortUploads(bucket: BucketRef): Promise<number>;
}

/** The outcome of checking one backed-up entry. */
export type EntryCheck = { readonly ok: true } | { readonly ok: false; readonly problem: string };

export interface ArchiveLock {
  /** Aborts when the lock was lost (taken over): the close stops before its next step. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** Where the backup goes: an S3 bucket or a folder, as one interface. */
export interface Archive {
  /** The project's folder in the archive, as people read it. */
  readonly location: string;
  /** Where one entry (a path relative to the project's folder) is, as people read it. */
  where(path: string): string;
  lock(command: string): Promise<ArchiveLock>;
  /** A small file of the backup's own (state, manifest), or undefined when there is none. */
  readText(path: string): Promise<string | undefined>;
  /** Writes it whole; returns its SHA-256 (hex). */
  writeText(path: string, text: string): Promise<{ sha256: string }>;
  /** Paths (with sizes) of the copies already there, under `objects/`. */
  listCopies(): Promise<Map<string, number>>;
  /** Copies one object version into the archive (server-side for S3). */
  copy(object: PlannedObject, source: SourceBuckets): Promise<StoredChecksum>;
  /** The checksum of a copy already there, when it is a whole copy of this very version. */
  adopt(object: PlannedObject): Promise<StoredChecksum | undefined>;
  /** Stores an image archive (an OCI layout tar) whose SHA-256 is known. */
  putImage(path: string, file: string, sha256: string): Promise<void>;
  checkObject(object: ManifestObject): Promise<EntryCheck>;
  checkImage(image: ManifestImage): Promise<EntryCheck>;
}

/** A registry session for one image's repository (the ECR HTTP API). */
export interface RegistrySession {
  /** The manifest's bytes and media type, by digest. */
  manifest(digest: string): Promise<{ readonly bytes: Buffer; readonly mediaType: string }>;
  blob(digest: string): Promise<Readable>;
}

export interface ImageRegistry {
  open(image: EcrImage): Promise<RegistrySession>;
  /** Deletes the image (by digest) from its repository; "absent" when it was not there. */
  delete(image: EcrImage): Promise<"deleted" | "absent">;
}

export interface StackRef {
  readonly stack: string;
  readonly region: string;
  /** The synthesised stack's folder (cdktf.out/stacks/<stack>). */
  readonly dir: string;
}

export interface InfrastructureDestroyer {
  destroy(stack: StackRef): Promise<void>;
}

export interface ScenarioRef {
  readonly scenario: string;
  readonly file: string;
}

/** Stops a scenario's run set: no worker starts another realisation, none is cut half-published. */
export interface Freezer {
  stop(scenario: ScenarioRef): Promise<{ readonly note: string }>;
}

/** Reads the images other projects' results name, for keeping the ones still in use. */
export interface OtherProjects {
  imagesInUse(): Promise<{
    readonly byDigest: ReadonlyMap<string, readonly string[]>;
    /** Projects whose results could not be read: no image is deleted while one is unknown. */
    readonly unreadable: ReadonlyArray<{ readonly project: string; readonly why: string }>;
  }>;
}

export interface ClosePorts {
  readonly source: SourceBuckets;
  readonly archive: Archive;
  readonly registry: ImageRegistry;
  readonly infrastructure: InfrastructureDestroyer;
  readonly freezer: Freezer;
  readonly otherProjects: OtherProjects;
  /** Writes the closed marker into the repository's project folder; returns its path. */
  readonly markClosed: (marker: ClosedMarker) => Promise<string>;
  readonly clock: Clock;
  /** Scratch space for image archives. */
  readonly tempDir: string;
}
