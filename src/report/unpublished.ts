// The sentence a run ends with when some realisations ran but are not published: which,
// why, where their work is kept, and what to do. Such a run is a failed run (exit 1).
import type { EngineSummary } from "../engine/local-engine.ts";

const LIST_AT_MOST = 5;

export function formatUnpublished(
  engine: Pick<EngineSummary, "unpublished" | "storeFailure">,
  options: { location: string; relative: (path: string) => string },
): string | undefined {
  const list = engine.unpublished;
  if (list.length === 0 && engine.storeFailure === undefined) return undefined;
  const lines: string[] = [];
  if (engine.storeFailure !== undefined) {
    lines.push(
      `results could not be written to ${options.location}: ${engine.storeFailure}`,
      "no new realisations were started after that; free space there (or fix its permissions) and run again: what is not published runs again.",
    );
  }
  if (list.length > 0) {
    lines.push(`${list.length} realisation(s) ran but are not published:`);
    for (const u of list.slice(0, LIST_AT_MOST)) {
      lines.push(
        `  ${u.id}: ${u.reason}${u.workdir ? ` (work folder kept: ${options.relative(u.workdir)})` : ""}`,
      );
    }
    if (list.length > LIST_AT_MOST) lines.push(`  … and ${list.length - LIST_AT_MOST} more`);
  }
  return lines.join("\n");
}
