// The benchmark cases, written once into the system's temporary folder and reused by later runs
// (a case of 10,000 realisations takes a while to write): a folder per set of options.
import { createHash } from "node:crypto";
import { access, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Mf6Case, type Mf6CaseOptions, writeMf6Case } from "./mf6-case.ts";

const VERSION = 3;

/** The case for these options, written if it is not there yet. */
export async function cachedMf6Case(options: Omit<Mf6CaseOptions, "dir">): Promise<Mf6Case> {
  const source = await readFile(join(import.meta.dirname, "mf6-case.ts"));
  const hash = createHash("sha256")
    .update(JSON.stringify({ VERSION, options }))
    .update(source)
    .digest("hex")
    .slice(0, 12);
  const dir = join(tmpdir(), `modelfleet-bench-mf6-${hash}`);
  const done = join(dir, "case.json");
  try {
    await access(done);
    return JSON.parse(await readFile(done, "utf8")) as Mf6Case;
  } catch {
    await rm(dir, { recursive: true, force: true });
    const made = await writeMf6Case({ ...options, dir });
    await writeFile(done, JSON.stringify(made));
    return made;
  }
}
