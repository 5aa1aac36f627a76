// Freezing a project before its backup: the freeze marker goes into each of its buckets (from
// then on `run --executor ecs` refuses, closing-marker.ts), then each scenario whose run
// record shows a run not stopped is stopped as `modelfleet stop` does (its workers told to
// stop, nothing half-published, its queue emptied). What was published before stays, and is
// backed up.
import { parseRunRecord, runRecordKey } from "../cloud/run-record.ts";
import { closingKey, closingMarkerText } from "./closing-marker.ts";
import type { Freezer, SourceBuckets } from "./ports.ts";
import type { CloseProjectFiles, ProjectScenario } from "./project-files.ts";

export async function freezeProject(options: {
  readonly files: CloseProjectFiles;
  readonly source: SourceBuckets;
  readonly freezer: Freezer;
  /** ISO 8601. */
  readonly at: string;
  readonly by: string;
  readonly archive: string;
  readonly onFrozen?: (scenario: string, note: string) => void;
}): Promise<void> {
  const { files } = options;
  const marker = closingMarkerText({
    schema: 1,
    project: files.project,
    since: options.at,
    by: options.by,
    archive: options.archive,
  });
  for (const b of files.buckets) await options.source.putText(b, closingKey(b.prefix, files.project), marker);
  for (const s of files.scenarios) {
    const { note } = await options.freezer.stop(s);
    options.onFrozen?.(s.scenario, note);
  }
}

/** Stops the run sets whose record shows a run going on, with `stop` (the `modelfleet stop` command). */
export function createRunSetFreezer(options: {
  readonly files: CloseProjectFiles;
  readonly source: SourceBuckets;
  readonly stop: (scenario: ProjectScenario) => Promise<void>;
}): Freezer {
  return {
    async stop(ref) {
      const s = options.files.scenarios.find((x) => x.scenario === ref.scenario);
      if (!s) throw new Error(`internal: no scenario ${ref.scenario} in ${options.files.project}`);
      const bucket = { region: s.infra.region, bucket: s.infra.bucket };
      const key = runRecordKey(`${s.infra.prefix ?? ""}${options.files.project}/${s.scenario}`);
      const text = await options.source.readCurrent(bucket, key);
      if (text === undefined) return { note: "no run recorded" };
      const record = parseRunRecord(text);
      if (record?.stopped) return { note: `its last run was stopped ${record.stopped.at}` };
      await options.stop(s);
      return { note: "its run stopped, as `modelfleet stop` does" };
    },
  };
}
