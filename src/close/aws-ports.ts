// The close's ports on AWS (or on the fake cloud: endpoints come from the standard AWS
// environment): S3 for the project's buckets and an archive bucket (or a folder), ECR for the
// images, terraform for the stacks, the repository for the closed marker. The freezer comes
// from the caller (the CLI wires `modelfleet stop`).
import { relative } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { createEcrClient } from "../cloud/ecr-images.ts";
import { systemClock } from "../engine/clock.ts";
import { createS3Client } from "../store/s3-store.ts";
import { writeClosedMarker } from "./closed-marker.ts";
import { createEcrRegistry } from "./ecr-registry.ts";
import { createFolderArchive } from "./folder-archive.ts";
import { createOtherProjects } from "./other-projects.ts";
import type { ClosePorts, Freezer } from "./ports.ts";
import type { CloseProjectFiles } from "./project-files.ts";
import { createS3Archive } from "./s3-archive.ts";
import { createS3SourceBuckets } from "./s3-source.ts";
import { createTerraformDestroyer } from "./terraform-destroyer.ts";

/** The AWS (or fake-cloud: endpoints come from the environment) implementations of the ports. */
export function awsClosePorts(
  files: CloseProjectFiles,
  options: {
    tempDir: string;
    force: boolean;
    terraform: string | undefined;
    projectsDir: string;
    infraDir: string;
    freezer: Freezer;
    onTerraformOutput: (line: string) => void;
    /** The closed marker's path is returned relative to this folder. */
    cwd: string;
  },
): ClosePorts {
  const s3 = new Map<string, S3Client>();
  const clientFor = (region: string) => {
    if (!s3.has(region)) s3.set(region, createS3Client({ region }));
    return s3.get(region)!;
  };
  const source = createS3SourceBuckets(clientFor);
  const root = files.archive;
  return {
    source,
    archive:
      root.kind === "s3"
        ? createS3Archive({ root, clientFor, ...(options.force ? { force: true } : {}) })
        : createFolderArchive({ root }),
    registry: createEcrRegistry({ ecrClientFor: (region) => createEcrClient({ region }) }),
    infrastructure: createTerraformDestroyer({
      ...(options.terraform ? { terraform: options.terraform } : {}),
      onOutput: options.onTerraformOutput,
    }),
    freezer: options.freezer,
    otherProjects: createOtherProjects({
      project: files.project,
      projectsDir: options.projectsDir,
      infraDir: options.infraDir,
      source,
    }),
    markClosed: async (marker) => relative(options.cwd, await writeClosedMarker(files.dir, marker)),
    clock: systemClock,
    tempDir: options.tempDir,
  };
}
