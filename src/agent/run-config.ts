// Builds the RunConfig a worker needs from a validated spec and its model bundle.
import { readFile, stat } from "node:fs/promises";
import { parseTemplate } from "../pest/template.ts";
import type { ModelBundle } from "../plan/bundle.ts";
import type { ResolvedSpec } from "../spec/load.ts";
import type { RunConfig } from "./realisation.ts";

/** Templates up to this size are parsed once and rendered in memory; larger ones stream. */
const IN_MEMORY_TEMPLATE_BYTES = 256 * 1024;

export async function runConfigFromSpec(resolved: ResolvedSpec, bundle: ModelBundle): Promise<RunConfig> {
  const m = resolved.spec.model;
  const templates = await Promise.all(
    resolved.templates.map(async (t) => {
      const { size } = await stat(t.source);
      if (size > IN_MEMORY_TEMPLATE_BYTES) return { source: t.source, writes: t.writes };
      return {
        source: t.source,
        writes: t.writes,
        parsed: parseTemplate(await readFile(t.source), t.parsed.file),
      };
    }),
  );
  return {
    project: resolved.spec.project,
    scenario: resolved.spec.scenario,
    modelDir: resolved.modelDir,
    bundle: { files: bundle.files, dirs: bundle.dirs },
    command: m.command,
    shell: m.shell,
    env: m.env,
    timeoutSeconds: m.timeout,
    templates,
    instructions: resolved.instructions.map((i) => ({ parsed: i.parsed, reads: i.reads })),
    success: m.success,
    keep: m.keep,
    transforms: resolved.realisations.transforms,
  };
}
