// The demo as a starting point: a copy of projects/demo made anywhere, outside this checkout,
// is a complete project (validate and run work on it), and its parameter sets are what
// scripts/make-demo-params.ts draws.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIO } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { REPO } from "./helpers/project.ts";

const DEMO = join(REPO, "projects", "demo");
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-demo-copy-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function files(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

async function cli(...args: string[]) {
  const io = memoryIO(dir);
  const code = await main(args, io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

describe("a copy of projects/demo outside the checkout", () => {
  it("holds no tests and nothing that reaches into this checkout", async () => {
    for (const f of await files(DEMO)) {
      expect(f).not.toMatch(/\.test\.[cm]?[jt]s$/);
      if (/\.[cm]?[jt]s$/.test(f))
        expect(await readFile(join(DEMO, f), "utf8"), f).not.toMatch(/\.\.\/\.\.\//);
    }
  });

  it("validates and runs", async () => {
    const copy = join(dir, "my-model");
    await cp(DEMO, copy, { recursive: true });
    let r = await cli("validate", join(copy, "base.yaml"));
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("demo/base, 200 realisations, 1 template(s), 23 observations");
    r = await cli(
      "run",
      join(copy, "base.yaml"),
      "--ids",
      "1-3",
      "--results",
      join(dir, "results"),
      "--work-dir",
      join(dir, "work"),
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok\s+3/);
    expect(await readFile(join(dir, "results", "demo", "base", "report.html"), "utf8")).toContain("h_w3 (m)");
  });
});

describe("scripts/make-demo-params.ts", () => {
  it("draws the demo's parameter sets and id list, byte for byte", async () => {
    await promisify(execFile)(process.execPath, [join(REPO, "scripts", "make-demo-params.ts"), dir]);
    const written = (await files(dir)).sort();
    expect(written).toHaveLength(201);
    for (const f of written) {
      expect(await readFile(join(dir, f), "utf8"), f).toBe(await readFile(join(DEMO, f), "utf8"));
    }
  });
});
