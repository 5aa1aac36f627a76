import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../../test/helpers/wait.ts";
import { createTrash, removeLeftoverTrash } from "./trash.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "mf-trash-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function folder(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await writeFile(join(dir, "big.out"), "x".repeat(1024));
  return dir;
}

describe("the trash", () => {
  it("deletes a discarded folder promptly, without waiting for a batch to fill or the run to end", async () => {
    const trash = createTrash(root);
    await trash.discard(await folder("1-a1"));
    expect(await readdir(root)).not.toContain("1-a1");
    // Nothing left in any folder (an empty one is made ahead for the next batch). A listing
    // taken while `rm -rf` runs can fail on a folder it has just removed.
    await waitFor("the folder to be deleted", async () => {
      const left = await readdir(root, { recursive: true }).catch(() => ["still/deleting"]);
      return left.some((p) => p.includes(sep)) ? undefined : true;
    });
    await trash.drain();
    expect(await readdir(root)).toEqual([]);
  });

  it("removes the trash a killed run left behind", async () => {
    await mkdir(join(root, ".trash-12345-0", "7"), { recursive: true });
    await mkdir(join(root, "kept-a1"));
    await removeLeftoverTrash(root);
    expect(await readdir(root)).toEqual(["kept-a1"]);
  });
});
