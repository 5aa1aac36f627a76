// Our own files are UTF-8 text: a project file, an id list or an ensemble CSV holding a byte
// that is not UTF-8 is refused with its file, line and column, never silently altered.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../src/spec/diagnostics.ts";
import { validateSpecFile } from "../src/spec/load.ts";

const SPECS = join(import.meta.dirname, "specs", "basic");
const NOT_UTF8 =
  "is not valid UTF-8 (the file looks like Latin-1 or Windows-1252); save it as UTF-8 (in most editors: Save with Encoding, UTF-8)";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-enc-"));
  await cp(SPECS, dir, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = async () =>
  (await readFile(join(SPECS, "base.yaml"), "utf8")).replace(/^# yaml-language-server.*\n/, "");
const messages = async (file: string) => (await validateSpecFile(file)).diagnostics.map(formatDiagnostic);

describe("files that must be UTF-8", () => {
  it("a project file with a Latin-1 byte is refused at that byte", async () => {
    const file = join(dir, "p.yaml");
    const text = (await base()).replace("scenario: base", "scenario: base\ndescription: caf\xe9 au lait");
    await writeFile(file, Buffer.from(text, "latin1"));
    expect(await messages(file)).toEqual([`${file}:3:17: byte 0xE9 ${NOT_UTF8}`]);
  });

  it("an id list with a Latin-1 byte is refused at its line", async () => {
    const file = join(dir, "p.yaml");
    await writeFile(file, await base());
    await writeFile(join(dir, "ids.txt"), Buffer.from("1\n2\n3  # r\xe9el\n", "latin1"));
    expect(await messages(file)).toEqual([
      `${join(dir, "ids.txt")}:3:1: \`parameters.ids\` (${file}:15:8): column 7: byte 0xE9 ${NOT_UTF8}`,
    ]);
  });

  it("an ensemble CSV with a Latin-1 byte is refused at its line", async () => {
    const file = join(dir, "p.yaml");
    await writeFile(file, (await base()).replace(/par_files: .*\n {2}ids: ids.txt/, "csv: ens.csv"));
    await writeFile(join(dir, "ens.csv"), Buffer.from("real_name,hk1,rch\nr1,1,2\nd\xe9but,3,4\n", "latin1"));
    expect(await messages(file)).toEqual([
      `${join(dir, "ens.csv")}:3:1: \`parameters.csv\` (${file}:14:8): column 2: byte 0xE9 ${NOT_UTF8}`,
    ]);
  });

  it("UTF-8 text, a byte-order mark included, is read as written", async () => {
    const file = join(dir, "p.yaml");
    const text = (await base()).replace("scenario: base", "scenario: base\ndescription: café — Grundwasser");
    await writeFile(file, `\uFEFF${text}`);
    const v = await validateSpecFile(file);
    expect(v.diagnostics).toEqual([]);
    expect(v.resolved!.spec.description).toBe("café — Grundwasser");
  });
});
