// A close's progress, kept in the archive with the backup so that a close killed at any step
// continues where it was when run again, and a second run of a finished one changes nothing:
// - `close-state.json`: the steps done (frozen, manifest written and verified, each bucket
//   emptied, each stack and image destroyed, the project marked closed);
// - `progress/<n>.json`: the copies made, a batch at a time (appended, never rewritten, so a
//   backup of many objects costs no more to record than to make).
// A copy made but not yet recorded when the close was killed is found in the archive by the
// next run (Archive.adopt) rather than copied again. Pure.
import type { ImageArchive, StoredChecksum } from "./manifest.ts";
import type { ClosePlan } from "./plan.ts";

export const STATE_FILE = "close-state.json";
export const PROGRESS_FOLDER = "progress";

export interface CloseState {
  readonly schema: 1;
  readonly project: string;
  frozen?: { readonly at: string; readonly by: string };
  /** Copies by their path in the archive (from progress batches). */
  readonly copied: Map<string, StoredChecksum>;
  /** Image archives by digest. */
  readonly images: Map<string, ImageArchive>;
  /** Progress batches there are (read until the first one missing); the next is written as this one. */
  batches: number;
  /** Copies a verification found wrong: copied again, not adopted. */
  readonly recopy: Set<string>;
  /** The manifest written, and what the plan then was (kept totals, and what to destroy). */
  manifest?: {
    readonly sha256: string;
    readonly at: string;
    readonly totals: ClosePlan["totals"];
    readonly buckets: number;
    readonly destroy: ClosePlan["destroy"];
    readonly leave: ClosePlan["leave"];
  };
  verified?: { readonly manifestSha256: string; readonly at: string };
  readonly destroyed: {
    readonly buckets: string[];
    readonly stacks: string[];
    readonly images: string[];
  };
  closed?: { readonly at: string; readonly marker: string };
}

export function emptyState(project: string): CloseState {
  return {
    schema: 1,
    project,
    copied: new Map(),
    images: new Map(),
    recopy: new Set(),
    batches: 0,
    destroyed: { buckets: [], stacks: [], images: [] },
  };
}

/** Whether destroying has begun: the sources may be partly gone, so nothing is planned from them. */
export function destroying(state: CloseState): boolean {
  const d = state.destroyed;
  return d.buckets.length + d.stacks.length + d.images.length > 0;
}

interface StateFile {
  readonly schema: 1;
  readonly project: string;
  readonly frozen?: CloseState["frozen"];
  readonly images: Record<string, ImageArchive>;
  readonly recopy?: string[];
  readonly manifest?: CloseState["manifest"];
  readonly verified?: CloseState["verified"];
  readonly destroyed: CloseState["destroyed"];
  readonly closed?: CloseState["closed"];
}

export function stateText(state: CloseState): string {
  const file: StateFile = {
    schema: 1,
    project: state.project,
    ...(state.frozen ? { frozen: state.frozen } : {}),
    images: Object.fromEntries(state.images),
    recopy: [...state.recopy],
    ...(state.manifest ? { manifest: state.manifest } : {}),
    ...(state.verified ? { verified: state.verified } : {}),
    destroyed: state.destroyed,
    ...(state.closed ? { closed: state.closed } : {}),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The state file and its progress batches, in order. */
export function parseState(
  project: string,
  text: string | undefined,
  batches: ReadonlyArray<string | undefined>,
): CloseState | { readonly problem: string } {
  const state = emptyState(project);
  if (text !== undefined) {
    let file: Partial<StateFile>;
    try {
      file = JSON.parse(text) as Partial<StateFile>;
    } catch (e) {
      return { problem: `not JSON (${(e as Error).message})` };
    }
    if (file.schema !== 1 || file.project !== project) {
      return { problem: `not the close state of project ${project}` };
    }
    if (file.frozen) state.frozen = file.frozen;
    for (const [digest, image] of Object.entries(file.images ?? {})) state.images.set(digest, image);
    for (const path of file.recopy ?? []) state.recopy.add(path);
    if (file.manifest) state.manifest = file.manifest;
    if (file.verified) state.verified = file.verified;
    if (file.destroyed) {
      state.destroyed.buckets.push(...(file.destroyed.buckets ?? []));
      state.destroyed.stacks.push(...(file.destroyed.stacks ?? []));
      state.destroyed.images.push(...(file.destroyed.images ?? []));
    }
    if (file.closed) state.closed = file.closed;
  }
  state.batches = batches.length;
  for (const batch of batches) {
    if (batch === undefined) continue;
    try {
      const entries = JSON.parse(batch) as Record<string, StoredChecksum>;
      for (const [path, stored] of Object.entries(entries)) state.copied.set(path, stored);
    } catch {
      // A batch cut short by a kill: its copies are adopted from the archive.
    }
  }
  return state;
}

export function batchPath(n: number): string {
  return `${PROGRESS_FOLDER}/${String(n).padStart(6, "0")}.json`;
}

export function batchText(entries: ReadonlyMap<string, StoredChecksum>): string {
  return `${JSON.stringify(Object.fromEntries(entries))}\n`;
}
