// The Node version check: the range logic as a pure function, and what a person on this
// machine's own Node 20 (/usr/bin/node) meets when running the command, the demo or the tests.
import { spawnSync } from "node:child_process";
import { copyFile, cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeVersionProblem, requiredNodeRange, satisfiesNodeRange } from "../bin/check-node.js";
import { REPO } from "./helpers/project.ts";

/** The Node this machine ships, older than the project needs. */
const NODE_20 = "/usr/bin/node";
/** Its version, as it reports it: "20.20.2". */
const VERSION_20 = spawnSync(NODE_20, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
const needs = (version: string) =>
  `modelfleet needs Node.js >=22.18, but this is Node ${version} at /usr/bin/node: install Node 24 ` +
  "(https://nodejs.org, or `nvm install 24`), put it first on your PATH, and run the command again.";
const NEEDS = needs(VERSION_20);

describe("satisfiesNodeRange", () => {
  it("accepts the versions npm accepts for >=22.18", () => {
    for (const v of ["22.18.0", "v22.18.0", "22.19.3", "23.6.0", "24.0.0", "25.0.0-nightly20250101"]) {
      expect(satisfiesNodeRange(v, ">=22.18"), v).toBe(true);
    }
  });
  it("refuses older versions, and a pre-release of the first accepted one", () => {
    for (const v of ["20.20.2", "22.17.9", "21.99.0", "18.0.0", "22.18.0-rc.1"]) {
      expect(satisfiesNodeRange(v, ">=22.18"), v).toBe(false);
    }
  });
  it("reads whole, partial and alternative ranges", () => {
    expect(satisfiesNodeRange("22.0.0", ">=22")).toBe(true);
    expect(satisfiesNodeRange("22.5.1", ">=22.5.1")).toBe(true);
    expect(satisfiesNodeRange("22.5.0", ">=22.5.1")).toBe(false);
    expect(satisfiesNodeRange("20.19.0", ">=22.18 || >=20.19 ")).toBe(true);
  });
  it("refuses a range it cannot read instead of guessing", () => {
    expect(() => satisfiesNodeRange("24.0.0", "^22.18")).toThrow(
      'package.json engines.node "^22.18": only ">=X.Y.Z" ranges (joined by "||") are understood; write it that way',
    );
    expect(() => satisfiesNodeRange("next", ">=22")).toThrow('cannot read the Node version "next"');
  });
  it("reads package.json's engines.node, which accepts the Node running these tests", async () => {
    const pkg = JSON.parse(await readFile(join(REPO, "package.json"), "utf8"));
    expect(requiredNodeRange()).toBe(pkg.engines.node);
    expect(satisfiesNodeRange(process.versions.node, requiredNodeRange())).toBe(true);
  });
});

describe("nodeVersionProblem", () => {
  it("says which Node is needed, which one this is, and how to get the right one", () => {
    expect(nodeVersionProblem("20.20.2", ">=22.18", "/usr/bin/node")).toBe(needs("20.20.2"));
    expect(nodeVersionProblem("24.1.0", ">=22.18", "/usr/bin/node")).toBeUndefined();
  });
});

describe("bin/modelfleet.js", () => {
  it("says how to build the compiled command when dist/ is missing, rather than a stack trace", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mf-bin-"));
    try {
      await cp(join(REPO, "bin"), join(dir, "bin"), { recursive: true });
      await copyFile(join(REPO, "package.json"), join(dir, "package.json"));
      const r = spawnSync(process.execPath, [join(dir, "bin", "modelfleet.js"), "--version"], {
        encoding: "utf8",
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        "modelfleet: the compiled command is missing (dist/cli/bin.js): run `npm run build` in the modelfleet folder, or run the sources there with `npm run modelfleet -- <command>`.\n",
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("on this machine's Node 20", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-node20-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** PATH with Node 20 first, as on a machine that has only the system's Node. */
  const env20 = () => ({ ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ""}` });

  it("is Node 20", () => {
    expect(VERSION_20).toMatch(/^20\.\d+\.\d+$/);
  });
  it("the installed command says which Node it needs, in one sentence, before loading anything", () => {
    const r = spawnSync(NODE_20, [join(REPO, "bin", "modelfleet.js"), "--version"], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`${NEEDS}\n`);
  });
  it("npm run demo stops at once with the same sentence", () => {
    const r = spawnSync("npm", ["run", "--silent", "demo"], { cwd: REPO, env: env20(), encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${NEEDS}\n`);
  });
  it("every script that runs the sources or the tests checks first (npm test on Node 20 would recurse here)", async () => {
    const { scripts } = JSON.parse(await readFile(join(REPO, "package.json"), "utf8"));
    for (const name of ["demo", "test", "test:unit", "modelfleet"]) {
      expect(scripts[name], name).toMatch(/^node bin\/check-node\.js && /);
    }
  });
  it("npm ci refuses to install (engine-strict), naming the Node required", async () => {
    for (const f of ["package.json", "package-lock.json", ".npmrc"])
      await copyFile(join(REPO, f), join(dir, f));
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--offline"], {
      cwd: dir,
      env: env20(),
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("npm error code EBADENGINE");
    expect(r.stderr).toContain('Required: {"node":">=22.18"}');
  });
});
