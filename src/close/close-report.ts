// What a close says: the plan as people read it in a terminal, and the report for the pull
// request or issue that asked for the close (markdown, with a hidden marker naming the project
// so one comment per close can be found and edited). Pure.
import { formatBytes } from "../agent/disk-space.ts";
import type { BackupSummary, CloseOutcome } from "./close-project.ts";
import type { ClosePlan } from "./plan.ts";

export function commentMarker(project: string): string {
  return `<!-- modelfleet:close-project:${project} -->`;
}

/** Rows of failures shown (each cell at most CELL_CHARS): a comment holds 65,536 characters. */
const FAILURES_SHOWN = 50;
const CELL_CHARS = 300;

const count = (n: number) => n.toLocaleString("en-US");

/** The plan, for a terminal. */
export function formatClosePlan(plan: ClosePlan): string {
  const lines = [`archive: ${plan.archive}`, "kept:"];
  for (const b of plan.keep.buckets) {
    lines.push(
      `  s3://${b.bucket} (${b.region}, versioning ${b.versioning.toLowerCase()}): ${count(b.objects)} object version(s), ${formatBytes(b.bytes)}; ${count(b.deleteMarkers)} delete marker(s) listed; ${count(b.notKept)} run lock(s) and freeze marker not kept`,
    );
  }
  if (plan.keep.buckets.length === 0 && plan.totals.objects > 0) {
    lines.push(
      `  ${count(plan.totals.objects)} object version(s), ${formatBytes(plan.totals.bytes)} (backed up and verified)`,
    );
  }
  for (const i of plan.keep.images)
    lines.push(`  image ${i.reference} (named by ${count(i.namedBy)} run record(s))`);
  if (plan.keep.buckets.length + plan.keep.images.length === 0 && plan.totals.objects === 0)
    lines.push("  nothing");
  lines.push("destroyed, once the backup is verified:");
  for (const b of plan.destroy.buckets) {
    lines.push(
      `  s3://${b.bucket} (${b.region}): emptied (every version and delete marker), then destroyed with its stack`,
    );
  }
  for (const s of plan.destroy.stacks) lines.push(`  stack ${s.stack} (${s.region}): terraform destroy`);
  for (const i of plan.destroy.images) lines.push(`  ECR image ${i.reference}`);
  if (plan.destroy.buckets.length + plan.destroy.stacks.length + plan.destroy.images.length === 0) {
    lines.push("  nothing");
  }
  for (const l of plan.leave) lines.push(`left in ECR: ${l.reference} (${l.why})`);
  for (const p of plan.problems) lines.push(`cannot close: ${p}`);
  return lines.join("\n");
}

/** The report of a close, or of a close that failed with `error`, as a PR or issue comment. */
export function renderCloseReport(
  outcome:
    | CloseOutcome
    | {
        readonly status: "failed";
        readonly project: string;
        readonly archive?: string;
        readonly error: string;
      },
): string {
  const head = [commentMarker(outcome.project), `## Closing project \`${outcome.project}\``, ""];
  switch (outcome.status) {
    case "failed":
      return [
        ...head,
        "**Stopped: nothing more was destroyed.**",
        "",
        "```",
        outcome.error,
        "```",
        "",
        "Fix the cause and run the close again (relabel, or re-run the workflow): it continues where it stopped.",
      ].join("\n");
    case "already-closed":
      return [
        ...head,
        `Closed on ${outcome.closed.closedAt}. Backup: ${outcome.closed.archive} (manifest ${outcome.closed.manifest}, sha256 \`${outcome.closed.manifestSha256}\`).`,
        "",
        "Nothing was done this time.",
      ].join("\n");
    case "planned":
      return [...head, "Dry run: nothing was changed.", "", ...planSection(outcome.plan)].join("\n");
    case "cancelled":
      return [...head, "Cancelled before anything was done.", "", ...planSection(outcome.plan)].join("\n");
    case "refused":
      return [
        ...head,
        "**Cannot close: nothing was done.**",
        "",
        ...outcome.plan.problems.map((p) => `- ${p}`),
        "",
        ...planSection(outcome.plan),
      ].join("\n");
    case "verification-failed":
      return [
        ...head,
        "**The backup did not verify: nothing was destroyed.**",
        "",
        ...backupSection(outcome.backup),
        "",
        `| what failed | where | problem |`,
        `| --- | --- | --- |`,
        ...outcome.verification.failures
          .slice(0, FAILURES_SHOWN)
          .map((f) => `| ${cell(f.what)} | ${cell(f.location)} | ${cell(f.problem)} |`),
        ...(outcome.verification.failures.length > FAILURES_SHOWN
          ? ["", `… and ${outcome.verification.failures.length - FAILURES_SHOWN} more (see the job's log).`]
          : []),
        "",
        "Run the close again: it copies the failed entries again, writes a new manifest and verifies it.",
      ].join("\n");
    case "unsaved-objects":
      return [
        ...head,
        "**Objects appeared after the backup was made: nothing was destroyed.**",
        "",
        ...outcome.unsaved
          .slice(0, 50)
          .map((o) => `- \`s3://${o.bucket}/${o.key}\` (version \`${o.versionId}\`)`),
        "",
        "Find what writes to the project's buckets (the project is frozen), then run the close again: it backs those up too.",
      ].join("\n");
    case "closed":
      return [
        ...head,
        `**Closed.** The project is marked closed in \`${outcome.markerFile}\`, so no later push recreates it.`,
        "",
        ...backupSection(outcome.backup),
        `- **Verified**: ${count(outcome.verification.checked.objects)} object(s) and ${count(outcome.verification.checked.images)} image(s), every entry of the manifest`,
        "- **Destroyed**:",
        ...outcome.destroyed.buckets.map(
          (b) => `  - bucket \`${b.bucket}\` (${b.region}) emptied: ${count(b.deleted)} version(s) deleted`,
        ),
        ...outcome.destroyed.stacks.map((s) => `  - stack \`${s.stack}\` (${s.region})`),
        ...outcome.destroyed.images.map(
          (i) => `  - ECR image \`${i.reference}\`${i.outcome === "absent" ? " (already gone)" : ""}`,
        ),
        ...outcome.plan.leave.map((l) => `- Left in ECR: \`${l.reference}\` (${l.why})`),
      ].join("\n");
  }
}

function backupSection(backup: BackupSummary): string[] {
  return [
    `- **Backed up**: ${count(backup.objects)} object version(s), ${formatBytes(backup.bytes)}; ${count(backup.images)} image(s), ${formatBytes(backup.imageBytes)}`,
    `- **Manifest**: ${backup.manifest} (sha256 \`${backup.manifestSha256}\`)`,
  ];
}

function planSection(plan: ClosePlan): string[] {
  return ["```", formatClosePlan(plan), "```"];
}

function cell(text: string): string {
  const one = text.replaceAll("|", "\\|").replaceAll("\n", " ");
  return one.length <= CELL_CHARS ? one : `${one.slice(0, CELL_CHARS - 1)}…`;
}

/** The outcome, for a terminal. */
export function formatCloseOutcome(outcome: CloseOutcome): string {
  const p = outcome.project;
  switch (outcome.status) {
    case "already-closed":
      return `${p}: closed on ${outcome.closed.closedAt}; backup in ${outcome.closed.archive}. Nothing to do.`;
    case "planned":
      return `${p}: dry run; nothing was changed.${outcome.resuming ? ` (${outcome.resuming})` : ""}`;
    case "cancelled":
      return `${p}: not confirmed; nothing was done.`;
    case "refused":
      return `${p}: cannot close; nothing was done:\n${outcome.plan.problems.map((x) => `  ${x}`).join("\n")}`;
    case "verification-failed":
      return [
        `${p}: the backup did not verify; nothing was destroyed:`,
        ...outcome.verification.failures.map((f) => `  ${f.what} at ${f.location}: ${f.problem}`),
        "Run the close again: it copies these again, then writes and verifies a new manifest.",
      ].join("\n");
    case "unsaved-objects":
      return [
        `${p}: objects appeared in the project's buckets after the backup; nothing was destroyed:`,
        ...outcome.unsaved.map((o) => `  s3://${o.bucket}/${o.key} (version ${o.versionId})`),
        "Find what writes to them (the project is frozen), then run the close again: it backs these up too.",
      ].join("\n");
    case "closed":
      return [
        `${p}: closed. ${outcome.backup.objects} object version(s) and ${outcome.backup.images} image(s) backed up and verified; manifest ${outcome.backup.manifest}.`,
        `Destroyed: ${outcome.destroyed.buckets.length} bucket(s) emptied, ${outcome.destroyed.stacks.length} stack(s), ${outcome.destroyed.images.length} ECR image(s).`,
        `Marked closed in ${outcome.markerFile}: commit it.`,
      ].join("\n");
  }
}
