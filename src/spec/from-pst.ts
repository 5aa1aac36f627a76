// Turns a PEST control file into a project file, so a PEST user starts in one command: the
// model command, template/instruction pairs, each parameter's scale and offset (the model sees
// value × scale + offset, as PEST++ writes it), tied parameters as ties (the parent's value ×
// the ratio of their initial values), and either an ensemble CSV, whose values are used as they
// are, parameters it lacks keeping their initial values (as pestpp-swp does), or priors from the
// parameter data (PEST++'s convention: mean at the initial value, bounds at +/- 2 standard
// deviations).
import { Document, isMap, isPair, isScalar, type Pair, type YAMLMap } from "yaml";
import { UserError } from "../errors.ts";
import type { ControlFile, ControlParameter } from "../pest/control-file.ts";

export interface FromPstOptions {
  readonly project: string;
  readonly scenario: string;
  /** The model folder (the .pst's folder) relative to the project file. */
  readonly modelDir: string;
  /** The .pst path as shown in comments. */
  readonly pstName: string;
  readonly allowExternalPaths: boolean;
  readonly n: number;
  readonly seed: number;
  /** Use this ensemble CSV (relative to the project file) instead of sampling priors. */
  readonly csv?: {
    readonly path: string;
    /** Its parameter columns, lower-case. */
    readonly columns: readonly string[];
  };
}

export interface FromPstResult {
  readonly yaml: string;
  /** Things a person should look at: what could not be carried over exactly. */
  readonly notes: string[];
}

const SHELL_SYNTAX = /[|&;<>()$`*?]/;

export function projectFromControlFile(pst: ControlFile, options: FromPstOptions): FromPstResult {
  const notes: string[] = [];
  const commands = pst.modelCommands.map((c) => c.trim()).filter((c) => c !== "");
  let command: string[] | string;
  let shell = false;
  if (commands.length === 1 && !SHELL_SYNTAX.test(commands[0]!)) command = splitCommandLine(commands[0]!);
  else {
    command = commands.join(" && ");
    shell = true;
    if (commands.length > 1)
      notes.push(`the ${commands.length} model commands run in sequence through a shell`);
  }

  const fixed: Record<string, number> = {};
  const priors: Record<string, Record<string, unknown>> = {};
  const tied: Record<string, { to: string; ratio: number }> = {};
  const scale: Record<string, number> = {};
  const offset: Record<string, number> = {};
  const inCsv = new Set(options.csv?.columns ?? []);
  const notInCsv: string[] = [];
  const tiedInCsv: string[] = [];
  for (const p of pst.parameters) {
    if (p.scale !== 1) scale[p.name] = p.scale;
    if (p.offset !== 0) offset[p.name] = p.offset;
    if (p.transform === "tied") {
      // Whatever the source, as PEST++ does: the parent's value × the ratio of their initial
      // values, then the tied parameter's own scale and offset.
      tied[p.name] = tieOf(p, pst);
      if (inCsv.has(p.name)) tiedInCsv.push(`${p.name} (${p.name} = ${p.tiedTo} x ${tied[p.name]!.ratio})`);
      continue;
    }
    if (options.csv) {
      if (inCsv.has(p.name)) continue;
      fixed[p.name] = p.value;
      notInCsv.push(p.name);
    } else if (p.transform === "fixed") fixed[p.name] = p.value;
    else priors[p.name] = priorFor(p);
  }
  if (options.csv && tiedInCsv.length > 0) {
    const one = tiedInCsv.length === 1;
    notes.push(
      `${options.csv.path}'s column${one ? "" : "s"} for the tied parameter${one ? "" : "s"} ${tiedInCsv.join(", ")} ` +
        `${one ? "is" : "are"} not used: a tied parameter takes its parent's value × its ratio, as PEST++ does`,
    );
  }
  if (options.csv && notInCsv.length > 0) {
    const one = notInCsv.length === 1;
    const shown =
      notInCsv.slice(0, 5).join(", ") + (notInCsv.length > 5 ? ` and ${notInCsv.length - 5} more` : "");
    notes.push(
      `${one ? "parameter" : `${notInCsv.length} parameters`} ${shown} ${one ? "is" : "are"} not in ` +
        `${options.csv.path}: ${one ? "it keeps its" : "they keep their"} initial value, as PEST++ does`,
    );
  }

  const doc = new Document({});
  doc.commentBefore = ` Imported from ${options.pstName} by \`modelfleet import-pst\`. Check it, then run:\n   modelfleet validate <this file>\n   modelfleet run <this file>`;
  const root = doc.contents as YAMLMap;
  root.set("project", options.project);
  root.set("scenario", options.scenario);
  root.set("description", `Imported from ${options.pstName}`);
  const model: Record<string, unknown> = {
    dir: options.modelDir,
    command,
    ...(shell ? { shell: true } : {}),
    timeout: "1h",
    templates: pst.templates.map((t) => ({ template: slash(t.template), writes: slash(t.input) })),
    instructions: pst.instructions.map((i) => ({ file: slash(i.instruction), reads: slash(i.output) })),
  };
  root.set("model", doc.createNode(model));
  const parameters: Record<string, unknown> = options.csv
    ? { csv: options.csv.path }
    : { sample: { n: options.n, method: "lhs", seed: options.seed, priors } };
  if (Object.keys(fixed).length > 0) parameters.fixed = fixed;
  if (Object.keys(tied).length > 0) parameters.tied = tied;
  if (Object.keys(scale).length > 0) parameters.scale = scale;
  if (Object.keys(offset).length > 0) parameters.offset = offset;
  root.set("parameters", doc.createNode(parameters));
  if (pst.observations.length > 0) {
    // The control file's observation data is what a calibration matches: read from it as it is.
    root.set(
      doc.createNode("observations"),
      doc.createNode({ pst: `${options.modelDir === "." ? "" : `${options.modelDir}/`}${options.pstName}` }),
    );
  }
  if (options.allowExternalPaths) root.set("allow_external_paths", true);

  compactFlowMaps(doc);
  const params = root.get("parameters") as YAMLMap;
  if (!options.csv) {
    const sample = params.get("sample") as YAMLMap;
    sample.commentBefore =
      " Priors from the parameter data: mean at PARVAL1, PARLBND..PARUBND as +/- 2 sd (in log10 for log-transformed parameters), truncated to the bounds.";
  }
  const tiedKey = params.items.find((pair) => isScalar(pair.key) && pair.key.value === "tied")?.key;
  if (isScalar(tiedKey)) {
    tiedKey.commentBefore =
      " Tied parameters: value = the parent's value x ratio (the ratio of their PARVAL1), then their own scale and offset.";
  }
  const transformKey = params.items.find(
    (pair) => isScalar(pair.key) && (pair.key.value === "scale" || pair.key.value === "offset"),
  )?.key;
  if (isScalar(transformKey)) {
    transformKey.commentBefore =
      " SCALE and OFFSET from the parameter data: the model sees value x scale + offset.";
  }
  const observationsKey = root.items.find(
    (pair) => isScalar(pair.key) && pair.key.value === "observations",
  )?.key;
  if (isScalar(observationsKey)) {
    observationsKey.commentBefore = ` The observations to match (modelfleet calibrate): the ${pst.observations.length} of the control file's observation data, with their weights and groups.`;
  }
  if (notes.length > 0) doc.comment = ` Notes from the import:\n${notes.map((n) => `  - ${n}`).join("\n")}`;
  return { yaml: doc.toString({ lineWidth: 0 }), notes };
}

/** A tied parameter's tie: PEST keeps the ratio of its initial value to its parent's. */
function tieOf(p: ControlParameter, pst: ControlFile): { to: string; ratio: number } {
  const parent = pst.parameters.find((q) => q.name === p.tiedTo);
  if (parent === undefined)
    throw new UserError(`parameter ${p.name} is tied to ${p.tiedTo}, which is not a parameter`);
  if (parent.transform === "tied") {
    throw new UserError(
      `import-pst: parameter ${p.name} is tied to ${parent.name}, which is tied itself (to ${parent.tiedTo}); ` +
        `tie ${p.name} to ${parent.tiedTo} in the control file`,
    );
  }
  const ratio = p.value / parent.value;
  if (!Number.isFinite(ratio)) {
    throw new UserError(
      `import-pst: parameter ${p.name} is tied to ${parent.name}, whose initial value (PARVAL1) is ${parent.value}, ` +
        "so the ratio of their values cannot be kept; give the parent a non-zero initial value",
    );
  }
  return { to: parent.name, ratio };
}

/** A prior for the parameter's value (scale and offset apply to what is drawn). */
function priorFor(p: ControlParameter): Record<string, unknown> {
  const lo = p.lower;
  const hi = p.upper;
  const value = p.value;
  if (!(lo < hi)) return { fixed: value };
  if (p.transform === "log" && lo > 0) {
    const sd = (Math.log10(hi) - Math.log10(lo)) / 4;
    return { lognormal: [round(Math.log10(value)), round(sd)], bounds: [lo, hi] };
  }
  return { normal: [value, round((hi - lo) / 4)], bounds: [lo, hi] };
}

function round(x: number): number {
  return Number(x.toPrecision(12));
}

function slash(p: string): string {
  return p.replaceAll("\\", "/");
}

/** Splits a command line into argv, honouring double and single quotes. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Short mappings (template pairs, priors) read best on one line each. */
function compactFlowMaps(doc: Document) {
  const visit = (node: unknown, depth: number) => {
    if (isMap(node)) {
      const simple = node.items.every(
        (it: Pair) =>
          isPair(it) && (isScalar(it.value) || (it.value && !isMap(it.value) && isFlowish(it.value))),
      );
      if (simple && depth >= 2 && node.items.length <= 3) node.flow = true;
      for (const it of node.items) visit(it.value, depth + 1);
    } else if (node && typeof node === "object" && "items" in node) {
      const seq = node as { items: unknown[]; flow?: boolean };
      if (seq.items.every((i) => isScalar(i))) seq.flow = true;
      for (const i of seq.items) visit(i, depth + 1);
    }
  };
  visit(doc.contents, 0);
}

function isFlowish(node: unknown): boolean {
  return Boolean(
    node &&
      typeof node === "object" &&
      "items" in node &&
      (node as { items: unknown[] }).items.every((i) => isScalar(i)),
  );
}
