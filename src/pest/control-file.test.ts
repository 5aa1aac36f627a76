import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PestFormatError, UserError } from "../errors.ts";
import { type ControlFile, parseControlFile, readControlFile } from "./control-file.ts";

const fixtures = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const TPLINS = path.join(fixtures, "pest/tplins/pest.pst");
const CLASSIC = path.join(fixtures, "pst/classic/case.pst");
const V2_DIR = path.join(fixtures, "pst/v2");
const V2 = path.join(V2_DIR, "case.pst");

const classicText = await readFile(CLASSIC, "utf8");
const v2Files: Record<string, string> = {};
for (const name of [
  "case.pst",
  "case.pargp_data.csv",
  "case.par_data.csv",
  "case.par_extra.dat",
  "case.obs_data.csv",
  "case.tplfile_data.csv",
]) {
  v2Files[name] = await readFile(path.join(V2_DIR, name), "utf8");
}

/** The classic fixture with one piece of text replaced, which must be there. */
function classicWith(from: string | RegExp, to: string): string {
  const changed = classicText.replace(from, to);
  expect(changed).not.toBe(classicText);
  return changed;
}

function parseClassic(text: string): ControlFile {
  return parseControlFile(text, "case.pst");
}

/** Parses the v2 fixture from memory, with some files replaced (undefined: absent). */
function parseV2(changes: Record<string, string | undefined> = {}): ControlFile {
  const files = { ...v2Files, ...changes };
  return parseControlFile(files["case.pst"]!, "case.pst", (name) => {
    const text = files[name];
    if (text === undefined) throw new Error(`file not found: ${name}`);
    return text;
  });
}

function errorOf(f: () => unknown): PestFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PestFormatError);
    return e as PestFormatError;
  }
  throw new Error("expected a PestFormatError");
}

const PAR = { group: "k", scale: 1, offset: 0, changeLimit: "factor" } as const;

describe("the PEST++ tplins benchmark control file", () => {
  it("reads its parameters, observations, command and file pairs", async () => {
    const pst = await readControlFile(TPLINS);
    expect(pst.file).toBe(TPLINS);
    expect(pst.version).toBe(1);
    expect(pst.parameters).toEqual([
      { name: "stage", transform: "fixed", value: 1, lower: 0.1, upper: 3, ...PAR },
      { name: "k_01", transform: "fixed", value: -2.50000000001111, lower: -500000000, upper: 25, ...PAR },
      { name: "k_02", transform: "log", value: 2.5000000000111111, lower: 0.25, upper: 25, ...PAR },
      { name: "k_03", transform: "log", value: 2.5, lower: 0.25, upper: 25, ...PAR },
      { name: "k_04", transform: "log", value: 0.0123456789, lower: 2.5e-10, upper: 25, ...PAR },
      { name: "k_05", transform: "log", value: 12.3456789, lower: 0.25, upper: 25, ...PAR },
      ...["k_06", "k_07", "k_08", "k_09", "k_10"].map((name) => ({
        name,
        transform: "log",
        value: 2.5,
        lower: 0.25,
        upper: 25,
        ...PAR,
      })),
    ]);
    expect(pst.parameterGroups).toEqual(["k"]);

    const h01 = [1.5, 1.7, 1.9, 2.1, 2.3, 2.5, 2.7, 2.9, 3.1, 3.3];
    const h02 = [1.5, 1.9, 2.3, 2.7, 3.1, 3.5, 3.9, 4.3, 4.7, 5.1];
    const obs = (name: string, value: number, weight = 0) => ({ name, value, weight, group: "head" });
    expect(pst.observations).toEqual([
      ...h01.map((v, i) => obs(`h01_${String(i + 1).padStart(2, "0")}`, v, i === 3 || i === 5 ? 10 : 0)),
      ...h02.map((v, i) => obs(`h02_${String(i + 1).padStart(2, "0")}`, v)),
      obs("dummy_obs", 1),
    ]);
    expect(pst.observationGroups).toEqual(["head"]);

    expect(pst.modelCommands).toEqual(["python forward_run.py"]);
    expect(pst.templates).toEqual([
      { template: "hk_Layer_1.ref.tpl", input: "hk_Layer_1.ref" },
      { template: "strt_Layer_1.ref.tpl", input: "strt_Layer_1.ref" },
    ]);
    expect(pst.instructions).toEqual([{ instruction: "out1.dat.ins", output: "out1.dat" }]);
    expect(pst.pestpp).toEqual({});
    expect(pst.controlData).toMatchObject({
      rstfle: "restart",
      pestmode: "estimation",
      npar: "11",
      nobs: "21",
      ntplfle: "2",
      ninsfle: "1",
      noptmax: "-1",
      jacupdate: "999",
      lamforgive: "lamforgive",
      derforgive: "noderforgive",
      obsreref: "noobsreref",
      doaui: "noaui",
      parsaverun: "noparsaverun",
      ires: "0",
      svdmode: "1",
      maxsing: "1",
      eigthresh: "1.000000E-03",
      eigwrite: "0",
    });
  });
});

describe("classic control files", () => {
  it("reads the classic fixture", async () => {
    const pst = await readControlFile(CLASSIC);
    expect(pst.version).toBe(1);
    expect(pst.parameters).toEqual([
      {
        name: "ro1",
        transform: "fixed",
        changeLimit: "factor",
        value: 0.5,
        lower: 0.1,
        upper: 10,
        group: "ro",
        scale: 1,
        offset: 0,
      },
      {
        name: "ro2",
        transform: "log",
        changeLimit: "factor",
        value: 5,
        lower: 0.1,
        upper: 10,
        group: "ro",
        scale: 1,
        offset: 0,
      },
      {
        name: "ro3",
        transform: "tied",
        tiedTo: "ro2",
        changeLimit: "factor",
        value: 0.5,
        lower: 0.1,
        upper: 10,
        group: "ro",
        scale: 1,
        offset: 0,
      },
      {
        name: "h1",
        transform: "none",
        changeLimit: "relative",
        value: 2,
        lower: -5,
        upper: 100,
        group: "h",
        scale: 2,
        offset: -1.5,
      },
      {
        name: "h2",
        transform: "log",
        changeLimit: "factor",
        value: 5,
        lower: 0.05,
        upper: 100,
        group: "h",
        scale: 1,
        offset: 0,
      },
    ]);
    expect(pst.parameterGroups).toEqual(["ro", "h"]);
    expect(pst.observations).toEqual([
      { name: "ar1", value: 1.21038, weight: 1, group: "obsgp1" },
      { name: "ar2", value: 1.51208, weight: 1, group: "obsgp1" },
      { name: "ar3", value: -0.207, weight: 0, group: "obsgp2" },
      { name: "ar4", value: 2.94056, weight: 0.5, group: "obsgp2" },
    ]);
    expect(pst.observationGroups).toEqual(["obsgp1", "obsgp2", "prgp1"]);
    expect(pst.modelCommands).toEqual(["python run_model.py --quiet"]);
    expect(pst.templates).toEqual([
      { template: "ves1.tpl", input: "a_model.in1" },
      { template: "ves 2.tpl", input: "a model.in2" },
    ]);
    expect(pst.instructions).toEqual([{ instruction: "ves1.ins", output: "a_model.ot1" }]);
    expect(pst.pestpp).toEqual({
      forecasts: "ar3,ar4",
      parcov: "param.unc",
      n_iter_base: "-1",
      parcov_scale_fac: "1.0E-2",
    });
    expect(pst.controlData).toMatchObject({ noptmax: "30", nprior: "1", phiredswh: "0.1", doaui: "noaui" });
    expect(pst.controlData).not.toHaveProperty("noptswitch");
  });

  it("reads a Windows copy (BOM, CRLF, tabs) the same", () => {
    const windows = `\ufeff${classicText.replace(/ {2,}/g, "\t").replace("ro1 fixed", "ro1\tfixed").replace(/\n/g, "\r\n")}`;
    expect(parseClassic(windows)).toEqual(parseClassic(classicText));
  });

  it("reads the model input and output sections written separately", () => {
    const pst = parseClassic(
      classicWith(
        '* model input/output\nves1.tpl a_model.in1\n"ves 2.tpl" "a model.in2"\nves1.ins a_model.ot1\n',
        '* model input\nves1.tpl a_model.in1\n"ves 2.tpl" "a model.in2"\n* model output\nves1.ins a_model.ot1\n',
      ),
    );
    expect(pst.templates.map((t) => t.template)).toEqual(["ves1.tpl", "ves 2.tpl"]);
    expect(pst.instructions).toEqual([{ instruction: "ves1.ins", output: "a_model.ot1" }]);
  });
});

describe("version-2 control files", () => {
  const expectedV2 = (pst: ControlFile) => {
    expect(pst.version).toBe(2);
    expect(pst.parameters).toEqual([
      {
        name: "x1",
        transform: "none",
        changeLimit: "relative",
        value: 2,
        lower: -10,
        upper: 10,
        group: "decvar",
        scale: 1,
        offset: 0,
      },
      {
        name: "x2",
        transform: "log",
        changeLimit: "factor",
        value: 8,
        lower: 0.1,
        upper: 100,
        group: "decvar",
        scale: 1,
        offset: 0,
      },
      {
        name: "x3",
        transform: "tied",
        tiedTo: "x2",
        changeLimit: "factor",
        value: 4,
        lower: 0.1,
        upper: 100,
        group: "decvar",
        scale: 1,
        offset: 0,
      },
      {
        name: "x4",
        transform: "fixed",
        changeLimit: "relative",
        value: -0.5,
        lower: -1,
        upper: 1,
        group: "decvar",
        scale: 2,
        offset: 0.25,
      },
      {
        name: "rech",
        transform: "log",
        value: 1.5e-4,
        lower: 1e-5,
        upper: 1e-3,
        group: "rch",
        scale: 1,
        offset: 0,
      },
      {
        name: "stage",
        transform: "none",
        value: 12.5,
        lower: 10,
        upper: 15,
        group: "riv",
        scale: 1,
        offset: 0,
      },
    ]);
    expect(pst.parameters[4]).not.toHaveProperty("changeLimit");
    // Groups the parameters use but the groups file leaves out are added, as PEST++ does.
    expect(pst.parameterGroups).toEqual(["decvar", "rch", "riv"]);
    expect(pst.observations).toEqual([
      { name: "g1", value: -0.4000000000000057, weight: 1, group: "l_constraint" },
      { name: "g2", value: 1.1000000000000014, weight: 1, group: "l_constraint" },
      { name: "obj", value: 25.61, weight: 0, group: "obj_fn" },
    ]);
    expect(pst.observationGroups).toEqual(["l_constraint", "obj_fn"]);
    expect(pst.modelCommands).toEqual(["python forward_run.py"]);
    expect(pst.templates).toEqual([{ template: "./par.tpl", input: "./par.dat" }]);
    expect(pst.instructions).toEqual([{ instruction: "./obs.ins", output: "./obs.dat" }]);
    expect(pst.controlData).toEqual({ pestmode: "estimation", noptmax: "2", svdmode: "1" });
    expect(pst.pestpp).toEqual({ ies_num_reals: "20", ies_lambda_mults: "0.1,1.0,10.0" });
  };

  it("reads the v2 fixture from disk, external files beside it", async () => {
    const pst = await readControlFile(V2);
    expect(pst.file).toBe(V2);
    expectedV2(pst);
  });

  it("reads Windows copies (BOM, CRLF) of the control file and its tables the same", () => {
    const windows = Object.fromEntries(
      Object.entries(v2Files).map(([name, text]) => [name, `\ufeff${text.replace(/\n/g, "\r\n")}`]),
    );
    expectedV2(parseV2(windows));
  });

  it("treats a file with keyword or external sections as version 2 without the header saying so", () => {
    expect(parseV2({ "case.pst": v2Files["case.pst"]!.replace("pcf version=2", "pcf") }).version).toBe(2);
  });

  it("resolves external files relative to the control file's folder", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pst-"));
    try {
      await cp(V2_DIR, path.join(dir, "model", "tables"), { recursive: true });
      const pst = v2Files["case.pst"]!.replace(/^(case\.\S+)/gm, "tables/$1");
      await writeFile(path.join(dir, "model", "case.pst"), pst);
      expectedV2(await readControlFile(path.join(dir, "model", "case.pst")));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("errors", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it("missing pcf header", () => {
    const e = errorOf(() => parseClassic(classicText.replace("pcf\n", "")));
    expect(e.message).toBe(
      "case.pst:1: missing 'pcf' header: a control file starts with 'pcf', this one with '* control data'",
    );
    expect(e.file).toBe("case.pst");
    expect(e.line).toBe(1);
  });

  it("an empty file", () => {
    expect(errorOf(() => parseClassic("\n\n")).message).toBe(
      "case.pst: the file is empty; a control file starts with 'pcf'",
    );
  });

  it("an unsupported version", () => {
    expect(errorOf(() => parseClassic(classicWith("pcf\n", "pcf version=3\n"))).message).toBe(
      "case.pst:1: unsupported control file version '3' (expected 1 or 2)",
    );
  });

  it("a missing required section", () => {
    const text = classicWith(/\* observation data\n(?:.*\n){4}/, "");
    expect(errorOf(() => parseClassic(text)).message).toBe(
      "case.pst: missing required section '* observation data' (or '* observation data external')",
    );
  });

  it("a missing classic control data section", () => {
    const text = classicWith(/\* control data\n(?:.*\n){8}/, "");
    expect(errorOf(() => parseClassic(text)).message).toBe(
      "case.pst: missing required section '* control data'",
    );
  });

  it("a section given twice", () => {
    const text = `${classicText}* model command line\nother.bat\n`;
    expect(errorOf(() => parseClassic(text)).message).toMatch(
      /^case\.pst:\d+: section '\* model command line' appears twice \(first at line 34\)$/,
    );
  });

  it("classic control data with keyword control data", () => {
    const text = classicWith("* singular", "* control data keyword\nnoptmax 3\n* singular");
    expect(errorOf(() => parseClassic(text)).message).toBe(
      "case.pst:11: section '* control data keyword' cannot be used with '* control data'",
    );
  });

  it("NPAR disagreeing with the parameter rows", () => {
    expect(errorOf(() => parseClassic(classicWith("5 4 2 1 3", "6 4 2 1 3"))).message).toBe(
      "case.pst:4: in '* control data': NPAR is 6 but '* parameter data' lists 5 parameters",
    );
  });

  it("NOBS disagreeing with the observation rows", () => {
    expect(errorOf(() => parseClassic(classicWith("5 4 2 1 3", "5 3 2 1 3"))).message).toBe(
      "case.pst:4: in '* control data': NOBS is 3 but '* observation data' lists 4 observations",
    );
  });

  it("NPARGP, NPRIOR and NOBSGP disagreeing with their sections", () => {
    expect(errorOf(() => parseClassic(classicWith("5 4 2 1 3", "5 4 1 1 3"))).message).toBe(
      "case.pst:4: in '* control data': NPARGP is 1 but '* parameter groups' lists 2 groups",
    );
    expect(errorOf(() => parseClassic(classicWith("5 4 2 1 3", "5 4 2 0 3"))).message).toBe(
      "case.pst:4: in '* control data': NPRIOR is 0 but '* prior information' has 1 articles",
    );
    expect(errorOf(() => parseClassic(classicWith("5 4 2 1 3", "5 4 2 1 4"))).message).toBe(
      "case.pst:4: in '* control data': NOBSGP is 4 but '* observation groups' lists 3 groups",
    );
  });

  it("NTPLFLE and NINSFLE disagreeing with the model input/output pairs", () => {
    expect(errorOf(() => parseClassic(classicWith("2 1 single", "2 2 single"))).message).toBe(
      "case.pst:5: in '* control data': NTPLFLE + NINSFLE is 2 + 2 = 4 but '* model input/output' has 3 file pairs",
    );
  });

  it("a count that is not a whole number", () => {
    expect(errorOf(() => parseClassic(classicWith("5 4 2 1 3", "5.5 4 2 1 3"))).message).toBe(
      "case.pst:4: in '* control data': NPAR must be a whole number, not '5.5'",
    );
  });

  it("a non-numeric parameter value", () => {
    expect(errorOf(() => parseClassic(classicWith("5.0D+00", "5.0X+00"))).message).toBe(
      "case.pst:20: in '* parameter data': PARVAL1 of parameter 'ro2' is not a number: '5.0X+00'",
    );
  });

  it("a non-numeric observation weight", () => {
    expect(errorOf(() => parseClassic(classicWith("2.94056  .5", "2.94056  half"))).message).toBe(
      "case.pst:33: in '* observation data': WEIGHT of observation 'ar4' is not a number: 'half'",
    );
  });

  it("an unknown transform", () => {
    expect(errorOf(() => parseClassic(classicWith("h2  log", "h2  ln"))).message).toBe(
      "case.pst:23: in '* parameter data': parameter 'h2' has unknown transform 'ln' (expected none, log, fixed or tied)",
    );
  });

  it("a parameter row with too few items", () => {
    expect(errorOf(() => parseClassic(classicWith("h  2.0 -1.5", "h"))).message).toMatch(
      /^case\.pst:22: in '\* parameter data': expected PARNME PARTRANS .* found 7 items$/,
    );
  });

  it("a tied parameter tied to an unknown parameter", () => {
    expect(errorOf(() => parseClassic(classicWith("ro3 ro2\n", "ro3 ro9\n"))).message).toBe(
      "case.pst:24: in '* parameter data': parameter 'ro3' is tied to 'ro9', which is not a parameter",
    );
  });

  it("a tied parameter with no tie line", () => {
    expect(errorOf(() => parseClassic(classicWith("ro3 ro2\n", ""))).message).toBe(
      "case.pst:21: in '* parameter data': parameter 'ro3' is tied but no line 'PARNME PARTIED' names the parameter it is tied to",
    );
  });

  it("a tie line for a parameter that is not tied", () => {
    expect(errorOf(() => parseClassic(classicWith("ro3 ro2\n", "ro3 ro2\nh2 ro2\n"))).message).toBe(
      "case.pst:25: in '* parameter data': ties 'h2' to 'ro2', but 'h2' is 'log', not 'tied'",
    );
  });

  it("a parameter listed twice", () => {
    expect(errorOf(() => parseClassic(classicWith("h2  log", "h1  log"))).message).toBe(
      "case.pst:23: in '* parameter data': parameter 'h1' is listed twice (first at case.pst:22)",
    );
  });

  it("a parameter in a group that is not listed", () => {
    expect(errorOf(() => parseClassic(classicWith("100  h  1.0", "100  hh  1.0"))).message).toBe(
      "case.pst:23: in '* parameter data': parameter 'h2' is in group 'hh', which '* parameter groups' does not list",
    );
  });

  it("an observation in a group that is not listed", () => {
    expect(errorOf(() => parseClassic(classicWith("OBSGP2", "OBSGP9"))).message).toBe(
      "case.pst:33: in '* observation data': observation 'ar4' is in group 'obsgp9', which '* observation groups' does not list",
    );
  });

  it("a model input/output line that is not two file names", () => {
    expect(errorOf(() => parseClassic(classicWith("ves1.ins a_model.ot1", "ves1.ins"))).message).toBe(
      "case.pst:40: in '* model input/output': expected two file names (INSFLE OUTFLE), found 1 items",
    );
  });

  it("a malformed ++ line", () => {
    expect(errorOf(() => parseClassic(classicWith("++n_iter_base(-1)", "++n_iter_base -1"))).message).toBe(
      "case.pst:44: in '++ options': expected '++key(value)', found '++n_iter_base -1   # a comment'",
    );
  });

  it("a PEST++ option set twice", () => {
    expect(errorOf(() => parseClassic(`${classicText}++ FORECASTS(ar1)\n`)).message).toBe(
      "case.pst:46: in '++ options': 'forecasts' is set twice (first at line 43)",
    );
  });

  it("a missing external file, by name", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pst-"));
    dirs.push(dir);
    await cp(V2_DIR, dir, { recursive: true });
    await rm(path.join(dir, "case.obs_data.csv"));
    const pst = path.join(dir, "case.pst");
    const e = await readControlFile(pst).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(PestFormatError);
    expect((e as Error).message).toBe(
      `${pst}:15: in '* observation data external': cannot read external file 'case.obs_data.csv': file not found (looked for ${path.join(dir, "case.obs_data.csv")})`,
    );
  });

  it("external files with no way to read them", () => {
    expect(errorOf(() => parseControlFile(v2Files["case.pst"]!, "case.pst")).message).toBe(
      "case.pst:10: in '* parameter groups external': external file 'case.pargp_data.csv' cannot be read: no reader was given for external files",
    );
  });

  it("a missing control file", async () => {
    const missing = path.join(tmpdir(), "no-such-dir-for-pst", "case.pst");
    await expect(readControlFile(missing)).rejects.toThrow(
      new UserError(`cannot read control file ${missing}: not found`),
    );
  });

  it("an external table without a required column", () => {
    const e = errorOf(() =>
      parseV2({ "case.obs_data.csv": v2Files["case.obs_data.csv"]!.replace("weight,", "wt,") }),
    );
    expect(e.message).toBe(
      "case.obs_data.csv:1: in '* observation data external': the header has no 'weight' column",
    );
    const alias = errorOf(() =>
      parseV2({ "case.par_data.csv": v2Files["case.par_data.csv"]!.replace("parnme,", "par,") }),
    );
    expect(alias.message).toBe(
      "case.par_data.csv:1: in '* parameter data external': the header has no 'parnme' (or 'name') column",
    );
  });

  it("an external row with the wrong number of values", () => {
    const e = errorOf(() =>
      parseV2({ "case.obs_data.csv": v2Files["case.obs_data.csv"]!.replace("obj_fn,,", "obj_fn,") }),
    );
    expect(e.message).toBe(
      "case.obs_data.csv:4: in '* observation data external': row has 5 values but the header has 6 columns",
    );
  });

  it("a missing value in a required external column", () => {
    const e = errorOf(() =>
      parseV2({ "case.par_extra.dat": v2Files["case.par_extra.dat"]!.replace("12.5", "NaN") }),
    );
    expect(e.message).toBe(
      "case.par_extra.dat:4: in '* parameter data external': no value in column 'value'",
    );
  });

  it("a non-numeric value in an external table", () => {
    const e = errorOf(() =>
      parseV2({ "case.par_data.csv": v2Files["case.par_data.csv"]!.replace("8.0D+00", "eight") }),
    );
    expect(e.message).toBe(
      "case.par_data.csv:3: in '* parameter data external': PARVAL1 of parameter 'x2' is not a number: 'eight'",
    );
  });

  it("an unknown option on an external file line", () => {
    const pst = v2Files["case.pst"]!.replace("case.obs_data.csv", "case.obs_data.csv delim ;");
    expect(errorOf(() => parseV2({ "case.pst": pst })).message).toBe(
      "case.pst:15: in '* observation data external': unknown option 'delim' for external file 'case.obs_data.csv' (expected sep, missing_value)",
    );
  });

  it("a tied parameter in an external table without a partied column", () => {
    const csv = "parnme,partrans,parval1,parlbnd,parubnd,pargp\nx1,none,1,0,2,g\nx3,tied,1,0,2,g\n";
    expect(errorOf(() => parseV2({ "case.par_data.csv": csv })).message).toBe(
      "case.par_data.csv:3: in '* parameter data external': parameter 'x3' is tied but the file has no 'partied' column naming its parent",
    );
  });

  it("an external tied parameter tied to an unknown parameter", () => {
    const csv = v2Files["case.par_data.csv"]!.replace(",x2,", ",x9,");
    expect(errorOf(() => parseV2({ "case.par_data.csv": csv })).message).toBe(
      "case.par_data.csv:4: in '* parameter data external': parameter 'x3' is tied to 'x9', which is not a parameter",
    );
  });

  it("a keyword line without a value", () => {
    const pst = v2Files["case.pst"]!.replace("noptmax                                 2", "noptmax");
    expect(errorOf(() => parseV2({ "case.pst": pst })).message).toBe(
      "case.pst:5: in '* control data keyword': expected 'keyword value', found 'noptmax'",
    );
  });
});
