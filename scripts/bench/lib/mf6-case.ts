// A MODFLOW 6 case of the shape that stresses a run manager: a large model folder of many files,
// thousands of parameters written by a few array templates, about a thousand observations read
// from three CSV files, and a model that runs in about a tenth of a second. The benchmarks write
// it into a scratch folder (lib/cases.ts keeps it between runs) for mf6-side-by-side.ts.
//
// With the defaults: 3 layers of 45 x 45 cells, 25 stress periods (one steady, 24 transient),
// 14 templates holding 8,175 parameters (hydraulic conductivity and recharge per cell, vertical
// conductivity, specific storage and yield per zone, 15 well rates), 3 instruction files reading
// 1,025 observations (40 heads and one flow per stress period), and, beside the model, the
// outputs of an earlier run and a folder of data files, as a model folder people work in holds.
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface Mf6CaseOptions {
  /** Written here: model/, case.yaml, prior.csv (with `source: "csv"`), pest/. */
  readonly dir: string;
  readonly realisations: number;
  readonly layers?: number;
  readonly rows?: number;
  readonly cols?: number;
  readonly periods?: number;
  /** Time steps per transient stress period (the model's run time grows with it). */
  readonly steps?: number;
  /** Data files beside the model (not read by it) and their size each, in bytes. */
  readonly dataFiles?: number;
  readonly dataFileBytes?: number;
  /** Where the parameter sets come from: an ensemble CSV, or priors sampled by modelfleet. */
  readonly source?: "csv" | "sample";
  /** The mf6 program: the project's command, and run once to leave an earlier run's outputs. */
  readonly mf6: string;
  readonly seed?: number;
  /** Write the PEST++ control file and sweep CSV too (pest/). */
  readonly pest?: boolean;
  readonly project?: string;
  readonly scenario?: string;
}

export interface Mf6Case {
  readonly specFile: string;
  readonly modelDir: string;
  readonly parameters: readonly string[];
  readonly observations: readonly string[];
  readonly templates: number;
  /** The PEST++ files (with `pest: true`): the control file and the sweep CSV. */
  readonly pst?: string;
  readonly sweepCsv?: string;
}

interface Parameter {
  readonly name: string;
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
}

interface TemplateFile {
  readonly template: string;
  readonly writes: string;
}

const ZONES_K33 = 10;
const ZONES_STORAGE = 5;
const WELLS = 15;
const HEAD_WELLS_PER_FILE = 20;

/** A seeded generator (mulberry32), so a case is the same every time it is written. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const two = (n: number) => String(n).padStart(2, "0");

export async function writeMf6Case(options: Mf6CaseOptions): Promise<Mf6Case> {
  const layers = options.layers ?? 3;
  const rows = options.rows ?? 45;
  const cols = options.cols ?? 45;
  const periods = options.periods ?? 25;
  const steps = options.steps ?? 1;
  const source = options.source ?? "csv";
  const random = seeded(options.seed ?? 7);
  const model = join(options.dir, "model");
  await mkdir(join(model, "data"), { recursive: true });

  const parameters: Parameter[] = [];
  const templates: TemplateFile[] = [];
  const files = new Map<string, string>();
  const cellName = (prefix: string, r: number, c: number) => `${prefix}_r${two(r + 1)}_c${two(c + 1)}`;

  /** An array template: one field per cell, `name(r, c)` naming its parameter. */
  const arrayTemplate = (writes: string, width: number, name: (r: number, c: number) => string) => {
    const lines = ["ptf ~"];
    for (let r = 0; r < rows; r++) {
      const cells: string[] = [];
      for (let c = 0; c < cols; c++) {
        const n = name(r, c);
        cells.push(`~${n.padStart(Math.floor((width - 2 + n.length) / 2)).padEnd(width - 2)}~`);
      }
      lines.push(cells.join(" "));
    }
    files.set(`${writes}.tpl`, `${lines.join("\n")}\n`);
    templates.push({ template: `${writes}.tpl`, writes });
  };

  for (let l = 1; l <= layers; l++) {
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        parameters.push({ name: cellName(`k${l}`, r, c), low: 1, high: 50, log: true });
    arrayTemplate(`k_l${l}.txt`, 14, (r, c) => cellName(`k${l}`, r, c));
  }
  const zoneOf = (zones: number, c: number) => Math.min(zones - 1, Math.floor((c * zones) / cols)) + 1;
  for (const [prefix, zones, low, high, log] of [
    ["k33", ZONES_K33, 0.1, 5, true],
    ["ss", ZONES_STORAGE, 1e-6, 1e-4, true],
    ["sy", ZONES_STORAGE, 0.05, 0.3, false],
  ] as const) {
    for (let l = 1; l <= layers; l++) {
      for (let z = 1; z <= zones; z++)
        parameters.push({ name: `${prefix}_l${l}_z${two(z)}`, low, high, log });
      arrayTemplate(`${prefix}_l${l}.txt`, 14, (_r, c) => `${prefix}_l${l}_z${two(zoneOf(zones, c))}`);
    }
  }
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      parameters.push({ name: cellName("rch", r, c), low: 1e-5, high: 5e-4, log: true });
  arrayTemplate("rch.txt", 15, (r, c) => cellName("rch", r, c));

  // Wells pump from the middle layer, spread over the inner part of the grid.
  const wells = Array.from({ length: WELLS }, (_, i) => ({
    name: `q_w${two(i + 1)}`,
    layer: Math.min(layers, 2),
    row: 3 + Math.floor(random() * (rows - 6)),
    col: 3 + Math.floor(random() * (cols - 6)),
  }));
  for (const w of wells) parameters.push({ name: w.name, low: -400, high: -50, log: false });
  files.set(
    "wel.txt.tpl",
    `ptf ~\n${wells.map((w) => `${w.layer} ${w.row + 1} ${w.col + 1} ~   ${w.name.padEnd(8)}~`).join("\n")}\n`,
  );
  templates.push({ template: "wel.txt.tpl", writes: "wel.txt" });

  // Observations: heads at 2 x 20 wells in layer 1, and the flow out of the east boundary, per period.
  const headWells = (tag: string) =>
    Array.from({ length: HEAD_WELLS_PER_FILE }, (_, i) => ({
      name: `h${tag}${two(i + 1)}`,
      row: 1 + Math.floor(random() * (rows - 2)),
      col: 1 + Math.floor(random() * (cols - 2)),
    }));
  const headsA = headWells("a");
  const headsB = headWells("b");
  const observations: string[] = [];
  const insFor = (csv: string, names: readonly string[]) => {
    const lines = ["pif ~", "l1"];
    for (let t = 1; t <= periods; t++) {
      const items = names.map((n) => {
        const obs = `${n}_t${two(t)}`;
        observations.push(obs);
        return `~,~ !${obs}!`;
      });
      lines.push(`l1 ${items.join(" ")}`);
    }
    files.set(`${csv}.ins`, `${lines.join("\n")}\n`);
  };
  insFor(
    "heads_a.csv",
    headsA.map((w) => w.name),
  );
  insFor(
    "heads_b.csv",
    headsB.map((w) => w.name),
  );
  insFor("flows.csv", ["q_east"]);

  // The model's own files.
  const top = 100;
  const botm = Array.from({ length: layers }, (_, l) => top - 30 * (l + 1));
  const constantArray = (v: number) =>
    Array.from({ length: rows }, () => Array.from({ length: cols }, () => v.toFixed(4)).join(" ")).join("\n");
  files.set("top.txt", `${constantArray(top)}\n`);
  for (let l = 1; l <= layers; l++) files.set(`botm_l${l}.txt`, `${constantArray(botm[l - 1]!)}\n`);
  files.set(
    "mfsim.nam",
    [
      "BEGIN options",
      "END options",
      "BEGIN timing",
      "  TDIS6 sim.tdis",
      "END timing",
      "BEGIN models",
      "  gwf6 gwf.nam gwf",
      "END models",
      "BEGIN exchanges",
      "END exchanges",
      "BEGIN solutiongroup 1",
      "  ims6 sim.ims gwf",
      "END solutiongroup",
      "",
    ].join("\n"),
  );
  files.set(
    "sim.tdis",
    [
      "BEGIN options",
      "  TIME_UNITS days",
      "END options",
      "BEGIN dimensions",
      `  NPER ${periods}`,
      "END dimensions",
      "BEGIN perioddata",
      "  1.0 1 1.0",
      ...Array.from({ length: periods - 1 }, () => `  30.0 ${steps} 1.0`),
      "END perioddata",
      "",
    ].join("\n"),
  );
  files.set(
    "sim.ims",
    [
      "BEGIN options",
      "  PRINT_OPTION none",
      "  COMPLEXITY simple",
      "END options",
      "BEGIN nonlinear",
      "  OUTER_DVCLOSE 1.0e-3",
      "  OUTER_MAXIMUM 50",
      "END nonlinear",
      "BEGIN linear",
      "  INNER_MAXIMUM 300",
      "  INNER_DVCLOSE 1.0e-4",
      "  INNER_RCLOSE 1.0",
      "  LINEAR_ACCELERATION cg",
      "END linear",
      "",
    ].join("\n"),
  );
  const layered = (name: string, prefix: string) => [
    `  ${name} LAYERED`,
    ...Array.from({ length: layers }, (_, l) => `    OPEN/CLOSE ${prefix}_l${l + 1}.txt`),
  ];
  files.set(
    "gwf.nam",
    [
      "BEGIN options",
      "  SAVE_FLOWS",
      "END options",
      "BEGIN packages",
      "  DIS6 gwf.dis dis",
      "  IC6 gwf.ic ic",
      "  NPF6 gwf.npf npf",
      "  STO6 gwf.sto sto",
      "  CHD6 gwf.chd chd",
      "  WEL6 gwf.wel wel",
      "  RCH6 gwf.rch rch",
      "  OC6 gwf.oc oc",
      "  OBS6 gwf.obs obs",
      "END packages",
      "",
    ].join("\n"),
  );
  files.set(
    "gwf.dis",
    [
      "BEGIN options",
      "  LENGTH_UNITS meters",
      "END options",
      "BEGIN dimensions",
      `  NLAY ${layers}`,
      `  NROW ${rows}`,
      `  NCOL ${cols}`,
      "END dimensions",
      "BEGIN griddata",
      "  delr",
      "    CONSTANT 100.0",
      "  delc",
      "    CONSTANT 100.0",
      "  top",
      "    OPEN/CLOSE top.txt",
      ...layered("botm", "botm"),
      "END griddata",
      "",
    ].join("\n"),
  );
  files.set(
    "gwf.ic",
    [
      "BEGIN options",
      "END options",
      "BEGIN griddata",
      "  strt",
      "    CONSTANT 95.0",
      "END griddata",
      "",
    ].join("\n"),
  );
  files.set(
    "gwf.npf",
    [
      "BEGIN options",
      "END options",
      "BEGIN griddata",
      "  icelltype",
      "    CONSTANT 0",
      ...layered("k", "k"),
      ...layered("k33", "k33"),
      "END griddata",
      "",
    ].join("\n"),
  );
  files.set(
    "gwf.sto",
    [
      "BEGIN options",
      "END options",
      "BEGIN griddata",
      "  iconvert",
      "    CONSTANT 0",
      ...layered("ss", "ss"),
      ...layered("sy", "sy"),
      "END griddata",
      "BEGIN period 1",
      "  STEADY-STATE",
      "END period",
      ...(periods > 1 ? ["BEGIN period 2", "  TRANSIENT", "END period"] : []),
      "",
    ].join("\n"),
  );
  const chd: string[] = [];
  for (let l = 1; l <= layers; l++) {
    for (let r = 1; r <= rows; r++) {
      chd.push(`${l} ${r} 1 98.0`);
      chd.push(`${l} ${r} ${cols} 92.0`);
    }
  }
  files.set("chd.txt", `${chd.join("\n")}\n`);
  files.set(
    "gwf.chd",
    [
      "BEGIN options",
      "  BOUNDNAMES",
      "END options",
      "BEGIN dimensions",
      `  MAXBOUND ${chd.length}`,
      "END dimensions",
      "BEGIN period 1",
      "  OPEN/CLOSE chd.txt",
      "END period",
      "",
    ].join("\n"),
  );
  files.set(
    "gwf.wel",
    [
      "BEGIN options",
      "END options",
      "BEGIN dimensions",
      `  MAXBOUND ${WELLS}`,
      "END dimensions",
      "BEGIN period 1",
      "  OPEN/CLOSE wel.txt",
      "END period",
      "",
    ].join("\n"),
  );
  files.set(
    "gwf.rch",
    [
      "BEGIN options",
      "  READASARRAYS",
      "END options",
      "BEGIN period 1",
      "  recharge",
      "    OPEN/CLOSE rch.txt",
      "END period",
      "",
    ].join("\n"),
  );
  files.set(
    "gwf.oc",
    [
      "BEGIN options",
      "  BUDGET FILEOUT gwf.cbc",
      "  HEAD FILEOUT gwf.hds",
      "END options",
      "BEGIN period 1",
      "  SAVE HEAD ALL",
      "END period",
      // The budget of the last period only: a whole run's budget would be most of the output.
      `BEGIN period ${periods}`,
      "  SAVE HEAD ALL",
      "  SAVE BUDGET LAST",
      "END period",
      "",
    ].join("\n"),
  );
  const eastFace = Array.from({ length: rows }, (_, r) => r + 1);
  files.set(
    "gwf.obs",
    [
      "BEGIN options",
      "  DIGITS 10",
      "END options",
      "BEGIN continuous FILEOUT heads_a.csv",
      ...headsA.map((w) => `  ${w.name} HEAD 1 ${w.row + 1} ${w.col + 1}`),
      "END continuous",
      "BEGIN continuous FILEOUT heads_b.csv",
      ...headsB.map((w) => `  ${w.name} HEAD 1 ${w.row + 1} ${w.col + 1}`),
      "END continuous",
      "BEGIN continuous FILEOUT flows.csv",
      // The flow across the faces of the last two columns, one row of layer 1 (net into the east boundary).
      `  q_east FLOW-JA-FACE 1 ${eastFace[Math.floor(rows / 2)]} ${cols - 1} 1 ${eastFace[Math.floor(rows / 2)]} ${cols}`,
      "END continuous",
      "",
    ].join("\n"),
  );
  for (const [name, text] of files) await writeFile(join(model, name), text);

  // Data files beside the model, as a model folder people work in holds (bore logs, records).
  const dataFiles = options.dataFiles ?? 45;
  const dataFileBytes = options.dataFileBytes ?? 650_000;
  for (let i = 1; i <= dataFiles; i++) {
    const lines: string[] = ["date,bore,level_m,pumping_m3d"];
    let size = lines[0]!.length + 1;
    for (let d = 0; size < dataFileBytes; d++) {
      const line = `2020-01-${two((d % 28) + 1)},B${String(i).padStart(3, "0")},${(90 + random() * 10).toFixed(3)},${(random() * 500).toFixed(1)}`;
      lines.push(line);
      size += line.length + 1;
    }
    await writeFile(
      join(model, "data", `records_${String(i).padStart(3, "0")}.csv`),
      `${lines.join("\n")}\n`,
    );
  }

  // Parameter sets: realisation r draws every parameter in its range (log-uniform or uniform).
  const draw = (p: Parameter, u: number) =>
    p.log
      ? 10 ** (Math.log10(p.low) + u * (Math.log10(p.high) - Math.log10(p.low)))
      : p.low + u * (p.high - p.low);
  const csvPath = join(options.dir, "prior.csv");
  if (source === "csv" || options.pest) {
    const out = createWriteStream(csvPath);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, "drain");
    };
    await write(`real_name,${parameters.map((p) => p.name).join(",")}\n`);
    for (let r = 0; r < options.realisations; r++) {
      const u = seeded(1000 + r);
      await write(
        `r${String(r + 1).padStart(5, "0")},${parameters.map((p) => String(draw(p, u()))).join(",")}\n`,
      );
    }
    out.end();
    await once(out, "finish");
  }

  // Base values (realisation 1) into the model's input files, and one run, so that the model
  // folder holds an earlier run's outputs as a working model folder does.
  const base = seeded(1000);
  const baseValues = new Map(parameters.map((p) => [p.name, draw(p, base())]));
  for (const t of templates) {
    const text = files.get(t.template)!;
    const filled = text.slice(text.indexOf("\n") + 1).replace(/~([^~]*)~/g, (field, inside: string) => {
      const v = baseValues.get(inside.trim())!;
      return v.toPrecision(6).padStart(field.length);
    });
    await writeFile(join(model, t.writes), filled);
  }
  execFileSync(options.mf6, [], { cwd: model, stdio: "ignore" });

  const project = options.project ?? "mf6bench";
  const scenario = options.scenario ?? "base";
  const specFile = join(options.dir, `${scenario}.yaml`);
  const parametersYaml =
    source === "csv"
      ? ["parameters:", "  csv: prior.csv"]
      : [
          "parameters:",
          "  sample:",
          `    n: ${options.realisations}`,
          "    method: mc",
          "    seed: 11",
          "    priors:",
          ...parameters.map(
            (p) => `      ${p.name}: { ${p.log ? "loguniform" : "uniform"}: [${p.low}, ${p.high}] }`,
          ),
        ];
  await writeFile(
    specFile,
    [
      `project: ${project}`,
      `scenario: ${scenario}`,
      "model:",
      "  dir: model",
      `  command: [${JSON.stringify(options.mf6)}]`,
      "  timeout: 5m",
      "  templates:",
      ...templates.map((t) => `    - { template: ${t.template}, writes: ${t.writes} }`),
      "  instructions:",
      ...["heads_a.csv", "heads_b.csv", "flows.csv"].map((f) => `    - { file: ${f}.ins, reads: ${f} }`),
      "  success: { file: mfsim.lst, contains: Normal termination of simulation }",
      ...parametersYaml,
      "retries: { infrastructure: 2, model: 0 }",
      "report:",
      "  key_observations: [ha01_t25, ha05_t25, hb01_t25, q_east_t25]",
      "",
    ].join("\n"),
  );

  let pst: string | undefined;
  let sweepCsv: string | undefined;
  if (options.pest) {
    const pestDir = join(options.dir, "pest");
    await mkdir(pestDir, { recursive: true });
    pst = join(pestDir, "case.pst");
    sweepCsv = csvPath;
    await writeFile(pst, controlFile({ parameters, observations, templates, mf6: options.mf6 }));
  }
  return {
    specFile,
    modelDir: model,
    parameters: parameters.map((p) => p.name),
    observations,
    templates: templates.length,
    ...(pst ? { pst, sweepCsv } : {}),
  };
}

/** The PEST control file pestpp-swp reads for the same case (parameters, observations, the
 * templates and instruction files, the model command). */
function controlFile(c: {
  parameters: readonly Parameter[];
  observations: readonly string[];
  templates: readonly TemplateFile[];
  mf6: string;
}): string {
  const ins = ["heads_a.csv", "heads_b.csv", "flows.csv"];
  return [
    "pcf",
    "* control data",
    "restart estimation",
    `${c.parameters.length} ${c.observations.length} 1 0 1`,
    `${c.templates.length} ${ins.length} single point 1 0 0`,
    "10.0 -3.0 0.3 0.03 10",
    "10.0 10.0 0.001",
    "0.1",
    "0 0.01 3 3 0.01 3",
    "0 0 0",
    "* parameter groups",
    "pg relative 0.01 0.0 switch 2.0 parabolic",
    "* parameter data",
    ...c.parameters.map((p) => {
      const mid = p.log ? Math.sqrt(p.low * p.high) : (p.low + p.high) / 2;
      const [lb, ub] = p.low < p.high ? [p.low, p.high] : [p.high, p.low];
      return `${p.name} none relative ${mid} ${lb} ${ub} pg 1.0 0.0 1`;
    }),
    "* observation groups",
    "og",
    "* observation data",
    ...c.observations.map((o) => `${o} 0.0 1.0 og`),
    "* model command line",
    c.mf6,
    "* model input/output",
    ...c.templates.map((t) => `${t.template} ${t.writes}`),
    ...ins.map((f) => `${f}.ins ${f}`),
    "++sweep_parameter_csv_file(sweep_in.csv)",
    "++sweep_output_csv_file(sweep_out.csv)",
    "++panther_poll_interval(0.01)",
    "",
  ].join("\n");
}
