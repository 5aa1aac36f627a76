// Gathers what a close plans from (plan.ts): every version in each of the project's buckets,
// the images its run records name (every version of every `current-run.json`), and the images
// other projects' results name. Reads only.
import { RUN_RECORD_FILE } from "../cloud/run-record.ts";
import { errorMessage } from "../errors.ts";
import type { ArchiveRoot } from "./archive-target.ts";
import type { CloseInventory } from "./plan.ts";
import type { ClosePorts, StackRef } from "./ports.ts";
import type { ProjectBucket } from "./project-files.ts";

export async function takeInventory(options: {
  readonly project: string;
  readonly buckets: readonly ProjectBucket[];
  readonly stacks: readonly StackRef[];
  readonly archive: ArchiveRoot;
  readonly ports: Pick<ClosePorts, "source" | "otherProjects">;
}): Promise<CloseInventory> {
  const { source } = options.ports;
  const buckets: CloseInventory["buckets"][number][] = [];
  const images = new Map<string, string[]>();
  for (const b of options.buckets) {
    const [versioning, versions, uploads] = await Promise.all([
      source.versioning(b),
      source.listVersions(b),
      source.countUploads(b),
    ]);
    buckets.push({ ...b, versioning, versions, uploads });
    const records = versions.filter(
      (v) =>
        !v.deleteMarker &&
        v.key.startsWith(`${b.prefix}${options.project}/`) &&
        v.key.endsWith(`/${RUN_RECORD_FILE}`),
    );
    for (const r of records) {
      const named = `s3://${b.bucket}/${r.key} (version ${r.versionId})`;
      let image: unknown;
      try {
        image = (JSON.parse(await source.readText(b, r.key, r.versionId)) as { image?: unknown }).image;
      } catch (e) {
        throw new Error(`could not read the run record ${named}: ${errorMessage(e)}`, { cause: e });
      }
      if (typeof image === "string" && image !== "") images.set(image, [...(images.get(image) ?? []), named]);
    }
  }
  return {
    project: options.project,
    archive: options.archive,
    buckets,
    stacks: options.stacks,
    images: [...images.entries()].map(([reference, namedBy]) => ({ reference, namedBy })),
    elsewhere: await options.ports.otherProjects.imagesInUse(),
  };
}
