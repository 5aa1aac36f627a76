// The reference programs (pestpp-ies, mf6) the tests run: from ../shared/tools/bin beside the
// checkout (where CI has them), else from PATH. Absent, the tests that need them say so.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { REPO } from "./project.ts";

export function findTool(name: string): string | undefined {
  for (const dir of [
    join(REPO, "..", "shared", "tools", "bin"),
    ...(process.env.PATH ?? "").split(delimiter),
  ]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The describe title for tests that need `name`: says plainly when it is absent (and they skip). */
export function needs(name: string, path: string | undefined): string {
  return path
    ? `(with ${name} at ${path})`
    : `SKIPPED: ${name} not found in ../shared/tools/bin or on PATH; these tests did not run`;
}
