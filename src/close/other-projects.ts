// The images other projects' results name, so a close deletes from ECR only what nobody else
// uses: for every other project folder under projects/ that is not closed, its infrastructure
// outputs (.modelfleet/infra/<project>-<scenario>.json) give its buckets, and every version of
// its run records there names an image. A project whose results cannot be read (no outputs,
// no access) is reported, and then no image is deleted.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readInfrastructureOutputs } from "../cloud/aws-wiring.ts";
import { RUN_RECORD_FILE } from "../cloud/run-record.ts";
import { errorMessage } from "../errors.ts";
import { readClosedMarker } from "./closed-marker.ts";
import { parseImageReference } from "./image-ref.ts";
import type { OtherProjects, SourceBuckets } from "./ports.ts";

export function createOtherProjects(options: {
  readonly project: string;
  readonly projectsDir: string;
  readonly infraDir: string;
  readonly source: SourceBuckets;
}): OtherProjects {
  return {
    async imagesInUse() {
      const byDigest = new Map<string, string[]>();
      const unreadable: Array<{ project: string; why: string }> = [];
      const folders = (await readdir(options.projectsDir, { withFileTypes: true }))
        .filter((d) => d.isDirectory() && d.name !== options.project)
        .map((d) => d.name)
        .sort();
      const outputs = await readdir(options.infraDir).catch(() => [] as string[]);
      for (const project of folders) {
        if (await readClosedMarker(join(options.projectsDir, project))) continue;
        // `<project>-<scenario>.json`; a project named like this one plus a hyphen (demo, demo-2)
        // lends it its files too, which only keeps more images.
        const files = outputs.filter((f) => f.startsWith(`${project}-`) && f.endsWith(".json"));
        if (files.length === 0) {
          unreadable.push({ project, why: `no infrastructure outputs in ${options.infraDir}` });
          continue;
        }
        try {
          for (const file of files) {
            const infra = await readInfrastructureOutputs(join(options.infraDir, file));
            const bucket = { region: infra.region, bucket: infra.bucket };
            const prefix = `${infra.prefix ?? ""}${project}/`;
            const records = (await options.source.listVersions(bucket, prefix)).filter(
              (v) => !v.deleteMarker && v.key.endsWith(`/${RUN_RECORD_FILE}`),
            );
            for (const r of records) {
              const image = (
                JSON.parse(await options.source.readText(bucket, r.key, r.versionId)) as { image?: unknown }
              ).image;
              if (typeof image !== "string" || image === "") continue;
              const parsed = parseImageReference(image);
              const digest = "problem" in parsed ? image.slice(image.lastIndexOf("@") + 1) : parsed.digest;
              const users = byDigest.get(digest) ?? [];
              if (!users.includes(project)) byDigest.set(digest, [...users, project]);
            }
          }
        } catch (e) {
          unreadable.push({ project, why: errorMessage(e) });
        }
      }
      return { byDigest, unreadable };
    },
  };
}
