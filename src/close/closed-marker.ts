// A closed project is marked in the repository: `projects/<project>/closed.json`, beside its
// project files, says when it was closed and where its backup is. Nothing runs a closed
// project again (`modelfleet run` refuses its files) and the infrastructure synthesis leaves it
// out, so a later push cannot recreate its buckets or services by accident.
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { errorMessage, UserError } from "../errors.ts";

export const CLOSED_FILE = "closed.json";

export interface ClosedMarker {
  readonly schema: 1;
  readonly project: string;
  /** ISO 8601. */
  readonly closedAt: string;
  /** Where the backup is (its folder), and its manifest. */
  readonly archive: string;
  readonly manifest: string;
  readonly manifestSha256: string;
  readonly counts: {
    readonly objects: number;
    readonly bytes: number;
    readonly images: number;
    readonly buckets: number;
    readonly stacks: number;
  };
  readonly by: string;
}

/** The marker in a project folder, or undefined when the project is not closed. */
export async function readClosedMarker(projectDir: string): Promise<ClosedMarker | undefined> {
  const file = join(projectDir, CLOSED_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<ClosedMarker>;
    if (v.schema === 1 && typeof v.project === "string" && typeof v.closedAt === "string")
      return v as ClosedMarker;
  } catch (e) {
    throw new UserError(
      `${file}: not a closed-project marker (${errorMessage(e)}); restore it from the repository's history`,
    );
  }
  throw new UserError(
    `${file}: not a closed-project marker (schema 1 with project and closedAt); restore it from the repository's history`,
  );
}

export async function writeClosedMarker(projectDir: string, marker: ClosedMarker): Promise<string> {
  const file = join(projectDir, CLOSED_FILE);
  await writeFile(file, `${JSON.stringify(marker, null, 2)}\n`);
  return file;
}

/** Refuses to run a project file whose folder holds the closed marker. */
export async function refuseClosedProject(specFile: string): Promise<void> {
  const marker = await readClosedMarker(dirname(specFile));
  if (!marker) return;
  throw new UserError(
    `${specFile}: project ${marker.project} was closed on ${marker.closedAt} (${join(dirname(specFile), CLOSED_FILE)}): its cloud resources are destroyed and its results are kept in ${marker.archive}; nothing of it runs again. To work on it again, start a new project from these files under another name.`,
  );
}
