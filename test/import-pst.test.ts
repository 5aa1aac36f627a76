// Importing a PEST case must give PEST++'s model inputs: each parameter's scale and offset carried
// over from the control file, so templates write value × scale + offset as PEST++ does, and an
// ensemble CSV's values used as they are (fixed parameters included, as pestpp-swp does).
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { prepareAttempt } from "../src/agent/realisation.ts";
import { runConfigFromSpec } from "../src/agent/run-config.ts";
import { loadCalibration } from "../src/calibrate/run-calibration.ts";
import { memoryIO } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { readControlFile } from "../src/pest/control-file.ts";
import { ensembleRowValues, parseEnsembleCsv } from "../src/pest/ensemble-csv.ts";
import { parseFortranNumber } from "../src/pest/fortran-number.ts";
import { parseTemplate, renderTemplate } from "../src/pest/template.ts";
import { hashModelBundle } from "../src/plan/bundle.ts";
import { loadSpec } from "../src/spec/load.ts";
import { REPO } from "./helpers/project.ts";

const TPLINS = join(REPO, "test", "fixtures", "pest", "tplins");
const TEMPLATES = ["hk_Layer_1.ref", "strt_Layer_1.ref"];

/** Scale and offset given to some parameters of the fixture's control file. Every value of
 * sweep_in.csv is reached exactly from (value - offset) / scale. */
const SCALED: Record<string, [number, number]> = {
  stage: [2, 0], // a fixed parameter
  k_01: [-1, 0], // fixed too: pumping becomes injection if the scale is lost
  k_05: [1, -1],
  k_07: [0.5, 0],
  k_09: [-1, 10],
  k_10: [-1, 0], // a log-transformed parameter written in two fields
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-import-"));
  await cp(TPLINS, join(dir, "pest"), { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], cwd = dir) {
  const io = memoryIO(cwd);
  const code = await main(args, io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

/** The control file with SCALED's scale and offset in the parameter data rows. */
async function scaledControlFile(): Promise<void> {
  const path = join(dir, "pest", "pest.pst");
  const lines = (await readFile(path, "utf8")).split("\n").map((line) => {
    const cells = line.trim().split(/\s+/);
    const t = SCALED[cells[0] ?? ""];
    if (t === undefined || cells.length !== 10) return line;
    cells[7] = String(t[0]);
    cells[8] = String(t[1]);
    return ` ${cells.join("  ")}`;
  });
  await writeFile(path, lines.join("\n"));
}

/** sweep_in.csv's model values turned back into parameter values for SCALED. */
async function parameterCsv(): Promise<Map<string, Map<string, number>>> {
  const sweep = parseEnsembleCsv(await readFile(join(TPLINS, "sweep_in.csv")), "sweep_in.csv");
  const rows = ["real_name,stage,k_01,k_02,k_03,k_04,k_05,k_06,k_07,k_08,k_09,k_10"];
  const targets = new Map<string, Map<string, number>>();
  for (const row of sweep.rows) {
    const target = ensembleRowValues(sweep, row.name);
    targets.set(row.name, target);
    const cells = sweep.columns.map((c) => {
      const [scale, offset] = SCALED[c] ?? [1, 0];
      const value = (target.get(c)! - offset) / scale;
      expect(value * scale + offset, `${row.name} ${c}`).toBe(target.get(c));
      return String(value);
    });
    rows.push([row.name, ...cells].join(","));
  }
  await writeFile(join(dir, "pest", "ens.csv"), `${rows.join("\n")}\n`);
  return targets;
}

/** Significant digits in a number as PEST++ wrote it. */
function significantDigits(text: string): number {
  const mantissa = text
    .trim()
    .replace(/^[+-]/, "")
    .split(/[eEdD]/)[0]!
    .replace(".", "");
  return Math.max(1, mantissa.replace(/^0+/, "").length);
}

describe("import-pst --csv", () => {
  it("carries scale and offset, so every model input is PEST++'s", async () => {
    await scaledControlFile();
    const targets = await parameterCsv();
    const r = await cli([
      "import-pst",
      "pest/pest.pst",
      "--out",
      "projects/pest/swp.yaml",
      "--csv",
      "pest/ens.csv",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("projects/pest/swp.yaml is valid: 3 realisations, 21 observations");
    expect(r.out).not.toMatch(/note: .*(sampl|prior|drawn)/);

    const resolved = await loadSpec(join(dir, "projects", "pest", "swp.yaml"));
    const p = resolved.spec.parameters;
    expect(resolved.spec.model.dir).toBe("../../pest");
    expect(p.csv).toBe("../../pest/ens.csv");
    expect(p.fixed).toEqual({}); // the CSV gives every parameter, fixed ones included
    expect(p.scale).toEqual({ stage: 2, k_01: -1, k_07: 0.5, k_09: -1, k_10: -1 });
    expect(p.offset).toEqual({ k_05: -1, k_09: 10 });

    const config = await runConfigFromSpec(resolved, await hashModelBundle(resolved.modelDir));
    let compared = 0;
    for (const realisation of resolved.realisations.realisations) {
      const workdir = join(dir, "work", realisation.id);
      const failed = await prepareAttempt(config, {
        id: realisation.id,
        key: "k",
        values: realisation.values,
        attempt: 1,
        worker: "w",
        workdir,
      });
      expect(failed).toBeUndefined();
      for (const name of TEMPLATES) {
        const template = parseTemplate(await readFile(join(TPLINS, `${name}.tpl`)), name);
        const ours = await readFile(join(workdir, name));
        // Byte for byte what the writer gives for the values PEST++ wrote ...
        expect(
          ours.equals(renderTemplate(template, targets.get(realisation.id)!)),
          `${realisation.id}/${name}`,
        ).toBe(true);
        // ... and, field by field, the number PEST++ wrote, to the digits PEST++ kept.
        const theirs = await readFile(join(TPLINS, "expected_inputs", realisation.id, name), "utf8");
        const oursText = ours.toString("latin1").split("\n");
        const theirsText = theirs.split("\n");
        for (const f of template.fields) {
          const at = (lines: string[]) => lines[f.line - 2]!.slice(f.column - 1, f.column - 1 + f.width);
          const mine = parseFortranNumber(at(oursText))!;
          const pestpp = at(theirsText);
          const tolerance = 10 ** (1 - significantDigits(pestpp)) * Math.abs(parseFortranNumber(pestpp)!);
          expect(
            Math.abs(mine - parseFortranNumber(pestpp)!),
            `${realisation.id} ${f.name}: ${mine} vs ${pestpp}`,
          ).toBeLessThanOrEqual(tolerance);
          compared++;
        }
      }
    }
    expect(compared).toBe(36);
  });
});

describe("import-pst: tied parameters", () => {
  const TIED = join(REPO, "test", "fixtures", "pest", "tied");

  /** Each line of a model input as PEST++ wrote it and as we write it: name and number. */
  async function compareInputs(resolvedFile: string, expected: string): Promise<number> {
    const resolved = await loadSpec(resolvedFile);
    const config = await runConfigFromSpec(resolved, await hashModelBundle(resolved.modelDir));
    let compared = 0;
    for (const realisation of resolved.realisations.realisations) {
      const workdir = join(dir, "work", realisation.id);
      const failed = await prepareAttempt(config, {
        id: realisation.id,
        key: "k",
        values: realisation.values,
        attempt: 1,
        worker: "w",
        workdir,
      });
      expect(failed).toBeUndefined();
      const ours = (await readFile(join(workdir, "in.dat"), "utf8")).trim().split("\n");
      const theirs = (await readFile(join(expected, realisation.id, "in.dat"), "utf8")).trim().split("\n");
      expect(ours.map((l) => l.split(/\s+/)[0])).toEqual(theirs.map((l) => l.split(/\s+/)[0]));
      for (const [i, line] of theirs.entries()) {
        const pestpp = line.split(/\s+/)[1]!;
        const mine = parseFortranNumber(ours[i]!.split(/\s+/)[1]!)!;
        const want = parseFortranNumber(pestpp)!;
        const tolerance = 10 ** (1 - significantDigits(pestpp)) * Math.abs(want);
        expect(Math.abs(mine - want), `${realisation.id} ${line}: ours ${ours[i]}`).toBeLessThanOrEqual(
          tolerance,
        );
        compared++;
      }
    }
    return compared;
  }

  beforeEach(async () => {
    await cp(TIED, join(dir, "case"), { recursive: true });
  });

  it("with --csv: the tied parameter is its parent × ratio, then its own scale and offset, as pestpp-swp wrote it", async () => {
    const r = await cli([
      "import-pst",
      "case/case.pst",
      "--out",
      "projects/p/csv.yaml",
      "--csv",
      "case/ens.csv",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "note: ../../case/ens.csv's column for the tied parameter pd (pd = pa x 2) is not used: a tied parameter takes its parent's value × its ratio, as PEST++ does",
    );
    const spec = await loadSpec(join(dir, "projects", "p", "csv.yaml"));
    expect(spec.spec.parameters.tied).toEqual({ pd: { to: "pa", ratio: 2 } });
    expect(spec.spec.parameters.fixed).toEqual({});
    // 3 realisations of 5 lines: the tied pd (scale 3, offset 1) of a parent of scale -1 among them.
    expect(
      await compareInputs(join(dir, "projects", "p", "csv.yaml"), join(TIED, "expected_inputs", "ens")),
    ).toBe(15);
  });

  it("without --csv: sampled parents, the tie kept, as pestpp-swp wrote it for the same values", async () => {
    const r = await cli(["import-pst", "case/case.pst", "--out", "projects/p/prior.yaml"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("fixed at its initial value");
    const file = join(dir, "projects", "p", "prior.yaml");
    const spec = await loadSpec(file);
    expect(spec.spec.parameters.tied).toEqual({ pd: { to: "pa", ratio: 2 } });
    expect(spec.spec.parameters.fixed).toEqual({ pc: 3 });
    // sample.csv holds the values drawn here (pd set to 999, which pestpp-swp ignores as it ties pd).
    const sample = parseEnsembleCsv(await readFile(join(TIED, "sample.csv")), "sample.csv");
    for (const realisation of spec.realisations.realisations) {
      const row = ensembleRowValues(sample, realisation.id);
      for (const name of ["pa", "pb", "pc", "pe"]) expect(realisation.values.get(name)).toBe(row.get(name));
      expect(realisation.values.get("pd")).toBe(row.get("pa")! * 2);
    }
    expect(await compareInputs(file, join(TIED, "expected_inputs", "sample"))).toBe(25);
  });
});

describe("import-pst: where the project file goes", () => {
  it("refuses a project file inside the PEST case's folder (the model folder), saying where to put it", async () => {
    await cp(join(REPO, "test", "fixtures", "pest", "tied"), join(dir, "case"), { recursive: true });
    const cwd = join(dir, "case");
    for (const [out, instead] of [
      ["projects/p/s.yaml", "../projects/p/s.yaml"],
      ["s.yaml", "../projects/case/s.yaml"],
    ]) {
      const r = await cli(["import-pst", "case.pst", "--out", out!], cwd);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        `import-pst: ${out} would lie inside the PEST case's folder, which becomes the model folder (copied into every work folder and part of every realisation's key): every edit to the project file would run every realisation again; write it outside that folder, such as --out ${instead}`,
      );
      await expect(stat(join(cwd, out!))).rejects.toThrow(/ENOENT/);
    }
    // Where it says: valid, the model folder is the case's, and nothing else is in it.
    const r = await cli(["import-pst", "case.pst", "--out", "../projects/case/s.yaml"], cwd);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect((await loadSpec(join(dir, "projects", "case", "s.yaml"))).spec.model.dir).toBe("../../case");
  });
});

describe("import-pst: the observations to match", () => {
  it("carries the control file's observation data over (values, weights, groups), for modelfleet calibrate", async () => {
    const r = await cli(["import-pst", "pest/pest.pst", "--out", "projects/p/s.yaml"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const file = join(dir, "projects", "p", "s.yaml");
    expect(await readFile(file, "utf8")).toMatch(
      /^# The observations to match .*\nobservations:\n {2}pst: \.\.\/\.\.\/pest\/pest\.pst$/m,
    );
    const pst = await readControlFile(join(dir, "pest", "pest.pst"));
    const { targets } = await loadCalibration(file);
    expect(targets.map((t) => [t.name, t.value, t.weight, t.group])).toEqual(
      pst.observations.map((o) => [o.name, o.value, o.weight, o.group]),
    );
    expect(targets.some((t) => t.weight > 0)).toBe(true);
  });
});
