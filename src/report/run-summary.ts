// The summary printed at the end of `modelfleet run`: counts by status, the slowest runs,
// failures grouped by reason with examples, and where everything is.

import { groupFailures as groupFailureSummaries } from "../results/failures.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import { formatDuration } from "../spec/duration.ts";

export interface RunSummaryInput {
  readonly label: string;
  readonly results: readonly RealisationResult[];
  /** Realisations the spec names that have no result (interrupted, or not run yet). */
  readonly missing: number;
  /** Published in this run (the rest were done before). */
  readonly ranNow: number;
  /** Model CPU time of the results published in this run (not of the whole run set); null
   * when none was measured. */
  readonly ranNowCpuSeconds: number | null;
  readonly wallSeconds: number;
  readonly workers: number;
  readonly location: string;
  readonly keptWorkdirs: readonly string[];
}

export interface FailureGroup {
  readonly kind: string;
  readonly reason: string;
  readonly count: number;
  readonly examples: ReadonlyArray<{ id: string; message: string }>;
}

/** Failures grouped by kind and reason, largest group first (see results/failures.ts). */
export function groupFailures(results: readonly RealisationResult[], examples = 3): FailureGroup[] {
  return groupFailureSummaries(results, examples);
}

export function formatRunSummary(s: RunSummaryInput): string {
  const ok = s.results.filter((r) => r.status === "ok").length;
  const modelFailed = s.results.filter((r) => r.failure?.kind === "model").length;
  const infraFailed = s.results.filter((r) => r.failure?.kind === "infrastructure").length;
  const lines = [
    "",
    `${s.label}: ${s.results.length + s.missing} realisations`,
    `  ok                     ${pad(ok)}`,
    `  failed (model)         ${pad(modelFailed)}`,
    `  failed (infrastructure)${pad(infraFailed)}`,
  ];
  if (s.missing > 0) lines.push(`  not run yet            ${pad(s.missing)}   (run again to resume)`);
  lines.push(
    `  ran now                ${pad(s.ranNow)}   in ${formatDuration(s.wallSeconds)} on ${s.workers} worker(s), model CPU ${s.ranNowCpuSeconds === null ? "not measured" : formatDuration(s.ranNowCpuSeconds)}`,
  );
  const slowest = [...s.results]
    .filter((r) => r.status === "ok")
    .sort((a, b) => b.wallSeconds - a.wallSeconds)
    .slice(0, 3);
  if (slowest.length > 0) {
    lines.push(
      "",
      "slowest:",
      ...slowest.map((r) => `  ${r.id.padEnd(10)} ${formatDuration(r.wallSeconds)}`),
    );
  }
  const groups = groupFailures(s.results);
  if (groups.length > 0) {
    lines.push("", "failures:");
    for (const g of groups) {
      lines.push(`  ${g.count} × ${g.kind} / ${g.reason}`);
      for (const ex of g.examples) lines.push(`      ${ex.id}: ${ex.message.split("\n")[0]}`);
    }
    // What the next step is, for each kind.
    if (modelFailed > 0) {
      lines.push(
        "  model failures are final results: once their cause is fixed, `run --retry-failed` runs them again",
      );
    }
    if (infraFailed > 0) lines.push("  infrastructure failures run again on the next `run`");
  }
  if (s.keptWorkdirs.length > 0) {
    lines.push("", `work folders of failed runs kept for debugging (${s.keptWorkdirs.length}):`);
    lines.push(...s.keptWorkdirs.slice(0, 5).map((d) => `  ${d}`));
    if (s.keptWorkdirs.length > 5) lines.push(`  … and ${s.keptWorkdirs.length - 5} more`);
  }
  lines.push("", `results: ${s.location}`);
  return lines.join("\n");
}

function pad(n: number): string {
  return String(n).padStart(6);
}
