// Closing a project, end to end: back everything up, prove the backup, only then destroy.
//
//   lock (in the archive) ─ state (what an earlier run did) ─ plan ─ confirm
//   ─ freeze: the freeze marker in every bucket, every scenario's run set stopped
//   ─ plan again (a stopped run may have published meanwhile) ─ copy every object version
//   ─ export every image ─ manifest, written last ─ verify every manifest entry
//   ─ destroy (only with the verified manifest) ─ mark the project closed in the repository
//
// Every step is recorded in the archive with the backup (close-state.ts): killed anywhere and
// run again, it continues without copying anything twice; run again once done, it changes
// nothing. A dry run stops after the plan, which is exactly what the real run then does.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage, UserError } from "../errors.ts";
import {
  batchPath,
  batchText,
  type CloseState,
  destroying,
  emptyState,
  parseState,
  STATE_FILE,
  stateText,
} from "./close-state.ts";
import type { ClosedMarker } from "./closed-marker.ts";
import { type DestroyEvent, type DestroyReport, destroyProject, UnsavedObjectsError } from "./destroy.ts";
import { freezeProject } from "./freeze.ts";
import { takeInventory } from "./inventory.ts";
import { buildManifest, MANIFEST_FILE, manifestText, type StoredChecksum } from "./manifest.ts";
import { exportImage } from "./oci-export.ts";
import { buildClosePlan, type ClosePlan, type PlannedImage } from "./plan.ts";
import type { ArchiveLock, ClosePorts } from "./ports.ts";
import type { CloseProjectFiles } from "./project-files.ts";
import { type VerificationReport, verifyBackup } from "./verify.ts";

/** Copies in flight at once (server-side copies are cheap for this machine; downloads are not). */
const COPY_CONCURRENCY = 8;
/** Copies recorded in one progress batch at most, and how often one is written. */
const BATCH_SIZE = 1000;
const BATCH_EVERY_MS = 15_000;

export interface BackupSummary {
  readonly objects: number;
  readonly bytes: number;
  /** Copied by this run; found already in the archive (a copy an earlier, killed run made); recorded before. */
  readonly copiedNow: number;
  readonly adopted: number;
  readonly alreadyCopied: number;
  readonly images: number;
  readonly imageBytes: number;
  readonly manifest: string;
  readonly manifestSha256: string;
}

export type CloseEvent =
  | { readonly type: "plan"; readonly plan: ClosePlan; readonly afterFreeze: boolean }
  | { readonly type: "frozen"; readonly scenario: string; readonly note: string }
  | { readonly type: "copying"; readonly done: number; readonly of: number; readonly bytes: number }
  | { readonly type: "image"; readonly image: PlannedImage; readonly size: number }
  | { readonly type: "manifest"; readonly location: string }
  | { readonly type: "verifying"; readonly checked: number; readonly of: number }
  | DestroyEvent
  | { readonly type: "resuming"; readonly what: string };

interface Base {
  readonly project: string;
  readonly archive: string;
}

export type CloseOutcome =
  | (Base & {
      readonly status: "already-closed";
      readonly closed: ClosedMarker;
      readonly markerFile?: string;
    })
  | (Base & { readonly status: "planned"; readonly plan: ClosePlan; readonly resuming?: string })
  | (Base & { readonly status: "refused"; readonly plan: ClosePlan })
  | (Base & { readonly status: "cancelled"; readonly plan: ClosePlan })
  | (Base & {
      readonly status: "verification-failed";
      readonly plan: ClosePlan;
      readonly backup: BackupSummary;
      readonly verification: VerificationReport;
    })
  | (Base & {
      readonly status: "unsaved-objects";
      readonly plan: ClosePlan;
      readonly backup: BackupSummary;
      readonly verification: VerificationReport;
      readonly unsaved: UnsavedObjectsError["objects"];
    })
  | (Base & {
      readonly status: "closed";
      readonly plan: ClosePlan;
      readonly backup: BackupSummary;
      readonly verification: VerificationReport;
      readonly destroyed: DestroyReport;
      readonly closed: ClosedMarker;
      readonly markerFile: string;
    });

export interface CloseOptions {
  readonly files: CloseProjectFiles;
  readonly ports: ClosePorts;
  readonly dryRun: boolean;
  /** Asked once the plan is known; false ends the close with nothing done. */
  readonly confirm?: (plan: ClosePlan) => Promise<boolean>;
  /** The command line, recorded in the markers. */
  readonly by: string;
  readonly onEvent?: (event: CloseEvent) => void;
}

export async function closeProject(options: CloseOptions): Promise<CloseOutcome> {
  const { files, ports } = options;
  const { archive } = ports;
  const base: Base = { project: files.project, archive: archive.location };
  const emit = options.onEvent ?? (() => {});

  // A close done before is final: said so without taking the lock or writing to the archive.
  // The repository may not have its marker yet (a push that failed): it is written again.
  const done = await loadState(files.project, ports);
  if (done.closed) {
    const marker = closedMarker(files, done, options.by, ports);
    const markerFile = options.dryRun ? undefined : await ports.markClosed(marker);
    return { ...base, status: "already-closed", closed: marker, ...(markerFile ? { markerFile } : {}) };
  }

  const lock: ArchiveLock | undefined = options.dryRun ? undefined : await archive.lock(options.by);
  const stillOurs = () => {
    if (lock?.lost.aborted) {
      const reason = lock.lost.reason as { message?: string } | undefined;
      throw new UserError(`${reason?.message ?? "the close's lock was lost"}; this close stops here`);
    }
  };
  try {
    // Read again under the lock: another close may have gone on meanwhile.
    const state = options.dryRun ? done : await loadState(files.project, ports);
    if (state.closed) return await closeProject(options);
    const save = () => archive.writeText(STATE_FILE, stateText(state));

    if (state.manifest && (destroying(state) || state.verified)) {
      return await continueDestroy({ ...options, state, save, stillOurs, base, emit });
    }

    let plan = await planClose(files, ports);
    emit({ type: "plan", plan, afterFreeze: false });
    if (plan.problems.length > 0) return { ...base, status: "refused", plan };
    if (options.dryRun) return { ...base, status: "planned", plan };
    if (options.confirm && !(await options.confirm(plan))) return { ...base, status: "cancelled", plan };

    if (!state.frozen) {
      await freezeProject({
        files,
        source: ports.source,
        freezer: ports.freezer,
        at: now(ports),
        by: options.by,
        archive: archive.location,
        onFrozen: (scenario, note) => emit({ type: "frozen", scenario, note }),
      });
      state.frozen = { at: now(ports), by: options.by };
      await save();
      plan = await planClose(files, ports);
      emit({ type: "plan", plan, afterFreeze: true });
      if (plan.problems.length > 0) return { ...base, status: "refused", plan };
    }

    stillOurs();
    const copies = await backUp(plan, state, ports, { emit, stillOurs, save });
    stillOurs();
    await exportImages(plan, state, ports, save, emit);

    const manifest = buildManifest({
      project: files.project,
      createdAt: now(ports),
      archive: archive.location,
      where: (path) => archive.where(path),
      buckets: plan.keep.buckets.map((b) => ({
        region: b.region,
        bucket: b.bucket,
        versioning: b.versioning,
        objects: b.objects,
        bytes: b.bytes,
        deleteMarkers: b.deleteMarkers,
      })),
      objects: plan.keep.objects,
      deleteMarkers: plan.keep.deleteMarkers,
      images: plan.keep.images,
      copied: state.copied,
      archivedImages: state.images,
    });
    const { sha256 } = await archive.writeText(MANIFEST_FILE, manifestText(manifest));
    state.manifest = {
      sha256,
      at: manifest.createdAt,
      totals: plan.totals,
      buckets: plan.keep.buckets.length,
      destroy: plan.destroy,
      leave: plan.leave,
    };
    state.verified = undefined;
    await save();
    emit({ type: "manifest", location: archive.where(MANIFEST_FILE) });
    const backup: BackupSummary = {
      objects: manifest.totals.objects,
      bytes: manifest.totals.bytes,
      ...copies,
      images: manifest.totals.images,
      imageBytes: manifest.totals.imageBytes,
      manifest: archive.where(MANIFEST_FILE),
      manifestSha256: sha256,
    };
    return await verifyThenDestroy({ ...options, state, save, stillOurs, base, emit, plan, backup });
  } finally {
    await lock?.release();
  }
}

/** The plan from the project as it is now: what is kept, and what is destroyed. */
export async function planClose(files: CloseProjectFiles, ports: ClosePorts): Promise<ClosePlan> {
  return buildClosePlan(
    await takeInventory({
      project: files.project,
      buckets: files.buckets,
      stacks: files.stacks,
      archive: files.archive,
      ports,
    }),
  );
}

interface Running extends CloseOptions {
  readonly state: CloseState;
  readonly save: () => Promise<unknown>;
  readonly stillOurs: () => void;
  readonly base: Base;
  readonly emit: (event: CloseEvent) => void;
}

/** A close that had verified its backup, or begun destroying: the plan is the one it recorded. */
async function continueDestroy(run: Running): Promise<CloseOutcome> {
  const { state, base, ports } = run;
  const recorded = state.manifest!;
  const plan: ClosePlan = {
    project: run.files.project,
    archive: ports.archive.location,
    keep: { buckets: [], objects: [], deleteMarkers: [], images: [] },
    destroy: {
      buckets: recorded.destroy.buckets.filter((b) => !state.destroyed.buckets.includes(b.bucket)),
      stacks: recorded.destroy.stacks.filter((s) => !state.destroyed.stacks.includes(s.stack)),
      images: recorded.destroy.images.filter((i) => !state.destroyed.images.includes(i.digest)),
    },
    leave: recorded.leave,
    totals: recorded.totals,
    problems: [],
  };
  const resuming = `the backup made ${recorded.at} is verified; what is left to destroy`;
  run.emit({ type: "resuming", what: resuming });
  run.emit({ type: "plan", plan, afterFreeze: true });
  if (run.dryRun) return { ...base, status: "planned", plan, resuming };
  if (run.confirm && !(await run.confirm(plan))) return { ...base, status: "cancelled", plan };
  const backup: BackupSummary = {
    objects: recorded.totals.objects,
    bytes: recorded.totals.bytes,
    copiedNow: 0,
    adopted: 0,
    alreadyCopied: recorded.totals.objects,
    images: recorded.totals.images,
    imageBytes: [...state.images.values()].reduce((n, i) => n + i.size, 0),
    manifest: ports.archive.where(MANIFEST_FILE),
    manifestSha256: recorded.sha256,
  };
  return verifyThenDestroy({ ...run, plan, backup, recorded: true });
}

async function verifyThenDestroy(
  run: Running & { readonly plan: ClosePlan; readonly backup: BackupSummary; readonly recorded?: boolean },
): Promise<CloseOutcome> {
  const { state, base, ports, plan, backup, emit } = run;
  run.stillOurs();
  const verification = await verifyBackup({
    archive: ports.archive,
    manifestSha256: state.manifest!.sha256,
    clock: ports.clock,
    onProgress: (checked, of) => {
      if (checked === of || checked % 500 === 0) emit({ type: "verifying", checked, of });
    },
  });
  if (!verification.verified) {
    // The next run copies (or exports) these again, then writes and verifies a new manifest.
    for (const f of verification.failures) {
      if (f.digest !== undefined) state.images.delete(f.digest);
      else if (state.copied.has(f.path)) state.recopy.add(f.path);
    }
    if (!destroying(state)) state.manifest = undefined;
    state.verified = undefined;
    await run.save();
    return { ...base, status: "verification-failed", plan, backup, verification };
  }
  state.verified = { manifestSha256: verification.verified.sha256, at: verification.verified.verifiedAt };
  await run.save();

  let destroyed: DestroyReport;
  try {
    destroyed = await destroyProject({
      verified: verification.verified,
      project: run.files.project,
      plan: state.manifest!.destroy,
      done: state.destroyed,
      ports,
      record: async (step) => {
        if (step.bucket) state.destroyed.buckets.push(step.bucket);
        if (step.stack) state.destroyed.stacks.push(step.stack);
        if (step.image) state.destroyed.images.push(step.image);
        await run.save();
      },
      stillOurs: run.stillOurs,
      onEvent: emit,
    });
  } catch (e) {
    if (!(e instanceof UnsavedObjectsError)) throw e;
    if (!destroying(state)) {
      // Plan again next time: the new versions are backed up, the rest is not copied again.
      state.manifest = undefined;
      state.verified = undefined;
      await run.save();
    }
    return { ...base, status: "unsaved-objects", plan, backup, verification, unsaved: e.objects };
  }

  const marker = closedMarker(run.files, state, run.by, ports);
  const markerFile = await ports.markClosed(marker);
  state.closed = { at: marker.closedAt, marker: markerFile };
  await run.save();
  return { ...base, status: "closed", plan, backup, verification, destroyed, closed: marker, markerFile };
}

async function loadState(project: string, ports: ClosePorts): Promise<CloseState> {
  const text = await ports.archive.readText(STATE_FILE);
  const batches: string[] = [];
  for (;;) {
    const batch = await ports.archive.readText(batchPath(batches.length));
    if (batch === undefined) break;
    batches.push(batch);
  }
  const state =
    text === undefined && batches.length === 0 ? emptyState(project) : parseState(project, text, batches);
  if ("problem" in state) {
    throw new UserError(
      `${ports.archive.where(STATE_FILE)}: ${state.problem}; it is the close's record of what it has done. Move it aside (the next close then checks every copy) and run again.`,
    );
  }
  return state;
}

/** Copies every planned object version not copied yet; returns what it did. */
async function backUp(
  plan: ClosePlan,
  state: CloseState,
  ports: ClosePorts,
  run: { emit: (event: CloseEvent) => void; stillOurs: () => void; save: () => Promise<unknown> },
): Promise<Pick<BackupSummary, "copiedNow" | "adopted" | "alreadyCopied">> {
  const { archive, source, clock } = ports;
  const todo = plan.keep.objects.filter((o) => !state.copied.has(o.path) || state.recopy.has(o.path));
  const alreadyCopied = plan.keep.objects.length - todo.length;
  if (todo.length === 0) return { copiedNow: 0, adopted: 0, alreadyCopied };
  const present = await archive.listCopies();
  let pendingBatch = new Map<string, StoredChecksum>();
  let lastFlush = clock.now();
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    if (pendingBatch.size === 0) return flushing;
    const entries = pendingBatch;
    pendingBatch = new Map();
    lastFlush = clock.now();
    const n = state.batches++;
    flushing = flushing.then(() => archive.writeText(batchPath(n), batchText(entries)).then(() => undefined));
    return flushing;
  };
  let copiedNow = 0;
  let adopted = 0;
  let done = 0;
  let bytes = 0;
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < todo.length && !failed) {
      run.stillOurs();
      const object = todo[next++]!;
      const again = state.recopy.has(object.path);
      let stored = !again && present.has(object.path) ? await archive.adopt(object) : undefined;
      if (stored) adopted++;
      else {
        stored = await archive.copy(object, source);
        copiedNow++;
      }
      state.copied.set(object.path, stored);
      state.recopy.delete(object.path);
      pendingBatch.set(object.path, stored);
      done++;
      bytes += object.size;
      if (done === todo.length || done % 100 === 0)
        run.emit({ type: "copying", done, of: todo.length, bytes });
      if (pendingBatch.size >= BATCH_SIZE || clock.now() - lastFlush >= BATCH_EVERY_MS) await flush();
    }
  };
  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(COPY_CONCURRENCY, todo.length) }, () =>
      worker().catch((e: unknown) => {
        failed = true;
        throw e;
      }),
    ),
  );
  // What was copied is recorded even when a copy failed, so the next run does not redo it.
  await flush();
  await run.save();
  const failure = outcomes.find((o) => o.status === "rejected");
  if (failure) {
    const e = failure.reason;
    if (e instanceof UserError) throw e;
    throw new UserError(
      `backing up the project stopped (nothing was destroyed; run the close again to go on): ${errorMessage(e)}`,
      {
        cause: e,
      },
    );
  }
  return { copiedNow, adopted, alreadyCopied };
}

async function exportImages(
  plan: ClosePlan,
  state: CloseState,
  ports: ClosePorts,
  save: () => Promise<unknown>,
  emit: (event: CloseEvent) => void,
): Promise<void> {
  for (const image of plan.keep.images) {
    if (state.images.has(image.digest)) continue;
    const file = join(ports.tempDir, `${image.digest.replace(":", "-")}.oci.tar`);
    try {
      const session = await ports.registry.open(image);
      const archived = await exportImage({ session, image, file });
      await ports.archive.putImage(image.path, file, archived.sha256);
      state.images.set(image.digest, archived);
      await save();
      emit({ type: "image", image, size: archived.size });
    } finally {
      await rm(file, { force: true });
    }
  }
}

function closedMarker(
  files: CloseProjectFiles,
  state: CloseState,
  by: string,
  ports: ClosePorts,
): ClosedMarker {
  const recorded = state.manifest!;
  return {
    schema: 1,
    project: files.project,
    closedAt: state.closed?.at ?? now(ports),
    archive: ports.archive.location,
    manifest: ports.archive.where(MANIFEST_FILE),
    manifestSha256: recorded.sha256,
    counts: {
      objects: recorded.totals.objects,
      bytes: recorded.totals.bytes,
      images: recorded.totals.images,
      buckets: recorded.buckets,
      stacks: recorded.destroy.stacks.length,
    },
    by,
  };
}

function now(ports: ClosePorts): string {
  return new Date(ports.clock.now()).toISOString();
}
