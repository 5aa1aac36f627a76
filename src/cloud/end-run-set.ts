// The two ways a followed run set ends, the same whether the client or `modelfleet watch`
// ends it:
// - finished: every realisation the run queued has a result. The services go to zero, the
//   reports are written to S3, and the run record says so (so a later `watch` has nothing to do).
// - given up: workers kept dying. Every region's service goes to zero, the run record is
//   marked failed with the reasons (workers that still start delete its messages instead of
//   running them), and its queued messages are removed, so the home region's autoscaling,
//   which follows the queue, does not start the crash loop again.
import { hostname } from "node:os";
import type { Clock } from "../engine/clock.ts";
import { errorMessage } from "../errors.ts";
import { type RunSetReport, reportRunSet } from "../report/report-run-set.ts";
import type { ParameterTable } from "../results/parameter-table.ts";
import type { ProjectSpec } from "../spec/schema.ts";
import type { ResultStore } from "../store/result-store.ts";
import type { WorkMessage } from "./cloud-config.ts";
import {
  type MessageRun,
  type RunRecord,
  type RunRecordParty,
  updateRunRecord,
  type VersionedObjects,
} from "./run-record.ts";
import type { WorkerFleet } from "./worker-fleet.ts";

/** Who ends it: this process, with its command line. */
export function partyOf(command: string, clock: Clock): RunRecordParty {
  return { host: hostname(), pid: process.pid, command, at: new Date(clock.now()).toISOString() };
}

/** Sets every region's service to zero; a region that refuses is named, not fatal. */
export async function scaleAllToZero(fleets: readonly WorkerFleet[]): Promise<string[]> {
  const problems: string[] = [];
  await Promise.all(
    fleets.map((f) =>
      f.scaleTo(0).catch((e: unknown) => {
        problems.push(`${f.region}: ${errorMessage(e)}`);
      }),
    ),
  );
  return problems;
}

export async function finishRunSet(options: {
  readonly spec: ProjectSpec;
  readonly store: ResultStore;
  readonly objects: VersionedObjects;
  readonly recordKey: string;
  readonly run: MessageRun;
  readonly fleets: readonly WorkerFleet[];
  /** Every realisation id of the spec, and the current key of each. */
  readonly plannedIds: readonly string[];
  readonly currentKeys: ReadonlyMap<string, string>;
  /** The spec's parameter values of each realisation (parameters.csv). */
  readonly parameters: ParameterTable;
  readonly by: RunRecordParty;
  /** False when realisations were given up as lost: the reports are written, the record
   * does not say finished (`watch` then reports them). */
  readonly complete?: boolean;
}): Promise<{ readonly report: RunSetReport; readonly scaleProblems: readonly string[] }> {
  const scaleProblems = await scaleAllToZero(options.fleets);
  const report = await reportRunSet({
    spec: options.spec,
    store: options.store,
    plannedIds: options.plannedIds,
    currentKeys: options.currentKeys,
    parameters: options.parameters,
  });
  if (options.complete !== false) {
    await updateRunRecord(options.objects, options.recordKey, (r) =>
      r.run === options.run.id && !r.finished ? { ...r, finished: options.by } : undefined,
    );
  }
  return { report, scaleProblems };
}

export async function giveUpRunSet(options: {
  readonly objects: VersionedObjects;
  readonly recordKey: string;
  readonly run: MessageRun;
  readonly fleets: readonly WorkerFleet[];
  /** Why, in words (the grouped stop reasons). */
  readonly reason: string;
  readonly by: RunRecordParty;
  /** One pass over the queue, deleting the messages `remove` picks. */
  readonly drain: (remove: (message: WorkMessage | undefined) => boolean) => Promise<{ removed: number }>;
}): Promise<{
  readonly record: RunRecord | undefined;
  readonly removed: number;
  readonly scaleProblems: string[];
}> {
  const scaleProblems = await scaleAllToZero(options.fleets);
  const { record } = await updateRunRecord(options.objects, options.recordKey, (r) =>
    r.run === options.run.id && !r.failed
      ? { ...r, failed: { ...options.by, reason: options.reason } }
      : undefined,
  );
  const { removed } = await options.drain(
    (m) => m?.run?.id === options.run.id && m.run.record === options.recordKey,
  );
  return { record, removed, scaleProblems };
}
