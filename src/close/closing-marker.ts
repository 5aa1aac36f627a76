// A project being closed is frozen: `<prefix><project>/closing.json` in each of its buckets says
// since when and by whom. `modelfleet run --executor ecs` reads it once it holds its run set's
// lock and refuses, so no run starts between the freeze and the destroy (the close stops the
// runs going on with the same lock and run record as `modelfleet stop`). The marker is not
// backed up; it goes with the buckets. Delete it by hand to unfreeze a project whose close
// was abandoned.
import { UserError } from "../errors.ts";

export const CLOSING_FILE = "closing.json";

export interface ClosingMarker {
  readonly schema: 1;
  readonly project: string;
  /** ISO 8601. */
  readonly since: string;
  readonly by: string;
  /** Where the backup goes. */
  readonly archive: string;
}

/** The marker's key in a project bucket whose results live under `prefix`. */
export function closingKey(prefix: string, project: string): string {
  return `${prefix}${project}/${CLOSING_FILE}`;
}

export function closingMarkerText(marker: ClosingMarker): string {
  return `${JSON.stringify(marker, null, 2)}\n`;
}

/** Refuses to start a run of a project whose bucket holds the marker. */
export async function refuseClosingProject(options: {
  /** Reads an object of the run set's bucket (undefined when there is none). */
  readonly read: (key: string) => Promise<string | undefined>;
  readonly prefix: string;
  readonly project: string;
  readonly bucket: string;
}): Promise<void> {
  const key = closingKey(options.prefix, options.project);
  const text = await options.read(key);
  if (text === undefined) return;
  let since = "an earlier time";
  let by = "modelfleet close";
  try {
    const v = JSON.parse(text) as Partial<ClosingMarker>;
    if (typeof v.since === "string") since = v.since;
    if (typeof v.by === "string") by = v.by;
  } catch {
    // An unreadable marker still freezes the project.
  }
  throw new UserError(
    `project ${options.project} is being closed (since ${since}, by \`${by}\`): no new run starts. If that close was abandoned and the project should run again, delete s3://${options.bucket}/${key}.`,
  );
}
