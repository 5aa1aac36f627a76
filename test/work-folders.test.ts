// Work folders used again: whatever a model does to its folder, the next realisation in it sees
// exactly the model folder plus its templates. Real processes through the local engine.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runLocal } from "../src/engine/local-run.ts";
import { listingOf, REALISATIONS, vandalProject } from "./helpers/vandal-project.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("work folders used again", () => {
  it("show every realisation exactly the model folder plus its templates, whatever the one before did", async () => {
    const made = await vandalProject();
    dir = made.dir;
    const spec = made.spec;
    const results = join(dir!, ".results");
    const run = await runLocal({
      specFile: spec,
      resultsRoot: results,
      workRoot: join(dir!, ".work"),
      workers: 2,
      report: false,
    });
    expect(run.engine).toMatchObject({ ok: REALISATIONS, failed: 0 });
    const realisations = join(run.location, "realisations");
    const kept = async (id: string, name: string) => {
      const r = run.results.find((x) => x.id === id)!;
      const f = r.files.find((x) => x.path === name)!;
      return readFile(join(realisations, id, ...f.stored!.split("/")), "utf8");
    };
    const folders = new Set<string>();
    for (let i = 1; i <= REALISATIONS; i++) {
      const id = `r${i}`;
      expect(run.results.find((r) => r.id === id)!.observations).toEqual({ y: 2 * i });
      const listing = await kept(id, "listing.txt");
      // The model folder's files and folders as they are, its template written for this x,
      // and nothing else: no output of an earlier realisation or of the model folder.
      const model = await listingOf(join(dir!, "model"), { x: i });
      expect(listing, id).toBe(model);
      folders.add((await kept(id, "where.txt")).trim());
    }
    // Folders were used again (two workers, each with one prepared ahead).
    expect(folders.size).toBeLessThan(REALISATIONS);
  });
});
