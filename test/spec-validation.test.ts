// End-to-end validation of the project files under test/specs: what a user sees.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { memoryIO } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { formatDiagnostic } from "../src/spec/diagnostics.ts";
import { MAX_DURATION_SECONDS } from "../src/spec/duration.ts";
import { loadSpec, SpecError, validateSpecFile } from "../src/spec/load.ts";

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
    expect(found).toContain(
      `${file}:4:3: \`model.command\`: missing required key \`command\`; add \`command:\` (a list of strings or a string)`,
    );
    expect(found).toContain(
      `${file}:6:12: \`model.timeout\`: expected a duration such as "90s", "10m", "1h30m" or a number of seconds`,
    );
    expect(found).toContain(
      `${file}:8:33: \`model.templates[0].write\`: unknown key \`write\`; did you mean \`writes\`?`,
    );
    expect(found).toContain(`${file}:12:19: \`resources.cpu\`: expected 0.25, 0.5, 1, 2, 4, 8 or 16, got 3`);
    expect(found[0]).toContain(":4:3:"); // sorted by position
    expect(found.length).toBeGreaterThanOrEqual(5);
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
    expect(found.some((m) => m.startsWith("params/param1.par:2:1: `parameters.par_files`:"))).toBe(true);
  });

  it("an id list that repeats an id", async () => {
    const file = await project(base, async (d) => writeFile(join(d, "ids.txt"), "1\n2\n1\n"));
    expect((await messages(file)).join("\n")).toContain(
      "ids.txt:3:1: `parameters.ids`: id 1 is listed again (first on line 1)",
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
      `${file}:18:24: \`cloud.idle_timeout\`: expected a duration of at most 30d (30 days), got 1160000d`,
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
