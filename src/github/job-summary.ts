// The job summary (GITHUB_STEP_SUMMARY), kept under GitHub's 1 MiB per step: past it, later
// sections are left out and a note says so.
import * as core from "@actions/core";

export const MAX_SUMMARY_BYTES = 1024 * 1024;

/** The sections joined, as many whole sections as fit in `limit` bytes. */
export function fitSummary(sections: readonly string[], limit = MAX_SUMMARY_BYTES): string {
  const note = (n: number) =>
    `\n\n> [!NOTE]\n> ${n} more section(s) left out: a job summary holds at most 1 MiB.\n`;
  let out = "";
  for (let i = 0; i < sections.length; i++) {
    const next = `${out}${out ? "\n\n" : ""}${sections[i]}`;
    if (Buffer.byteLength(next) + Buffer.byteLength(note(sections.length - i)) > limit) {
      return `${out}${note(sections.length - i)}`;
    }
    out = next;
  }
  return out;
}

/** Writes the summary when the runner gives a summary file (not in every local run). */
export async function writeJobSummary(sections: readonly string[]): Promise<void> {
  if (!process.env["GITHUB_STEP_SUMMARY"]) return;
  await core.summary.addRaw(fitSummary(sections)).write();
}
