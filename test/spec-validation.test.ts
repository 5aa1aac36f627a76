// End-to-end validation of the project files under test/specs: what a user sees.
import { cp, lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { memoryIO } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { ID_RULE } from "../src/params/ids.ts";
import { bundleExclusions, hashModelBundle } from "../src/plan/bundle.ts";
import { createBundleArchive, extractBundleArchive } from "../src/plan/bundle-archive.ts";
import { formatDiagnostic } from "../src/spec/diagnostics.ts";
import { MAX_DURATION_SECONDS } from "../src/spec/duration.ts";
import { loadSpec, MAX_SPEC_BYTES, SpecError, validateSpecFile } from "../src/spec/load.ts";
import { projectRoot } from "../src/spec/project-files.ts";

const SPECS = join(import.meta.dirname, "specs", "basic");

const base = (await readFile(join(SPECS, "base.yaml"), "utf8")).replace(/^# yaml-language-server.*\n/, "");

const messages = async (file: string) => (await validateSpecFile(file)).diagnostics.map(formatDiagnostic);

describe("a valid spec", () => {
  it("validates and resolves its files and parameter sets", async () => {
    const spec = await loadSpec(join(SPECS, "base.yaml"));
    expect(spec.spec.project).toBe("basic");
    expect(spec.spec.model.timeout).toBe(30);
    expect(spec.spec.retries).toEqual({ infrastructure: 3, model: 0 });
    expect(spec.templates.map((t) => t.writes)).toEqual(["model.in"]);
    expect(spec.templates[0]!.parsed.parameters).toEqual(["hk1", "rch"]);
    expect(spec.observations).toEqual(["h_w1", "h_w2"]);
    expect(spec.realisations.realisations.map((r) => r.id)).toEqual(["1", "2", "3"]);
    expect(spec.realisations.realisations[1]!.values.get("hk1")).toBe(10.5);
    expect(spec.realisations.realisations[2]!.values.get("rch")).toBeCloseTo(1e-3);
  });

  it("`modelfleet validate` says ok and exits 0", async () => {
    const io = memoryIO(SPECS);
    expect(await main(["validate", join(SPECS, "base.yaml")], io)).toBe(0);
    expect(io.stdout.join("\n")).toMatch(/ok .*basic\/base, 3 realisations, 1 template\(s\), 2 observations/);
  });
});

describe("schema problems", () => {
  it("reports every problem in a file at once, each with line, column, key and fix", async () => {
    const found = await messages(join(SPECS, "typos.yaml"));
    const file = join(SPECS, "typos.yaml");
    expect(found).toContain(
      `${file}:5:3: \`model.comand\`: unknown key \`comand\`; did you mean \`command\`?`,
    );
    // the missing `command` follows from the misspelling: it is not a second problem
    expect(found.filter((f) => f.includes("missing required key `command`"))).toEqual([]);
    expect(found).toContain(
      `${file}:6:12: \`model.timeout\`: expected a duration such as "90s", "10m", "1h30m" or a number of seconds`,
    );
    expect(found).toContain(
      `${file}:8:33: \`model.templates[0].write\`: unknown key \`write\`; did you mean \`writes\`?`,
    );
    expect(found).toContain(`${file}:12:19: \`resources.cpu\`: expected 0.25, 0.5, 1, 2, 4, 8 or 16, got 3`);
    expect(found[0]).toContain(":5:3:"); // sorted by position
    expect(found).toHaveLength(4);
  });

  it("`modelfleet validate` lists every problem and exits 1", async () => {
    const io = memoryIO(SPECS);
    expect(await main(["validate", join(SPECS, "base.yaml"), join(SPECS, "typos.yaml")], io)).toBe(1);
    expect(io.stdout.join("\n")).toContain("basic/base");
    expect(io.stderr[0]).toMatch(/typos\.yaml: \d+ problems/);
    expect(io.stderr.join("\n")).toContain("did you mean `command`?");
  });

  it("--json gives machine-readable problems", async () => {
    const io = memoryIO(SPECS);
    await main(["validate", "--json", join(SPECS, "typos.yaml")], io);
    const parsed = JSON.parse(io.stdout.join(""));
    expect(parsed[0].valid).toBe(false);
    expect(parsed[0].problems[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
  });
});

describe("reference problems", () => {
  it("names missing files, escapes, missing par files and unknown observations", async () => {
    const file = join(SPECS, "broken-refs.yaml");
    const found = await messages(file);
    expect(found).toContain(
      `${file}:7:41: \`model.templates[0].writes\`: "../outside.in" is not inside the work directory; give a path relative to the model folder, without \`..\``,
    );
    expect(found).toContain(
      `${file}:8:19: \`model.templates[1].template\`: template file "missing.tpl" not found in the model folder; check the name (relative to model.dir "model")`,
    );
    expect(found).toContain(
      `${file}:13:8: \`parameters.ids\`: 2 ids 4 (params/param4.par), 5 (params/param5.par) have no par file; add the files, or remove the ids from the list`,
    );
    expect(found).toContain(
      `${file}:15:20: \`alerts[0].observation\`: observation \`h_w9\` is not read by any instruction file; did you mean \`h_w1\`?`,
    );
    expect(found.some((m) => m.includes("alerts[1]"))).toBe(false);
  });
});

describe("specs built in a temp folder", () => {
  let dir: string;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function project(yaml: string, edit?: (dir: string) => Promise<void>) {
    dir = await mkdtemp(join(tmpdir(), "mf-spec-"));
    await cp(SPECS, dir, { recursive: true });
    await edit?.(dir);
    await writeFile(join(dir, "p.yaml"), yaml);
    return join(dir, "p.yaml");
  }

  it("a parameter the template uses but a par file lacks", async () => {
    const file = await project(base, async (d) =>
      writeFile(join(d, "params", "param2.par"), "single point\nhk1 3 1 0\n"),
    );
    const found = await messages(file);
    expect(found.join("\n")).toContain(
      "parameter `rch` used in model/model.in.tpl is missing from parameter set(s) 2",
    );
  });

  it("a value that cannot fit its template field", async () => {
    const file = await project(base, async (d) => {
      await writeFile(
        join(d, "model", "model.in.tpl"),
        "ptf ~\nhk1  ~ hk1            ~\nrch  ~ rch            ~\nhk1b ~hk1 ~\n",
      );
      await writeFile(join(d, "params", "param3.par"), "single point\nhk1 -1.5e-300 1 0\nrch 1 1 0\n");
    });
    const found = (await messages(file)).join("\n");
    expect(found).toContain(
      "`model.templates[0].template`: value -1.5e-300 of `hk1` (parameter set 3) does not fit the 6-character field at model/model.in.tpl:4",
    );
    expect(found).toContain("widen the field");
  });

  it("a bad par file is reported at its own line", async () => {
    const file = await project(base, async (d) =>
      writeFile(join(d, "params", "param1.par"), "single point\nhk1 abc 1 0\nrch 1 1 0\n"),
    );
    const found = await messages(file);
    expect(
      found.some((m) =>
        m.startsWith(`${join(dir, "params", "param1.par")}:2:1: \`parameters.par_files\` (${file}:14:14):`),
      ),
    ).toBe(true);
  });

  it("an id list that repeats an id", async () => {
    const file = await project(base, async (d) => writeFile(join(d, "ids.txt"), "1\n2\n1\n"));
    expect(await messages(file)).toContain(
      `${join(dir, "ids.txt")}:3:1: \`parameters.ids\` (${file}:15:8): id 1 is listed again (first on line 1)`,
    );
  });

  it("absolute paths need allow_external_paths", async () => {
    const file = await project(base.replace("dir: model", "dir: /tmp"));
    expect((await messages(file)).join("\n")).toContain('`model.dir`: "/tmp" is an absolute path');
  });

  it("an observation read by two instruction files", async () => {
    const file = await project(
      base.replace(
        "- { file: heads.ins, reads: heads.out }",
        "- { file: heads.ins, reads: heads.out }\n    - { file: heads2.ins, reads: heads.out }",
      ),
      async (d) => writeFile(join(d, "model", "heads2.ins"), "pif @\n@HEADS@\nl1 !h_w2!\n"),
    );
    expect((await messages(file)).join("\n")).toContain("observation `h_w2` is also read by model/heads.ins");
  });

  it("YAML syntax errors are located", async () => {
    const file = await project("project: a\nmodel: [unclosed\n");
    const found = await messages(file);
    expect(found[0]).toMatch(/p\.yaml:\d+:\d+: YAML syntax:/);
  });

  it("a single-string command without shell", async () => {
    const file = await project(
      base.replace("command: [node, echo.mjs, model.in]", "command: node echo.mjs model.in"),
    );
    expect((await messages(file)).join("\n")).toContain(
      '`model.command`: expected a list of arguments, such as ["node", "echo.mjs", "model.in"]; a single string runs only with `shell: true`',
    );
  });

  it("two parameter sources at once", async () => {
    const file = await project(base.replace("ids: ids.txt", "ids: ids.txt\n  csv: e.csv"));
    expect((await messages(file)).join("\n")).toContain("one parameter source, not `par_files` and `csv`");
  });

  it("sampling from priors yields reproducible realisations", async () => {
    const file = await project(
      base.replace(
        /parameters:[\s\S]*?alerts:/,
        "parameters:\n  sample:\n    n: 20\n    seed: 3\n    priors:\n      hk1: { loguniform: [1, 10] }\n      rch: { normal: [0.001, 0.0002], bounds: [0, 0.01] }\nalerts:",
      ),
    );
    const a = await loadSpec(file);
    const b = await loadSpec(file);
    expect(a.realisations.realisations).toHaveLength(20);
    expect([...a.realisations.realisations[7]!.values]).toEqual([...b.realisations.realisations[7]!.values]);
  });

  it("loadSpec throws a SpecError carrying every diagnostic", async () => {
    const file = await project(base.replace("scenario: base", "scenario: Base_1"));
    await expect(loadSpec(file)).rejects.toBeInstanceOf(SpecError);
    await expect(loadSpec(file)).rejects.toThrow(
      "`scenario`: expected lower-case letters, digits and hyphens",
    );
  });
});

// ---------------------------------------------------------------------------------------
// Inputs that must be refused at validation, located, rather than pass and fail later.

const temps: string[] = [];
afterEach(async () => {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A copy of test/specs/basic in a temp folder with `yaml` as p.yaml; `edit` changes files. */
async function tempProject(yaml: string, edit?: (dir: string) => Promise<unknown>) {
  const d = await mkdtemp(join(tmpdir(), "mf-spec-"));
  temps.push(d);
  await cp(SPECS, d, { recursive: true });
  await edit?.(d);
  await writeFile(join(d, "p.yaml"), yaml);
  return { dir: d, file: join(d, "p.yaml") };
}

async function cli(args: string[], cwd: string) {
  const io = memoryIO(cwd);
  const code = await main(args, io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

const csvBase = base.replace("par_files: params/param{id}.par\n  ids: ids.txt", "csv: ensemble.csv");

describe("realisation ids", () => {
  it("an id list file: every id that is not a safe folder name, at its line, with the rule", async () => {
    const { dir, file } = await tempProject(base, (d) =>
      writeFile(join(d, "ids.txt"), "1\n..\n2\na/b\nrun\\1\n.\n"),
    );
    const found = await messages(file);
    const at = (line: number) => `${join(dir, "ids.txt")}:${line}:1: \`parameters.ids\` (${file}:15:8):`;
    expect(found).toContain(`${at(2)} id ".." names a folder, not a realisation; ${ID_RULE}`);
    expect(found).toContain(`${at(4)} id "a/b" contains "/", which is not allowed; ${ID_RULE}`);
    expect(found).toContain(`${at(5)} id "run\\\\1" contains "\\\\", which is not allowed; ${ID_RULE}`);
    expect(found).toContain(`${at(6)} id "." names a folder, not a realisation; ${ID_RULE}`);
    expect(found).toHaveLength(4);
  });

  it("an inline list: the item", async () => {
    const { file } = await tempProject(base.replace("ids: ids.txt", 'ids: [1, "a:1", 2]'));
    expect(await messages(file)).toEqual([
      `${file}:15:12: \`parameters.ids[1]\`: id "a:1" contains ":", which is not allowed; ${ID_RULE}`,
    ]);
  });

  it("ids that differ only in case would share a result folder on macOS and Windows", async () => {
    const { file } = await tempProject(base.replace("ids: ids.txt", "ids: [Run1, run1]"), async (d) => {
      await cp(join(d, "params", "param1.par"), join(d, "params", "paramRun1.par"));
      await cp(join(d, "params", "param1.par"), join(d, "params", "paramrun1.par"));
    });
    expect(await messages(file)).toEqual([
      `${file}:15:15: \`parameters.ids[1]\`: ids "Run1" ([0]) and "run1" differ only in upper/lower case or Unicode normalisation; on macOS and Windows their result folders would be one; rename one of them`,
    ]);
  });

  it("ensemble CSV row names are ids: each bad one at its line", async () => {
    const nfc = "caf\u00e9";
    const nfd = "cafe\u0301";
    const { dir, file } = await tempProject(csvBase, (d) =>
      writeFile(
        join(d, "ensemble.csv"),
        `real_name,hk1,rch\nr1,1,0.1\n..,1,0.1\na/b,1,0.1\n${nfc},1,0.1\n${nfd},1,0.1\n`,
      ),
    );
    const found = await messages(file);
    const at = (line: number) => `${join(dir, "ensemble.csv")}:${line}:1: \`parameters.csv\` (${file}:14:8):`;
    expect(found).toEqual([
      `${at(3)} id ".." names a folder, not a realisation; ${ID_RULE}`,
      `${at(4)} id "a/b" contains "/", which is not allowed; ${ID_RULE}`,
      `${at(6)} ids "${nfc}" (line 5) and "${nfd}" differ only in upper/lower case or Unicode normalisation; on macOS and Windows their result folders would be one; rename one of them`,
    ]);
  });

  it("CSV rows that differ only in case are not said to appear twice", async () => {
    const { dir, file } = await tempProject(csvBase, (d) =>
      writeFile(join(d, "ensemble.csv"), "real_name,hk1,rch\nRun1,1,0.1\nrun1,1,0.1\nrun1,2,0.2\n"),
    );
    const at = (line: number) => `${join(dir, "ensemble.csv")}:${line}:1: \`parameters.csv\` (${file}:14:8):`;
    expect(await messages(file)).toEqual([
      `${at(4)} realisation "run1" appears twice (also on line 3)`,
      `${at(3)} ids "Run1" (line 2) and "run1" differ only in upper/lower case or Unicode normalisation; on macOS and Windows their result folders would be one; rename one of them`,
    ]);
  });

  it("`plan` and `run` refuse such a spec with the located problem, exit 1", async () => {
    const { dir, file } = await tempProject(base, (d) => writeFile(join(d, "ids.txt"), "1\n..\n"));
    const expected = `${join(dir, "ids.txt")}:2:1: \`parameters.ids\` (${file}:15:8): id ".." names a folder`;
    const plan = await cli(["plan", file, "--results", join(dir, "r")], dir);
    expect(plan.code).toBe(1);
    expect(plan.err).toContain(expected);
    const run = await cli(["run", file, "--results", join(dir, "r"), "--work-dir", join(dir, "w")], dir);
    expect(run.code).toBe(1);
    expect(run.err).toContain(expected);
  });
});

describe("model.env and command", () => {
  it("refuses environment names with = or nothing in them, and NUL bytes anywhere", async () => {
    const { file } = await tempProject(
      base.replace("  timeout: 30s", '  timeout: 30s\n  env: { "A=B": "1", "": "2", GOOD: "a\\0b" }'),
    );
    expect(await messages(file)).toEqual([
      `${file}:7:10: \`model.env["A=B"]\`: expected an environment variable name without "=" or NUL bytes, got "A=B"`,
      `${file}:7:22: \`model.env[""]\`: expected an environment variable name without "=" or NUL bytes, got ""`,
      `${file}:7:37: \`model.env.GOOD\`: expected a value without NUL bytes (\\0): the operating system cannot pass one`,
    ]);
  });

  it("refuses a value too large to pass, and too much in all, with the fix", async () => {
    const big = "x".repeat(140_000);
    const { file } = await tempProject(
      base.replace("  timeout: 30s", `  timeout: 30s\n  env: { BIG: ${big} }`),
    );
    expect(await messages(file)).toEqual([
      `${file}:7:15: \`model.env.BIG\`: expected a variable (NAME=value) of at most 32,767 bytes, got 140,004 bytes; pass large data through a file in the model folder (the model reads it from its work folder), and its name in the variable`,
    ]);
    const vars = Array.from({ length: 5 }, (_, i) => `V${i}: ${"y".repeat(30_000)}`).join(", ");
    const many = await tempProject(base.replace("  timeout: 30s", `  timeout: 30s\n  env: { ${vars} }`));
    expect(await messages(many.file)).toEqual([
      `${many.file}:7:8: \`model.env\`: expected at most 131,072 bytes of variables in all, got 150,020 bytes; pass large data through a file in the model folder (the model reads it from its work folder), and its name in the variable`,
    ]);
    const fits = await tempProject(
      base.replace("  timeout: 30s", `  timeout: 30s\n  env: { OK: ${"z".repeat(32_764)} }`),
    );
    expect(await messages(fits.file)).toEqual([]);
  });

  it("a bad item in `command` is located at the item", async () => {
    const { file } = await tempProject(
      base.replace("command: [node, echo.mjs, model.in]", 'command: [node, "", "a\\0b"]'),
    );
    expect(await messages(file)).toEqual([
      `${file}:5:19: \`model.command[1]\`: expected a non-empty string`,
      `${file}:5:23: \`model.command[2]\`: expected an argument without NUL bytes (\\0)`,
    ]);
  });
});

describe("durations", () => {
  it(`are at most ${MAX_DURATION_SECONDS / 86400} days, and the message says so`, async () => {
    const { file } = await tempProject(
      `${base.replace("timeout: 30s", "timeout: 31d")}cloud: { idle_timeout: 99999999999 }\n`,
    );
    expect(await messages(file)).toEqual([
      `${file}:6:12: \`model.timeout\`: expected a duration of at most 30d (30 days), got 31d`,
      `${file}:18:24: \`cloud.idle_timeout\`: expected a duration of at most 30d (30 days), got 99999999999 seconds (1157407d9h46m39s)`,
    ]);
    // Just past the limit: the value as written, not rounded back onto the limit.
    const over = await tempProject(base.replace("timeout: 30s", "timeout: 30d1s"));
    expect(await messages(over.file)).toEqual([
      `${over.file}:6:12: \`model.timeout\`: expected a duration of at most 30d (30 days), got 30d1s`,
    ]);
    const ok = await tempProject(base.replace("timeout: 30s", "timeout: 25d"));
    expect(await messages(ok.file)).toEqual([]);
    expect((await loadSpec(ok.file)).spec.model.timeout).toBe(25 * 86400);
  });
});

describe("schema and YAML problems, each located with its fix", () => {
  it("40,000 unknown keys: the first ten, then a count (the checks are linear)", async () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `extra_${i}: ${i}`).join("\n");
    const { file } = await tempProject(`${base}${keys}\n`);
    const found = await messages(file);
    expect(found).toHaveLength(11);
    expect(found[0]).toMatch(
      /:18:1: `extra_0`: unknown key `extra_0`; expected one of `\$schema`, `project`/,
    );
    expect(found[10]).toBe(`${file}:28:1: and 39990 more unknown keys from here on`);
  });

  it("a key given twice is reported at the second", async () => {
    const { file } = await tempProject(base.replace("scenario: base", "scenario: base\nproject: other"));
    expect(await messages(file)).toEqual([
      `${file}:3:1: YAML: key \`project\` appears twice in one mapping (first on line 1)`,
    ]);
  });

  it("a fraction where a whole number goes says so, with the range", async () => {
    const { file } = await tempProject(`${base}retries: { model: 0.5, infrastructure: -1 }\n`);
    expect(await messages(file)).toEqual([
      `${file}:18:19: \`retries.model\`: expected a whole number from 0 to 20, got 0.5`,
      `${file}:18:40: \`retries.infrastructure\`: expected a whole number from 0 to 20, got -1`,
    ]);
  });

  it("`keep` patterns that can never match are refused", async () => {
    const { file } = await tempProject(
      base.replace("keep: [heads.out]", 'keep: ["../../*", "/etc/passw*", "out/../x", "C:\\\\out\\\\*"]'),
    );
    expect(await messages(file)).toEqual([
      `${file}:12:10: \`model.keep[0]\`: expected a pattern inside the work folder, such as "output/*.lst"; "../../*" climbs out with ".." and can never match`,
      `${file}:12:21: \`model.keep[1]\`: expected a pattern relative to the work folder, such as "*.lst"; "/etc/passw*" is absolute and can never match (kept files are files the model wrote in its work folder)`,
      `${file}:12:36: \`model.keep[2]\`: expected a pattern inside the work folder, such as "output/*.lst"; "out/../x" climbs out with ".." and can never match`,
      `${file}:12:48: \`model.keep[3]\`: expected a pattern relative to the work folder, such as "*.lst"; "C:\\out\\*" is absolute and can never match (kept files are files the model wrote in its work folder)`,
    ]);
  });
});

describe("symlinks", () => {
  /** An outside folder with a file and a sub-folder, for links that leave the project. */
  async function outsideFolder() {
    const d = await mkdtemp(join(tmpdir(), "mf-outside-"));
    temps.push(d);
    await writeFile(join(d, "secret.txt"), "not yours\n");
    await mkdir(join(d, "model"));
    await cp(join(SPECS, "model"), join(d, "model"), { recursive: true });
    return d;
  }

  const refused: Array<{
    name: string;
    edit: (d: string, outside: string) => Promise<unknown>;
    yaml?: (y: string) => string;
    expected: (d: string, outside: string) => string;
  }> = [
    {
      name: "a model-folder file linked outside the project",
      edit: (d, o) => symlink(join(o, "secret.txt"), join(d, "model", "host")),
      expected: (_, o) =>
        `:4:8: \`model.dir\`: "host" in the model folder is a symlink to "${join(o, "secret.txt")}", which resolves to "${join(o, "secret.txt")}", outside the project folder; copy the target into the project folder, or set \`allow_external_paths: true\``,
    },
    {
      name: "a broken link in the model folder",
      edit: (d) => symlink("nowhere.dat", join(d, "model", "gone.dat")),
      expected: () =>
        `:4:8: \`model.dir\`: "gone.dat" in the model folder is a broken symlink: its target "nowhere.dat" does not exist; point the link at an existing file, or remove it`,
    },
    {
      name: "a link to the folder that holds it",
      edit: (d) => symlink(".", join(d, "model", "again")),
      expected: () =>
        `:4:8: \`model.dir\`: "again" in the model folder is a symlink to ".", a folder that holds the link itself: a loop`,
    },
    {
      name: "two links pointing at each other",
      edit: async (d) => {
        await symlink("b", join(d, "model", "a"));
        await symlink("a", join(d, "model", "b"));
      },
      expected: () => `:4:8: \`model.dir\`: "a" in the model folder is a symlink loop ("b")`,
    },
    {
      name: "a model folder that is a link to outside",
      edit: (d, o) => symlink(join(o, "model"), join(d, "m2")),
      yaml: (y) => y.replace("dir: model", "dir: m2"),
      expected: (_, o) =>
        `:4:8: \`model.dir\`: "m2" is a symlink to "${join(o, "model")}", which resolves to "${join(o, "model")}", outside the project folder`,
    },
    {
      name: "a par file linked outside",
      edit: async (d, o) => {
        await cp(join(d, "params", "param2.par"), join(o, "p2.par"));
        await rm(join(d, "params", "param2.par"));
        await symlink(join(o, "p2.par"), join(d, "params", "param2.par"));
      },
      expected: (_, o) =>
        `:14:14: \`parameters.par_files\`: "params/param2.par" is a symlink to "${join(o, "p2.par")}", which resolves to "${join(o, "p2.par")}", outside the project folder`,
    },
    {
      name: "a par file that is a link to a folder",
      edit: async (d) => {
        await rm(join(d, "params", "param2.par"));
        await symlink("../model", join(d, "params", "param2.par"));
      },
      expected: () =>
        `:14:14: \`parameters.par_files\`: "params/param2.par" (a symlink to "../model") is a folder, not a file; name a file`,
    },
    {
      name: "a broken par file link",
      edit: async (d) => {
        await rm(join(d, "params", "param2.par"));
        await symlink("old/param2.par", join(d, "params", "param2.par"));
      },
      expected: () =>
        `:14:14: \`parameters.par_files\`: "params/param2.par" is a broken symlink: its target "old/param2.par" does not exist`,
    },
    {
      name: "a template that is a link to a folder",
      edit: async (d) => {
        await rm(join(d, "model", "model.in.tpl"));
        await mkdir(join(d, "model", "tpl"));
        await symlink("tpl", join(d, "model", "model.in.tpl"));
      },
      expected: () =>
        `:8:19: \`model.templates[0].template\`: "model/model.in.tpl" (a symlink to "tpl") is a folder, not a file; name a file`,
    },
    {
      name: "an instruction file linked outside",
      edit: async (d, o) => {
        await rm(join(d, "model", "heads.ins"));
        await symlink(join(o, "model", "heads.ins"), join(d, "model", "heads.ins"));
      },
      expected: (_, o) =>
        `:10:15: \`model.instructions[0].file\`: "model/heads.ins" is a symlink to "${join(o, "model", "heads.ins")}"`,
    },
    {
      name: "an id list that is a link to a folder",
      edit: async (d) => {
        await rm(join(d, "ids.txt"));
        await symlink("params", join(d, "ids.txt"));
      },
      expected: () =>
        `:15:8: \`parameters.ids\`: "ids.txt" (a symlink to "params") is a folder, not a file; name a file`,
    },
    {
      name: "an ensemble CSV linked outside",
      edit: async (d, o) => {
        await writeFile(join(o, "e.csv"), "real_name,hk1,rch\nr1,1,0.1\n");
        await symlink(join(o, "e.csv"), join(d, "ensemble.csv"));
      },
      yaml: () => csvBase,
      expected: (_, o) => `:14:8: \`parameters.csv\`: "ensemble.csv" is a symlink to "${join(o, "e.csv")}"`,
    },
  ];

  it.each(refused)("$name: a located problem in validate; plan and run exit 1 with it", async (c) => {
    const outside = await outsideFolder();
    const { dir, file } = await tempProject((c.yaml ?? ((y) => y))(base), (d) => c.edit(d, outside));
    const expected = `${file}${c.expected(dir, outside)}`;
    expect((await messages(file)).join("\n")).toContain(expected);
    const plan = await cli(["plan", file, "--results", join(dir, "r")], dir);
    expect(plan.err).toContain(expected);
    expect(plan.code).toBe(1);
    const run = await cli(["run", file, "--results", join(dir, "r"), "--work-dir", join(dir, "w")], dir);
    expect(run.err).toContain(expected);
    expect(run.code).toBe(1);
  });

  it("links that stay inside the project are followed: a linked file and folder are copied as their content", async () => {
    // The model fails unless both are regular files with the shared content.
    const check = [
      'import { lstatSync, readFileSync } from "node:fs";',
      'for (const f of ["shared.dat", "data/grid.dat"])',
      '  if (lstatSync(f).isSymbolicLink() || readFileSync(f, "utf8") !== "shared\\n") process.exit(3);',
      'await import("./echo.mjs");',
    ].join("\n");
    const yaml = base.replace(
      "command: [node, echo.mjs, model.in]",
      `command: [${JSON.stringify(process.execPath)}, check.mjs]`,
    );
    const { dir, file } = await tempProject(yaml, async (d) => {
      await mkdir(join(d, "shared"));
      await writeFile(join(d, "shared", "grid.dat"), "shared\n");
      await symlink("../shared/grid.dat", join(d, "model", "shared.dat"));
      await symlink("../shared", join(d, "model", "data"));
      await writeFile(join(d, "ids.txt"), "1\n");
      await writeFile(join(d, "model", "check.mjs"), check);
      await writeFile(join(d, "model", "heads.ins"), "pif @\n@HEADS@\nl1 w !h_w1!\nl1 w !h_w2!\n");
    });
    expect(await messages(file)).toEqual([]);
    const plan = await cli(["plan", file, "--results", join(dir, "r"), "--json"], dir);
    expect(plan.err).toBe("");
    expect(plan.code).toBe(0);
    const bundle = await hashModelBundle(join(dir, "model"), await projectRoot(dir, false));
    expect(bundle.files.map((f) => f.path)).toEqual([
      "check.mjs",
      "data/grid.dat",
      "echo.mjs",
      "heads.ins",
      "model.in.tpl",
      "shared.dat",
    ]);
    expect(bundle.dirs).toEqual(["data"]);
    const run = await cli(
      ["run", file, "--results", join(dir, "r"), "--work-dir", join(dir, "w"), "--json"],
      dir,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ ok: 1, failedModel: 0 });
  });

  it("the cloud bundle holds a linked file as a regular file with its target's content", async () => {
    const { dir } = await tempProject(base, async (d) => {
      await writeFile(join(d, "grid.dat"), "shared\n");
      await symlink("../grid.dat", join(d, "model", "grid.dat"));
    });
    const bundle = await hashModelBundle(join(dir, "model"), await projectRoot(dir, false));
    const archive = await createBundleArchive(bundle, []);
    try {
      const into = join(dir, "extracted");
      await extractBundleArchive(archive.file, into);
      const s = await lstat(join(into, "grid.dat"));
      expect(s.isFile()).toBe(true);
      expect(await readFile(join(into, "grid.dat"), "utf8")).toBe("shared\n");
    } finally {
      await archive.cleanup();
    }
  });

  it("the cloud bundle holds the model folder's empty folders too, as a local work folder does", async () => {
    const { dir } = await tempProject(base, async (d) => {
      await mkdir(join(d, "model", "output", "heads"), { recursive: true });
      await mkdir(join(d, "model", "empty"));
    });
    const bundle = await hashModelBundle(join(dir, "model"), await projectRoot(dir, false));
    const archive = await createBundleArchive(bundle, []);
    try {
      const into = join(dir, "extracted");
      await extractBundleArchive(archive.file, into);
      for (const folder of ["output", "output/heads", "empty"])
        expect((await lstat(join(into, folder))).isDirectory(), folder).toBe(true);
      // A bundle with empty folders is not stored under the name an archive without them had.
      const files = await hashModelBundle(join(dir, "model"), await projectRoot(dir, false));
      const without = await createBundleArchive({ ...files, dirs: [] }, []);
      expect(without.hash).not.toBe(archive.hash);
      await without.cleanup();
    } finally {
      await archive.cleanup();
    }
  });

  it("with allow_external_paths: true, links may lead anywhere", async () => {
    const outside = await outsideFolder();
    const { file } = await tempProject(`${base}allow_external_paths: true\n`, (d) =>
      symlink(join(outside, "secret.txt"), join(d, "model", "host")),
    );
    expect(await messages(file)).toEqual([]);
  });
});

describe("every independent problem in one pass", () => {
  it("a misspelt key does not hide a missing par file or a bad instruction file", async () => {
    const { dir, file } = await tempProject(base.replace("  command:", "  comand:"), async (d) => {
      await rm(join(d, "params", "param2.par"));
      await writeFile(join(d, "model", "heads.ins"), "pif @\n@HEADS@\nl1 !h_w1!\nl1 q !h_w2!\n");
    });
    const found = await messages(file);
    expect(found).toEqual([
      `${file}:5:3: \`model.comand\`: unknown key \`comand\`; did you mean \`command\`?`,
      `${file}:15:8: \`parameters.ids\`: id 2 (params/param2.par) has no par file; add the file, or remove the id from the list`,
      `${join(dir, "model", "heads.ins")}:4:1: \`model.instructions[0].file\` (${file}:10:15): unknown instruction "q": expected lN, w, tN, [name]first:last, (name)first:last, !name!, a marker between marker delimiters, or "&" to continue the previous line`,
    ]);
  });

  it("one bad template entry does not hide a missing file named by another", async () => {
    const { file } = await tempProject(
      base.replace(
        "- { template: model.in.tpl, writes: model.in }",
        "- { template: model.in.tpl, write: model.in }\n    - { template: gone.tpl, writes: other.in }",
      ),
    );
    expect(await messages(file)).toEqual([
      `${file}:8:33: \`model.templates[0].write\`: unknown key \`write\`; did you mean \`writes\`?`,
      `${file}:9:19: \`model.templates[1].template\`: template file "gone.tpl" not found in the model folder; check the name (relative to model.dir "model")`,
    ]);
  });

  it("an unknown instruction does not also make the alerts on its file's observations 'not read'", async () => {
    const { file } = await tempProject(
      `${base}  - { observation: h_w2, statistic: mean, above: 1 }\n  - { observation: h_w3, statistic: mean, above: 1 }\n`,
      (d) => writeFile(join(d, "model", "heads.ins"), "pif @\n@HEADS@\nl1 !h_w1!\nl1 !h_w2!\nl1 zz !h_w3!\n"),
    );
    const found = await messages(file);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(":5:1: `model.instructions[0].file`");
    expect(found[0]).toContain('unknown instruction "zz"');
  });

  it("a par file that does not parse is one problem, not also a parameter missing from its set", async () => {
    const { dir, file } = await tempProject(base, (d) =>
      writeFile(join(d, "params", "param2.par"), "single point\nhk1 5 1\nrch 1 1 0\n"),
    );
    expect(await messages(file)).toEqual([
      `${join(dir, "params", "param2.par")}:2:1: \`parameters.par_files\` (${file}:14:14): expected 4 items (name, value, scale, offset), found 3: "hk1 5 1"`,
    ]);
  });

  it("an id list: every problem, then a count past the first ten", async () => {
    const lines = ["1", ...Array.from({ length: 13 }, (_, i) => `bad/${i}`)];
    const { dir, file } = await tempProject(base, (d) =>
      writeFile(join(d, "ids.txt"), `${lines.join("\n")}\n`),
    );
    const found = await messages(file);
    const ids = join(dir, "ids.txt");
    expect(found).toHaveLength(11);
    expect(found[0]).toBe(
      `${ids}:2:1: \`parameters.ids\` (${file}:15:8): id "bad/0" contains "/", which is not allowed; ${ID_RULE}`,
    );
    expect(found[9]).toContain(`${ids}:11:1:`);
    expect(found[10]).toBe(`${ids}: \`parameters.ids\` (${file}:15:8): and 3 more problems in this file`);
  });

  it("an ensemble CSV: every bad row", async () => {
    const { dir, file } = await tempProject(csvBase, (d) =>
      writeFile(join(d, "ensemble.csv"), "real_name,hk1,rch\nr1,1,0.1\nr2,x,0.1\nr3,1\n,1,2\nr5,1,\n"),
    );
    const at = (line: number) => `${join(dir, "ensemble.csv")}:${line}:1: \`parameters.csv\` (${file}:14:8):`;
    expect(await messages(file)).toEqual([
      `${at(3)} column "hk1" of realisation "r2" "x" is not a number`,
      `${at(4)} expected 3 cells (the realisation name and 2 parameters), found 2`,
      `${at(5)} the realisation name (first cell) is empty`,
      `${at(6)} column "rch" of realisation "r5" is empty`,
    ]);
  });

  it("a template: every bad field", async () => {
    const { dir, file } = await tempProject(base, (d) =>
      writeFile(
        join(d, "model", "model.in.tpl"),
        "ptf ~\nhk1  ~ hk1            ~\nrch  ~ rch     \nx ~ a b ~\nhk1b ~hk1     ~\n",
      ),
    );
    const at = (line: number) =>
      `${join(dir, "model", "model.in.tpl")}:${line}:1: \`model.templates[0].template\` (${file}:8:19):`;
    expect(await messages(file)).toEqual([
      `${at(3)} column 6: unmatched delimiter "~" (a field opens here but does not close on this line)`,
      `${at(4)} column 3: parameter name "a b" contains whitespace`,
    ]);
  });

  it("an instruction file: every bad line", async () => {
    const { dir, file } = await tempProject(base, (d) =>
      writeFile(join(d, "model", "heads.ins"), "pif @\n@HEADS@\nl0 !h_w1!\nl1 [h_w2]5\nl1 w !h_w3!\n"),
    );
    const at = (line: number) =>
      `${join(dir, "model", "heads.ins")}:${line}:1: \`model.instructions[0].file\` (${file}:10:15):`;
    const found = await messages(file);
    expect(found).toEqual([
      `${at(3)} bad line advance "l0": expected "l" followed by a whole number of lines, at least 1 (e.g. l1)`,
      `${at(4)} bad column range in fixed observation "[h_w2]5": expected first:last column numbers after "]" with no spaces (e.g. [h1]21:30)`,
    ]);
  });
});

describe("large and hostile project files", () => {
  it(`a project file over ${MAX_SPEC_BYTES / 1024 / 1024} MB is refused before it is parsed, saying what to do`, async () => {
    const ids = Array.from({ length: 200_000 }, (_, i) => String(i + 1)).join(", ");
    const { dir, file } = await tempProject(base.replace("ids: ids.txt", `ids: [${ids}]`));
    const expected = `${file}: the project file is 1,489,312 bytes (1.4 MB); project files may be at most 1 MB (1,048,576 bytes); move long lists into files: ids into an id list file (\`ids: ids.txt\`), parameter sets into par files or an ensemble CSV (\`csv:\`)`;
    expect(await messages(file)).toEqual([expected]);
    const r = await cli(["validate", file], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(expected);
  });

  it("one just over the limit says by how much, in bytes", async () => {
    const { file } = await tempProject(`${base}# ${"x".repeat(MAX_SPEC_BYTES - base.length - 2)}\n`);
    expect((await messages(file))[0]).toContain(
      "the project file is 1,048,577 bytes (1.0 MB); project files may be at most 1 MB (1,048,576 bytes)",
    );
  });

  it("an alias may be used many times; aliases that expand without bound are a located problem", async () => {
    const many = Array.from({ length: 300 }, () => "*out").join(", ");
    const { dir, file } = await tempProject(
      base.replace("keep: [heads.out]", `keep: [&out heads.out, ${many}]`),
    );
    expect(await messages(file)).toEqual([]);
    expect((await loadSpec(file)).spec.model.keep).toHaveLength(301);

    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const bomb = await tempProject(
      `${base}report:\n  units: { big: *i }\nx-bomb:\n  ${levels.join("\n  ")}\n`,
    );
    const found = await messages(bomb.file);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      new RegExp(
        `^${bomb.file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: YAML: through its aliases this file expands to more than 1,000,000 values; `,
      ),
    );
    const r = await cli(["validate", bomb.file], dir);
    expect(r.code).toBe(1);
  });

  it("a folder given as the project file", async () => {
    const { dir } = await tempProject(base);
    expect(await messages(dir)).toEqual([
      `${dir}: is a folder, not a project file; name the project's .yaml file`,
    ]);
  });
});

describe("smaller problems, each with its fix", () => {
  it("'did you mean' never suggests the missing name itself", async () => {
    const { file } = await tempProject(base, (d) =>
      writeFile(join(d, "params", "param2.par"), "single point\nhk1 3 1 0\nrch_x 1 1 0\n"),
    );
    const found = (await messages(file)).join("\n");
    expect(found).toContain("parameter `rch` used in model/model.in.tpl is missing from parameter set(s) 2");
    expect(found).toContain("did you mean `rch_x`?");
    const other = await tempProject(base, (d) =>
      writeFile(join(d, "params", "param2.par"), "single point\nhk1 3 1 0\n"),
    );
    const again = (await messages(other.file)).join("\n");
    expect(again).toContain("parameter `rch` used in model/model.in.tpl is missing from parameter set(s) 2");
    expect(again).not.toContain("did you mean `rch`");
  });

  it("an absolute `ids:` path is reported at its line in the spec", async () => {
    const outside = await mkdtemp(join(tmpdir(), "mf-outside-"));
    temps.push(outside);
    await writeFile(join(outside, "ids.txt"), "1\n2\na/b\n");
    const yaml = base.replace("ids: ids.txt", `ids: ${join(outside, "ids.txt")}`);
    const { file } = await tempProject(yaml);
    expect(await messages(file)).toEqual([
      `${file}:15:8: \`parameters.ids\`: "${join(outside, "ids.txt")}" is an absolute path; use a path relative to the spec's folder, or set \`allow_external_paths: true\``,
    ]);
    const allowed = await tempProject(`${yaml}allow_external_paths: true\n`);
    expect(await messages(allowed.file)).toEqual([
      `${join(outside, "ids.txt")}:3:1: \`parameters.ids\` (${allowed.file}:15:8): id "a/b" contains "/", which is not allowed; ${ID_RULE}`,
    ]);
  });

  it("a missing id list file is reported at its line in the spec", async () => {
    const { file } = await tempProject(base.replace("ids: ids.txt", "ids: nope.txt"));
    expect(await messages(file)).toEqual([
      `${file}:15:8: \`parameters.ids\`: id list file "nope.txt" not found; check the path (relative to this file), or write ranges such as 1-200`,
    ]);
  });

  it("`rows` naming a row the CSV lacks is reported at `parameters.rows`", async () => {
    const { file } = await tempProject(
      `${csvBase.replace("csv: ensemble.csv", "csv: ensemble.csv\n  rows: [r1, r9]")}`,
      (d) => writeFile(join(d, "ensemble.csv"), "real_name,hk1,rch\nr1,1,0.1\n"),
    );
    expect(await messages(file)).toEqual([
      `${file}:15:9: \`parameters.rows\`: row r9 is not in the CSV (1 rows); name rows by their first cell, or by row numbers from 1`,
    ]);
  });

  it("a template that writes, an instruction file that reads, or a success check that needs a folder of the model", async () => {
    const { file } = await tempProject(
      base
        .replace("writes: model.in }", "writes: sub }")
        .replace("reads: heads.out }", "reads: sub }")
        .replace("success: { file: heads.out,", "success: { file: sub,"),
      (d) => mkdir(join(d, "model", "sub")),
    );
    expect(await messages(file)).toEqual([
      `${file}:8:41: \`model.templates[0].writes\`: "sub" is a folder in the model folder, so nothing can write it as a file; name a file`,
      `${file}:10:33: \`model.instructions[0].reads\`: "sub" is a folder in the model folder, so nothing can read it as a file; name a file`,
      `${file}:11:20: \`model.success.file\`: "sub" is a folder in the model folder, so nothing can produce it as a file; name a file`,
    ]);
  });
});

describe("prior bounds", () => {
  const sampled = (priors: string) =>
    base.replace(
      "par_files: params/param{id}.par\n  ids: ids.txt",
      `sample:\n    n: 40\n    seed: 3\n    priors:\n${priors}`,
    );

  it("truncate every distribution: values are drawn inside them", async () => {
    const { file } = await tempProject(
      sampled(
        "      hk1: { uniform: [0, 1], bounds: [0.5, 0.6] }\n      rch: { triangular: [0, 1, 4], bounds: [2, 3] }\n",
      ),
    );
    const spec = await loadSpec(file);
    const values = (name: string) => spec.realisations.realisations.map((r) => r.values.get(name)!);
    expect(values("hk1").every((v) => v > 0.5 && v < 0.6)).toBe(true);
    expect(values("rch").every((v) => v > 2 && v < 3)).toBe(true);
  });

  it("that hold no value are refused at the prior's `bounds`, every one at once", async () => {
    const { file } = await tempProject(
      sampled("      hk1: { uniform: [0, 1], bounds: [5, 6] }\n      rch: { fixed: 1, bounds: [2, 3] }\n"),
    );
    expect(await messages(file)).toEqual([
      `${file}:18:39: \`parameters.sample.priors.hk1.bounds\`: uniform prior on [0, 1] has bounds [5, 6], which do not overlap it: no value can be drawn; correct the bounds or the distribution.`,
      `${file}:19:32: \`parameters.sample.priors.rch.bounds\`: fixed value 1 lies outside its bounds [2, 3]; change the value, or widen the bounds`,
    ]);
  });

  it("a value that scale makes infinite is not a field too narrow", async () => {
    const { file } = await tempProject(
      sampled("      hk1: { fixed: 1e300 }\n      rch: { fixed: 1 }\n").replace(
        "alerts:",
        "  scale: { hk1: 1e10 }\nalerts:",
      ),
    );
    expect(await messages(file)).toEqual([
      `${file}:8:19: \`model.templates[0].template\`: value × scale + offset of \`hk1\` is Infinity (1e+300 × 10000000000 + 0, parameter set 1, 2, 3, 4, 5 and 35 more), beyond the largest number a model input can hold (about 1.8e308); correct the value, its scale or its offset`,
    ]);
  });

  it("a prior whose draws overflow to Infinity is refused at the prior, not as a field too narrow", async () => {
    const { file } = await tempProject(
      sampled("      hk1: { lognormal: [400, 1] }\n      rch: { fixed: 1 }\n"),
    );
    expect(await messages(file)).toEqual([
      `${file}:18:25: \`parameters.sample.priors.hk1.lognormal\`: lognormal prior [400, 1] draws Infinity: its numbers are the mean and sd of log10(value), so it centres on 10^400, beyond the largest number (about 1.8e308); for values around 400, write [2.60206, sd]`,
    ]);
  });
});

describe("a parameter named twice", () => {
  it("in `fixed`, `scale` or `offset`, in any case, is refused naming both", async () => {
    const { file } = await tempProject(
      base.replace(
        "par_files: params/param{id}.par\n  ids: ids.txt",
        "sample: { n: 5, seed: 1, priors: { hk1: { uniform: [1, 2] }, rch: { uniform: [1, 2] } } }\n  fixed: { hk1: 100, HK1: 7 }\n  scale: { rch: 2, RCH: 2 }\n  offset: { Rch: 1, rCH: 3 }",
      ),
    );
    expect(await messages(file)).toEqual([
      `${file}:15:27: \`parameters.fixed.HK1\`: \`HK1\` and \`hk1\` name one parameter (names are case-insensitive); keep one`,
      `${file}:16:25: \`parameters.scale.RCH\`: \`RCH\` and \`rch\` name one parameter (names are case-insensitive); keep one`,
      `${file}:17:26: \`parameters.offset.rCH\`: \`rCH\` and \`Rch\` name one parameter (names are case-insensitive); keep one`,
    ]);
  });

  it("under `sample.priors` is refused naming both, and nothing is drawn", async () => {
    const { file } = await tempProject(
      base.replace(
        "par_files: params/param{id}.par\n  ids: ids.txt",
        "sample:\n    n: 5\n    seed: 1\n    priors:\n      hk1: { uniform: [1, 2] }\n      rch: { uniform: [1, 2] }\n      Hk1: { uniform: [3, 4] }",
      ),
    );
    expect(await messages(file)).toEqual([
      `${file}:20:12: \`parameters.sample.priors.Hk1\`: \`Hk1\` and \`hk1\` name one parameter (names are case-insensitive); keep one`,
    ]);
  });
});

describe("tied parameters", () => {
  const tied = "  tied: { rch: { to: hk1, ratio: 0.25 } }\n";
  const withSource = (source: string, extra = "") =>
    base.replace("par_files: params/param{id}.par\n  ids: ids.txt", `${source}\n${tied}${extra}`.trimEnd());

  it("take their parent's value × ratio, whatever the source; a value the source gives is replaced", async () => {
    const sources = {
      "par files": "par_files: params/param{id}.par\n  ids: ids.txt",
      csv: "csv: ens.csv",
      "csv without the column": "csv: ens2.csv",
      sample: "sample: { n: 4, seed: 2, priors: { hk1: { uniform: [1, 10] } } }",
    };
    for (const [label, source] of Object.entries(sources)) {
      const { file } = await tempProject(withSource(source), async (d) => {
        await writeFile(join(d, "ens.csv"), "real_name,hk1,rch\nr1,2,7\nr2,3,7\n");
        await writeFile(join(d, "ens2.csv"), "real_name,hk1\nr1,2\nr2,3\n");
      });
      expect(await messages(file), label).toEqual([]);
      const spec = await loadSpec(file);
      for (const r of spec.realisations.realisations)
        expect(r.values.get("rch"), `${label} ${r.id}`).toBe(r.values.get("hk1")! * 0.25);
    }
  });

  it("are refused, located, when the tie cannot hold", async () => {
    const { file } = await tempProject(
      base.replace(
        "par_files: params/param{id}.par\n  ids: ids.txt",
        [
          "sample: { n: 2, seed: 2, priors: { hk1: { uniform: [1, 10] }, rch: { uniform: [1, 2] } } }",
          "  fixed: { hkx: 1 }",
          "  tied:",
          "    rch: { to: hk2, ratio: 2 }",
          "    a: { to: b, ratio: 2 }",
          "    b: { to: a, ratio: 0.5 }",
          "    c: { to: c, ratio: 1 }",
          "    hkx: { to: hk1, ratio: 1 }",
          "    A: { to: hk1, ratio: 3 }",
        ].join("\n"),
      ),
    );
    expect(await messages(file)).toEqual([
      `${file}:14:70: \`parameters.sample.priors.rch\`: \`rch\` is tied to \`hk2\` (\`parameters.tied\`), so it takes its value from there, not from a prior; remove one of them`,
      `${file}:15:17: \`parameters.fixed.hkx\`: \`hkx\` is tied to \`hk1\` (\`parameters.tied\`), so it takes its value from there, not from \`fixed\`; remove one of them`,
      `${file}:15:17: \`parameters.fixed.hkx\`: parameter \`hkx\` is used by no template, so its fixed value would be ignored; did you mean \`hk1\`?`,
      `${file}:17:16: \`parameters.tied.rch.to\`: parameter \`hk2\` is in no parameter set; did you mean \`hk1\`?`,
      `${file}:18:14: \`parameters.tied.a.to\`: \`b\` is tied itself (to \`a\`); tie \`a\` to a parameter that is not tied (a tie may not lead to another)`,
      `${file}:19:14: \`parameters.tied.b.to\`: \`a\` is tied itself (to \`b\`); tie \`b\` to a parameter that is not tied (a tie may not lead to another)`,
      `${file}:20:14: \`parameters.tied.c.to\`: \`c\` is tied to itself; tie it to another parameter, or remove it`,
      `${file}:22:8: \`parameters.tied.A\`: \`A\` and \`a\` name one parameter (names are case-insensitive); keep one`,
    ]);
    // A tied parameter with the only prior: the tie is the one problem, not "nothing to sample".
    const only = await tempProject(
      base.replace(
        "par_files: params/param{id}.par\n  ids: ids.txt",
        "sample: { n: 2, seed: 2, priors: { rch: { uniform: [1, 2] } } }\n  fixed: { hk1: 1 }\n  tied: { rch: { to: hk1, ratio: 2 } }",
      ),
    );
    expect(await messages(only.file)).toEqual([
      `${only.file}:14:43: \`parameters.sample.priors.rch\`: \`rch\` is tied to \`hk1\` (\`parameters.tied\`), so it takes its value from there, not from a prior; remove one of them`,
    ]);
  });
});

describe("a model folder that holds the project file", () => {
  it("is refused at `model.dir`, with the fix", async () => {
    const { dir } = await tempProject(base, async (d) => {
      await cp(join(d, "params"), join(d, "model", "params"), { recursive: true });
      await cp(join(d, "ids.txt"), join(d, "model", "ids.txt"));
    });
    const file = join(dir, "model", "s.yaml");
    await writeFile(file, base.replace("dir: model", "dir: ."));
    const expected = `${file}:4:8: \`model.dir\`: the model folder "." holds this project file, so every edit to the project file (a comment) would change the model and run every realisation again; move the model into a folder of its own (such as model/) and name that folder here`;
    expect(await messages(file)).toEqual([expected]);

    await mkdir(join(dir, "model", "projects", "p"), { recursive: true });
    const deeper = join(dir, "model", "projects", "p", "s.yaml");
    await writeFile(
      deeper,
      base.replace("dir: model", "dir: ../..").replace("ids: ids.txt", "ids: ../../ids.txt") +
        "allow_external_paths: true\n",
    );
    expect((await messages(deeper)).join("\n")).toContain(
      '`model.dir`: the model folder "../.." holds this project file',
    );
  });
});

describe("what the model bundle leaves out", () => {
  it("our own .modelfleet folders at any depth, and the folders it is told to skip", async () => {
    const { dir } = await tempProject(base);
    const model = join(dir, "model");
    const root = await projectRoot(dir, false);
    const before = await hashModelBundle(model, root);
    await mkdir(join(model, ".modelfleet", "results"), { recursive: true });
    await writeFile(join(model, ".modelfleet", "results", "r.json"), "{}");
    await mkdir(join(model, "sub", ".modelfleet"), { recursive: true });
    await writeFile(join(model, "sub", ".modelfleet", "x"), "x");
    await mkdir(join(model, "out", "w1"), { recursive: true });
    await writeFile(join(model, "out", "w1", "heads.out"), "1");
    await mkdir(join(model, "w"), { recursive: true });
    await writeFile(join(model, "w", "model.in"), "2");
    // --results out, --work-dir w: inside the model folder; a folder elsewhere is not.
    const skip = await bundleExclusions(model, [
      join(model, "out"),
      join(model, "w", "."),
      join(dir, "elsewhere"),
      model,
    ]);
    expect(skip).toEqual([join(model, "out"), join(model, "w")]);
    const after = await hashModelBundle(model, root, { exclude: skip });
    expect(after.files.map((f) => f.path)).toEqual(before.files.map((f) => f.path));
    expect(after.dirs).toEqual(["sub"]);
    expect(after.hash).toBe(before.hash);
    // Without being told, the work and results folders are part of the model.
    expect((await hashModelBundle(model, root)).hash).not.toBe(before.hash);
  });
});
