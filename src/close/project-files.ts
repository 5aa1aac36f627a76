// What a close needs to know of a project before it touches anything: its scenarios (the
// project files under projects/<project>/, each validated), its regions, its buckets (from the
// infrastructure outputs, .modelfleet/infra/<project>-<scenario>.json), its synthesised stacks
// (cdktf.out/stacks/modelfleet-<project>-<region>), its archive, and whether it is closed
// already (closed.json).
import { access, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { readInfrastructureOutputs } from "../cloud/aws-wiring.ts";
import type { InfrastructureOutputs } from "../cloud/cloud-config.ts";
import { UserError } from "../errors.ts";
import { formatDiagnostic } from "../spec/diagnostics.ts";
import { validateSpecFile } from "../spec/load.ts";
import { cloudRegions, type ProjectSpec } from "../spec/schema.ts";
import { type ArchiveRoot, type ArchiveTarget, archiveRoot, chooseArchive } from "./archive-target.ts";
import { type ClosedMarker, readClosedMarker } from "./closed-marker.ts";
import type { BucketRef, ScenarioRef, StackRef } from "./ports.ts";

/** The synthesised project stack's name (cdktf/src/names.ts projectStackName). */
export function projectStackName(project: string, region: string): string {
  return `modelfleet-${project}-${region}`;
}

export interface ProjectScenario extends ScenarioRef {
  readonly regions: readonly string[];
  readonly infraFile: string;
  readonly infra: InfrastructureOutputs;
}

export interface ProjectBucket extends BucketRef {
  /** Results live under `<prefix><project>/`. */
  readonly prefix: string;
}

export interface CloseProjectFiles {
  readonly project: string;
  readonly dir: string;
  readonly scenarios: readonly ProjectScenario[];
  /** Home (the first scenario's) first. */
  readonly regions: readonly string[];
  readonly buckets: readonly ProjectBucket[];
  /** Home region first. */
  readonly stacks: readonly StackRef[];
  readonly archive: ArchiveRoot;
}

export type ProjectLookup =
  | { readonly closed: ClosedMarker; readonly dir: string }
  | { readonly closed?: undefined; readonly files: CloseProjectFiles };

export async function readCloseProject(options: {
  readonly project: string;
  readonly projectsDir: string;
  readonly infraDir: string;
  readonly stacksDir: string;
  /** The repository's archive (`--archive`, MODELFLEET_ARCHIVE), used when the files name none. */
  readonly repositoryArchive?: { readonly target: ArchiveTarget; readonly source: string };
  /** Paths in messages are shown relative to this folder. */
  readonly cwd: string;
}): Promise<ProjectLookup> {
  const { project } = options;
  const show = (path: string) => relative(options.cwd, path) || ".";
  const dir = join(options.projectsDir, project);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    const known = await readdir(options.projectsDir, { withFileTypes: true }).catch(() => []);
    const projects = known.filter((d) => d.isDirectory()).map((d) => d.name);
    throw new UserError(
      `${show(dir)}: no such project${projects.length > 0 ? ` (projects here: ${projects.sort().join(", ")})` : ""}`,
      { exitCode: 2 },
    );
  }
  const closed = await readClosedMarker(dir);
  if (closed) return { closed, dir };

  const specFiles = names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => join(dir, n));
  if (specFiles.length === 0)
    throw new UserError(`${show(dir)}: no project files (*.yaml) in it`, { exitCode: 2 });
  const specs: Array<{ file: string; spec: ProjectSpec }> = [];
  const problems: string[] = [];
  for (const file of specFiles) {
    const v = await validateSpecFile(file);
    if (v.diagnostics.length > 0 || !v.resolved) {
      problems.push(...v.diagnostics.map((d) => formatDiagnostic({ ...d, file: show(d.file) })));
    } else if (v.resolved.spec.project !== project) {
      problems.push(
        `${show(file)}: says project ${v.resolved.spec.project}, but it is in the folder of project ${project}`,
      );
    } else {
      specs.push({ file, spec: v.resolved.spec });
    }
  }
  if (problems.length > 0) {
    throw new UserError(
      `the project files must be valid to close the project:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }

  const scenarios: ProjectScenario[] = [];
  const missing: string[] = [];
  for (const { file, spec } of specs) {
    const infraFile = join(options.infraDir, `${project}-${spec.scenario}.json`);
    try {
      await access(infraFile);
    } catch {
      missing.push(show(infraFile));
      continue;
    }
    scenarios.push({
      scenario: spec.scenario,
      file,
      regions: cloudRegions(spec.cloud),
      infraFile,
      infra: await readInfrastructureOutputs(infraFile),
    });
  }
  if (missing.length > 0) {
    throw new UserError(
      `no infrastructure outputs for ${missing.join(", ")}: the close finds the project's buckets and queues there. Write them from the applied stacks: \`terraform -chdir=cdktf.out/stacks/<stack> output -json | npm run infra:outputs\` for each of the project's stacks`,
    );
  }

  const regions = [...new Set(scenarios.flatMap((s) => s.regions))];
  const stacks: StackRef[] = [];
  const unsynthesised: string[] = [];
  for (const region of regions) {
    const stack = projectStackName(project, region);
    const stackDir = join(options.stacksDir, stack);
    try {
      await access(join(stackDir, "cdk.tf.json"));
      stacks.push({ stack, region, dir: stackDir });
    } catch {
      unsynthesised.push(show(stackDir));
    }
  }
  if (unsynthesised.length > 0) {
    throw new UserError(
      `the project's stacks are not synthesised (${unsynthesised.join(", ")}): run \`npm run synth\` first, so they can be destroyed`,
    );
  }

  const buckets = new Map<string, ProjectBucket>();
  for (const s of scenarios) {
    const known = buckets.get(s.infra.bucket);
    const prefix = s.infra.prefix ?? "";
    if (known && (known.prefix !== prefix || known.region !== s.infra.region)) {
      throw new UserError(
        `${show(s.infraFile)}: bucket ${s.infra.bucket} is in ${s.infra.region} with prefix "${prefix}", but another scenario's outputs say ${known.region} and "${known.prefix}"; write the outputs again from the stacks`,
      );
    }
    buckets.set(s.infra.bucket, { region: s.infra.region, bucket: s.infra.bucket, prefix });
  }
  const target = chooseArchive({
    files: specs.map((s) => ({ file: show(s.file), archive: s.spec.cloud.archive })),
    repository: options.repositoryArchive,
  });
  return {
    files: {
      project,
      dir,
      scenarios,
      regions,
      buckets: [...buckets.values()].sort((a, b) => a.bucket.localeCompare(b.bucket)),
      stacks,
      archive: archiveRoot(target, project, regions[0] ?? "us-east-1"),
    },
  };
}

/** The synthesised stacks' folders of a project, from its files' regions (home first). */
export async function projectStackDirs(options: {
  readonly project: string;
  readonly projectsDir: string;
  readonly stacksDir: string;
}): Promise<string[]> {
  const dir = join(options.projectsDir, options.project);
  const files = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const regions: string[] = [];
  for (const name of files) {
    const v = await validateSpecFile(join(dir, name));
    if (!v.resolved) throw new UserError(v.diagnostics.map(formatDiagnostic).join("\n"));
    for (const r of cloudRegions(v.resolved.spec.cloud)) if (!regions.includes(r)) regions.push(r);
  }
  return regions.map((r) => join(options.stacksDir, projectStackName(options.project, r)));
}
