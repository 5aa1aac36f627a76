// The run record: `current-run.json` in a run set's S3 folder names the run whose queued work
// is wanted now, and, once `modelfleet stop` has stopped it, who stopped it and when.
//
// Every realisation message names the run that queued it and where its record is. A worker
// reads the record before it takes each message, and deletes the message instead of running
// it when the record names another run (a later run has queued every unfinished realisation
// again) or says the run was stopped. So a stop reaches every worker before its next model,
// an old stop never blocks a new run (the new run writes a new record), and a run that
// replaces an earlier one does not run the earlier one's queue a second time.
import type { WorkMessage } from "./cloud-config.ts";

export const RUN_RECORD_FILE = "current-run.json";

/** Who did something, and when (ISO 8601). */
export interface RunRecordParty {
  readonly host: string;
  readonly pid: number;
  readonly command: string;
  readonly at: string;
}

export interface RunRecord {
  readonly schema: 1;
  /** The run's id, also in each of its messages. */
  readonly run: string;
  readonly runConfigKey: string;
  /** The worker image digest the run's keys were made with ("" when none was given). */
  readonly image: string;
  readonly started: RunRecordParty;
  readonly stopped?: RunRecordParty;
  /** The plan generation the run queued its messages under. */
  readonly generation?: number;
  /** Where the realisations the run queued are listed (run-manifest.ts), so that `watch` can
   * follow the run set with no client. */
  readonly manifest?: string;
  /** The run was given up: its workers kept dying (every region was scaled to zero). */
  readonly failed?: RunRecordParty & { readonly reason: string };
  /** Every realisation the run queued has a result, and the reports are written. */
  readonly finished?: RunRecordParty;
}

/** What a message says about the run that queued it. */
export type MessageRun = NonNullable<WorkMessage["run"]>;

export function runRecordKey(runSetKey: string): string {
  return `${runSetKey}/${RUN_RECORD_FILE}`;
}

/** The record, or undefined when the text is not one (a worker then takes every message). */
export function parseRunRecord(text: string): RunRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<RunRecord>;
    if (v?.schema === 1 && typeof v.run === "string" && typeof v.started === "object" && v.started !== null) {
      return v as RunRecord;
    }
  } catch {
    // not JSON
  }
  return undefined;
}

export type MessageVerdict = { readonly take: true } | { readonly take: false; readonly why: string };

/** Whether a worker should run a message's realisation, given its run set's record now. */
export function judgeMessage(run: MessageRun | undefined, record: RunRecord | undefined): MessageVerdict {
  // Messages queued before run records existed, or a record someone removed: run them.
  if (run === undefined || record === undefined) return { take: true };
  if (record.run !== run.id) {
    return {
      take: false,
      why: `queued by an earlier run; the run started ${record.started.at} by \`${record.started.command}\` queued its own`,
    };
  }
  if (record.stopped) {
    return {
      take: false,
      why: `its run was stopped ${record.stopped.at} by \`${record.stopped.command}\` (pid ${record.stopped.pid} on ${record.stopped.host})`,
    };
  }
  if (record.failed) {
    return {
      take: false,
      why: `its run was given up ${record.failed.at} by \`${record.failed.command}\`: its workers kept dying`,
    };
  }
  return { take: true };
}

/** Where the record and its objects are read and written (S3 in production). */
export interface VersionedObjects {
  readVersioned(key: string): Promise<{ readonly text: string; readonly etag: string } | undefined>;
  putTextIf(key: string, text: string, etag: string | undefined): Promise<"written" | "changed">;
}

const MAX_UPDATE_ROUNDS = 5;

/**
 * Changes the run record over the version it read, again if it changed meanwhile. `change`
 * returns the new record, or undefined to leave it (it is not the run's any more, or already
 * says so). Returns the record as it is now and whether this call wrote it.
 */
export async function updateRunRecord(
  objects: VersionedObjects,
  key: string,
  change: (record: RunRecord) => RunRecord | undefined,
): Promise<{ readonly record: RunRecord | undefined; readonly written: boolean }> {
  for (let round = 0; round < MAX_UPDATE_ROUNDS; round++) {
    const current = await objects.readVersioned(key);
    const record = current && parseRunRecord(current.text);
    if (!current || !record) return { record: undefined, written: false };
    const next = change(record);
    if (next === undefined) return { record, written: false };
    if ((await objects.putTextIf(key, `${JSON.stringify(next, null, 2)}\n`, current.etag)) === "written") {
      return { record: next, written: true };
    }
  }
  throw new Error(`${key} kept changing while it was being updated; try again`);
}
