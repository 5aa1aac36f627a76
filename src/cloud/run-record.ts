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
  return { take: true };
}
