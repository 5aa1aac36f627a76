// The command line as a user meets it: what each command prints and how it exits.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIO } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { validateSpecFile } from "../src/spec/load.ts";
import { makeProject, REPO, type TestProject } from "./helpers/project.ts";

const TPLINS = join(REPO, "test", "fixtures", "pest", "tplins");
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], cwd = dir) {
  const io = memoryIO(cwd);
  const code = await main(args, io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

describe("modelfleet (no command, unknown command)", () => {
  it("prints usage", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage: modelfleet <command>");
    expect(r.out).toContain("check-instructions");
  });
  it("names an unknown command and exits 2", async () => {
    const r = await cli(["runn"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("modelfleet: unknown command `runn`");
  });
  it("rejects an unknown option with the command's usage", async () => {
    const r = await cli(["validate", "--jsn", "x.yaml"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("modelfleet validate: Unknown option '--jsn'");
    expect(r.err).toContain("usage: modelfleet validate");
  });
});

describe("check-template", () => {
  const tpl = join(TPLINS, "hk_Layer_1.ref.tpl");
  it("lists parameters and field widths", async () => {
    const r = await cli(["check-template", tpl]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/delimiter "~", \d+ field\(s\), \d+ parameter\(s\)/);
    expect(r.out).toMatch(/k_01\s+\d+\s+\d+/);
  });
  it("writes the model input file from one CSV row, as PEST++ did", async () => {
    const out = join(dir, "hk_Layer_1.ref");
    const r = await cli([
      "check-template",
      tpl,
      "--csv",
      join(TPLINS, "sweep_in.csv"),
      "--row",
      "r0",
      "--write",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote ${out}`);
    const ours = (await readFile(out, "utf8")).split(/\r?\n/);
    const pestpp = (await readFile(join(TPLINS, "expected_inputs", "r0", "hk_Layer_1.ref"), "utf8")).split(
      /\r?\n/,
    );
    expect(ours.length).toBe(pestpp.length);
    expect(ours.map((l) => l.length)).toEqual(pestpp.map((l) => l.length));
  });
  it("reports values that do not fit and writes nothing", async () => {
    const t = join(dir, "narrow.tpl");
    await writeFile(t, "ptf ~\nv ~p ~\n");
    await writeFile(join(dir, "p.par"), "single point\np -1.5e-300 1 0\n");
    const r = await cli(["check-template", t, "--par", join(dir, "p.par"), "--write", join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("<- does not fit the 4-character field on line 2");
    expect(r.err).toContain("1 parameter(s) cannot be written; nothing was written");
  });
  it("asks for values when --write has none", async () => {
    const r = await cli(["check-template", tpl, "--write", "x"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("check-template: --write needs values: --par file.par, or --csv file --row NAME");
  });
  it("names a template that is not there", async () => {
    const r = await cli(["check-template", join(dir, "none.tpl")]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`modelfleet check-template: file not found: ${join(dir, "none.tpl")}`);
  });
});

describe("check-instructions", () => {
  it("prints every observation read", async () => {
    const r = await cli(["check-instructions", join(TPLINS, "out1.dat.ins"), join(TPLINS, "out1.dat")]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/h01_01\s+\S+/);
  });
  it("gives JSON with --json", async () => {
    const r = await cli([
      "check-instructions",
      "--json",
      join(TPLINS, "out1.dat.ins"),
      join(TPLINS, "out1.dat"),
    ]);
    const report = JSON.parse(r.out);
    expect(report.ok).toBe(true);
    expect(report.values.length).toBe(report.observations.length);
  });
  it("shows the exact failure, naming both files and lines", async () => {
    await writeFile(join(dir, "bad.out"), "nothing useful here\n");
    const r = await cli(["check-instructions", join(TPLINS, "out1.dat.ins"), join(dir, "bad.out")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("out1.dat.ins:");
    expect(r.err).toContain("bad.out");
  });
});

describe("import-pst", () => {
  it("writes a valid project file from a classic PEST setup", async () => {
    await cp(TPLINS, join(dir, "pest"), { recursive: true });
    const r = await cli(["import-pst", "pest/pest.pst", "--out", "projects/pest/imported.yaml", "--n", "8"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "wrote projects/pest/imported.yaml: 11 parameters, 2 template(s), 1 instruction file(s)",
    );
    expect(r.out).toContain("projects/pest/imported.yaml is valid: 8 realisations, 21 observations");
    const v = await validateSpecFile(join(dir, "projects", "pest", "imported.yaml"));
    expect(v.diagnostics).toEqual([]);
    expect(v.resolved!.spec.project).toBe("pest");
    expect(v.resolved!.spec.scenario).toBe("imported");
    expect(v.resolved!.spec.model.command).toEqual(["python", "forward_run.py"]);
    expect(v.resolved!.templates.map((t) => t.writes)).toEqual(["hk_Layer_1.ref", "strt_Layer_1.ref"]);
    const k02 = v.resolved!.spec.parameters.sample!.priors.k_02!;
    expect(k02.bounds).toEqual([0.25, 25]);
    expect(k02.lognormal![1]).toBeCloseTo(0.5);
  });
  it("writes the file and lists what needs attention when the setup is incomplete", async () => {
    await cp(join(REPO, "test", "fixtures", "pst", "v2"), join(dir, "v2"), { recursive: true });
    const r = await cli(["import-pst", "v2/case.pst", "--out", "projects/v2/base.yaml"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("wrote projects/v2/base.yaml");
    expect(r.err).toContain("projects/v2/base.yaml needs attention before it can run:");
    expect(r.err).toMatch(/not found in the model folder/);
  });
  it("refuses to overwrite without --force", async () => {
    await cp(TPLINS, join(dir, "pest"), { recursive: true });
    await writeFile(join(dir, "pest", "taken.yaml"), "x: 1\n");
    const r = await cli(["import-pst", "pest/pest.pst", "--out", "pest/taken.yaml"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "import-pst: pest/taken.yaml exists; choose another --out, or add --force to overwrite it",
    );
  });
});

describe("run, plan and status", () => {
  let project: TestProject;
  beforeEach(async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }, { x: 3, mode: 1 }] });
  });
  afterEach(() => project.remove());
  const common = () => ["--results", project.results];

  it("plan before and after a run", async () => {
    let r = await cli(["plan", project.spec, ...common()], project.dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("realisations      3");
    expect(r.out).toContain("to run            3");
    expect(r.out).toMatch(/ {2}model bundle {6}3 files, \d\.\d KB, [0-9a-f]{12}\n/);
    expect(r.out).toContain("estimate          unknown: no earlier successful runs");

    r = await cli(
      ["run", project.spec, ...common(), "--work-dir", project.work, "--workers", "2"],
      project.dir,
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("test/base: 3 realisations");
    expect(r.out).toMatch(/ok\s+2/);
    expect(r.out).toMatch(/failed \(model\)\s+1/);
    expect(r.out).toContain("1 × model / exit_code");
    expect(r.out).toContain("results: .results/test/base");
    expect(r.err).toContain("test/base: 3 realisations, 0 done, 3 to run; 2 worker(s)");

    r = await cli(["plan", project.spec, ...common(), "--json"], project.dir);
    const plan = JSON.parse(r.out);
    expect(plan).toMatchObject({ realisations: 3, done: { ok: 2, modelFailed: 1 }, toRun: 0 });
    expect(plan.medianWallSeconds).toBeGreaterThan(0);

    r = await cli(["status", project.spec, ...common()], project.dir);
    expect(r.out).toContain("test/base: 3/3 done (100%): 2 ok, 1 model failures; 0 left");
    expect(r.out).toContain("no run in progress");
  });

  it("run ends with the aggregated report; report --fail-on-alert exits 4 when an alert fires", async () => {
    await writeFile(
      project.spec,
      `${await readFile(project.spec, "utf8")}alerts:\n  - { observation: y, statistic: max, above: 3 }\n  - { observation: z, probability: { exceeds: 100, above: 0.5 } }\n`,
    );
    let r = await cli(["run", project.spec, ...common(), "--work-dir", project.work], project.dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("test/base: 2 ok, 1 model failures, 0 infrastructure failures of 3");
    expect(r.out).toContain("alerts: 1 of 2 fired");
    expect(r.out).toContain("FIRED  y: max is 4, above 3 (on 2 of 3 realisations)");
    expect(r.out).toContain("report: .results/test/base/report.html");
    for (const f of [
      "summary.json",
      "summary.csv",
      "observations.csv",
      "parameters.csv",
      "report.md",
      "report.html",
    ]) {
      expect((await readFile(join(project.results, "test", "base", f), "utf8")).length).toBeGreaterThan(0);
    }
    const observations = await readFile(join(project.results, "test", "base", "observations.csv"), "utf8");
    expect(observations.split("\n")[0]).toBe("real_name,y,z");

    r = await cli(["report", project.spec, ...common()], project.dir);
    expect(r.code).toBe(0);
    r = await cli(["report", project.spec, ...common(), "--fail-on-alert"], project.dir);
    expect(r.code).toBe(4);
    r = await cli(["report", project.spec, ...common(), "--json"], project.dir);
    const json = JSON.parse(r.out);
    expect(json.counts).toMatchObject({ ok: 2, failedModel: 1 });
    expect(json.alerts[0]).toMatchObject({ observation: "y", fired: true, level: "failure" });
  });

  it("run --json prints a machine-readable summary", async () => {
    const r = await cli(
      ["run", project.spec, ...common(), "--work-dir", project.work, "--json"],
      project.dir,
    );
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({
      realisations: 3,
      ranNow: 3,
      ok: 2,
      failedModel: 1,
      failedInfrastructure: 0,
      notRun: 0,
    });
  });

  it("rejects bad options with the fix", async () => {
    let r = await cli(["run", project.spec, "--workers", "0"], project.dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe('run: --workers takes a whole number >= 1, got "0"');
    r = await cli(["run", project.spec, "--grace", "soon"], project.dir);
    expect(r.err).toBe('run: --grace takes a duration such as 30s, got "soon"');
    // a timer cannot hold more than 24.8 days: longer grace periods and polls are refused
    r = await cli(["run", project.spec, "--grace", "31d"], project.dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe("run: --grace takes at most 30d (30 days), got 31d");
    r = await cli(["run", project.spec, "--executor", "ecs", "--poll", "40d"], project.dir);
    expect(r.err).toBe("run: --poll takes at most 30d (30 days), got 40d");
    r = await cli(["run", project.spec, "--ids", "5-2"], project.dir);
    expect(r.err).toBe('--ids: range "5-2" runs backwards; write it as 2-5');
  });

  it("--ids that name unknown ids, are malformed or empty are errors of run and plan (exit 2)", async () => {
    const cases: Array<[string, string]> = [
      ["250", "--ids: no realisation 250 in test/base (its ids: 1-3)"],
      ["abc", "--ids: no realisation abc in test/base (its ids: 1-3)"],
      ["0-3", "--ids: no realisation 0 in test/base (its ids: 1-3)"],
      ["0,4-12,x,y", "--ids: no realisations 0, 4, 5, 6, 7 and 7 more in test/base (its ids: 1-3)"],
      [
        "1-2-3",
        '--ids: "1-2-3" is neither an id of test/base nor a range; give ids and ranges separated by commas, e.g. --ids 1-50,75',
      ],
      ["", "--ids: nothing selected; give ids and ranges separated by commas, e.g. --ids 1-50,75"],
      [" , ", "--ids: nothing selected; give ids and ranges separated by commas, e.g. --ids 1-50,75"],
    ];
    for (const [ids, message] of cases) {
      for (const command of ["run", "plan"]) {
        const work = command === "run" ? ["--work-dir", project.work] : [];
        const r = await cli([command, project.spec, ...common(), ...work, "--ids", ids], project.dir);
        expect([r.code, r.err, r.out], `${command} --ids "${ids}"`).toEqual([2, message, ""]);
      }
    }
    const r = await cli(["plan", project.spec, ...common(), "--ids", "3, 1-2", "--json"], project.dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ realisations: 3, toRun: 3 });
  });

  it("an invalid spec stops before anything runs, listing every problem", async () => {
    await writeFile(
      project.spec,
      (await readFile(project.spec, "utf8")).replace("timeout: 20s", "timout: 20s"),
    );
    const r = await cli(["run", project.spec, ...common()], project.dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("`model.timout`: unknown key `timout`; did you mean `timeout`?");
  });
});
