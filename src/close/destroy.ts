// Destroys a closed project's cloud resources, and takes nothing but a VerifiedManifest to do it:
// 1. every bucket still to empty is listed again, and any version the manifest does not hold
//    (bar run locks and the freeze marker) stops it all before anything is deleted;
// 2. each bucket is emptied (every version and delete marker, unfinished uploads aborted),
//    deleting only what the manifest holds, run locks and the freeze marker;
// 3. the project's stacks are destroyed, other regions first and home last;
// 4. the images no other project names are deleted from ECR.
// Each step done is recorded (`record`), so a killed destroy continues where it was.
import { closingKey } from "./closing-marker.ts";
import { versionId } from "./manifest.ts";
import type { ClosePlan, PlannedImage } from "./plan.ts";
import { isNotKept } from "./plan.ts";
import type { BucketRef, ClosePorts, SourceVersion, StackRef } from "./ports.ts";
import { VerifiedManifest } from "./verify.ts";

export interface DestroyProgress {
  readonly buckets: readonly string[];
  readonly stacks: readonly string[];
  readonly images: readonly string[];
}

export type DestroyEvent =
  | {
      readonly type: "bucket-emptied";
      readonly bucket: string;
      readonly deleted: number;
      readonly uploads: number;
    }
  | { readonly type: "stack-destroying"; readonly stack: StackRef }
  | { readonly type: "stack-destroyed"; readonly stack: StackRef }
  | { readonly type: "image-deleted"; readonly image: PlannedImage; readonly outcome: "deleted" | "absent" };

export interface DestroyReport {
  readonly buckets: ReadonlyArray<{
    readonly bucket: string;
    readonly region: string;
    readonly deleted: number;
    readonly uploads: number;
  }>;
  readonly stacks: readonly StackRef[];
  readonly images: ReadonlyArray<{ readonly reference: string; readonly outcome: "deleted" | "absent" }>;
}

/** Versions found in a bucket that the backup does not hold. */
export class UnsavedObjectsError extends Error {
  readonly objects: ReadonlyArray<{
    readonly bucket: string;
    readonly key: string;
    readonly versionId: string;
  }>;
  constructor(objects: UnsavedObjectsError["objects"]) {
    const shown = objects.slice(0, 10).map((o) => `s3://${o.bucket}/${o.key} (version ${o.versionId})`);
    super(
      `${objects.length} object version(s) are in the project's buckets but not in the backup, so nothing was destroyed: ${shown.join(", ")}${objects.length > shown.length ? ", …" : ""}`,
    );
    this.name = "UnsavedObjectsError";
    this.objects = objects;
  }
}

export async function destroyProject(options: {
  readonly verified: VerifiedManifest;
  readonly project: string;
  readonly plan: ClosePlan["destroy"];
  readonly done: DestroyProgress;
  readonly ports: Pick<ClosePorts, "source" | "infrastructure" | "registry">;
  /** Records a step as done (and keeps it with the backup) before the next starts. */
  readonly record: (step: {
    readonly bucket?: string;
    readonly stack?: string;
    readonly image?: string;
  }) => Promise<void>;
  /** Checked between steps: a close whose lock was taken over stops. */
  readonly stillOurs: () => void;
  readonly onEvent?: (event: DestroyEvent) => void;
}): Promise<DestroyReport> {
  if (!(options.verified instanceof VerifiedManifest)) {
    throw new Error("internal: destroying takes a manifest verified against the archive");
  }
  const { manifest } = options.verified;
  const { source, infrastructure, registry } = options.ports;
  const emit = options.onEvent ?? (() => {});
  const held = new Set([
    ...manifest.objects.map((o) => versionId(o.bucket, o.key, o.versionId)),
    ...manifest.deleteMarkers.map((m) => versionId(m.bucket, m.key, m.versionId)),
  ]);
  const pending = options.plan.buckets.filter((b) => !options.done.buckets.includes(b.bucket));

  const unsaved = (b: BucketRef & { prefix: string }, versions: readonly SourceVersion[]) => {
    const marker = closingKey(b.prefix, options.project);
    return versions.filter(
      (v) => !isNotKept(v.key, marker) && !held.has(versionId(b.bucket, v.key, v.versionId)),
    );
  };
  const listed = new Map<string, SourceVersion[]>();
  const notSaved: Array<{ bucket: string; key: string; versionId: string }> = [];
  for (const b of pending) {
    const versions = await source.listVersions(b);
    listed.set(b.bucket, versions);
    notSaved.push(
      ...unsaved(b, versions).map((v) => ({ bucket: b.bucket, key: v.key, versionId: v.versionId })),
    );
  }
  if (notSaved.length > 0) throw new UnsavedObjectsError(notSaved);

  const report: {
    buckets: Array<{ bucket: string; region: string; deleted: number; uploads: number }>;
    stacks: StackRef[];
    images: Array<{ reference: string; outcome: "deleted" | "absent" }>;
  } = { buckets: [], stacks: [], images: [] };

  for (const b of pending) {
    options.stillOurs();
    let versions = listed.get(b.bucket)!;
    let deleted = 0;
    // A version written meanwhile (a lock released late) is listed and deleted in a next round.
    for (let round = 0; versions.length > 0; round++) {
      const stray = unsaved(b, versions);
      if (stray.length > 0) {
        throw new UnsavedObjectsError(
          stray.map((v) => ({ bucket: b.bucket, key: v.key, versionId: v.versionId })),
        );
      }
      if (round >= 3)
        throw new Error(
          `s3://${b.bucket} keeps getting new versions while it is emptied; find what writes to it`,
        );
      const failed = await source.deleteVersions(b, versions);
      if (failed.length > 0) {
        throw new Error(
          `could not delete ${failed.length} version(s) from s3://${b.bucket}: ${failed
            .slice(0, 5)
            .map((f) => `${f.key} (${f.versionId}): ${f.reason}`)
            .join("; ")}`,
        );
      }
      deleted += versions.length;
      versions = await source.listVersions(b);
    }
    const uploads = await source.abortUploads(b);
    await options.record({ bucket: b.bucket });
    report.buckets.push({ bucket: b.bucket, region: b.region, deleted, uploads });
    emit({ type: "bucket-emptied", bucket: b.bucket, deleted, uploads });
  }

  for (const stack of options.plan.stacks) {
    if (options.done.stacks.includes(stack.stack)) continue;
    options.stillOurs();
    emit({ type: "stack-destroying", stack });
    await infrastructure.destroy(stack);
    await options.record({ stack: stack.stack });
    report.stacks.push(stack);
    emit({ type: "stack-destroyed", stack });
  }

  for (const image of options.plan.images) {
    if (options.done.images.includes(image.digest)) continue;
    options.stillOurs();
    const outcome = await registry.delete(image);
    await options.record({ image: image.digest });
    report.images.push({ reference: image.reference, outcome });
    emit({ type: "image-deleted", image, outcome });
  }
  return report;
}
