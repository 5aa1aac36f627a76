// Reads PEST control files (.pst), classic and PEST++ version 2 (keyword control data, tables in
// external CSV files), into what running a model needs: parameters, observations, model commands
// and template/instruction file pairs.

import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import { parseFortranNumber } from "./fortran-number.ts";
import { decodeText, splitLines } from "./text.ts";

export type ParameterTransform = "none" | "log" | "fixed" | "tied";

export interface ControlParameter {
  /** Lower-case: PEST names are case-insensitive. */
  readonly name: string;
  readonly transform: ParameterTransform;
  /** The parent parameter (lower-case) of a tied parameter. */
  readonly tiedTo?: string;
  /** PARCHGLIM, lower-case ("factor", "relative"); absent when a version-2 table has no such column. */
  readonly changeLimit?: string;
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
  /** Lower-case. */
  readonly group: string;
  readonly scale: number;
  readonly offset: number;
}

export interface ControlObservation {
  /** Lower-case. */
  readonly name: string;
  readonly value: number;
  readonly weight: number;
  /** Lower-case. */
  readonly group: string;
}

/** File names are kept as written in the control file, relative to the model's directory. */
export interface TemplatePair {
  readonly template: string;
  readonly input: string;
}

export interface InstructionPair {
  readonly instruction: string;
  readonly output: string;
}

export interface ControlFile {
  readonly file: string;
  /** 2 when the header says `version=2` or the file uses keyword or external sections. */
  readonly version: 1 | 2;
  readonly parameters: readonly ControlParameter[];
  /** Lower-case, in file order. Where a version-2 file lists none, the groups its parameters use. */
  readonly parameterGroups: readonly string[];
  readonly observations: readonly ControlObservation[];
  /** Lower-case, in file order. Where a version-2 file lists none, the groups its observations use. */
  readonly observationGroups: readonly string[];
  readonly modelCommands: readonly string[];
  readonly templates: readonly TemplatePair[];
  readonly instructions: readonly InstructionPair[];
  /** PEST++ options from `++key(value)` lines and non-PEST keywords of `* control data keyword`;
   * keys lower-case, values as written. */
  readonly pestpp: Readonly<Record<string, string>>;
  /** PEST variables by their manual names, lower-case (`noptmax`, `npar`, `pestmode`, `svdmode`,
   * ...), values as written. Only those the file gives. */
  readonly controlData: Readonly<Record<string, string>>;
}

/** Reads an external file named in a version-2 control file, given the name as written there. */
export type ExternalReader = (relativePath: string) => string;

/** Reads a control file from disk; external files are resolved against the control file's folder. */
export async function readControlFile(file: string): Promise<ControlFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const detail = isNotFound(e) ? "not found" : errorMessage(e);
    throw new UserError(`cannot read control file ${file}: ${detail}`, { cause: e });
  }
  const dir = path.dirname(file);
  return parseControlFile(decodeText(bytes), file, (relativePath) => {
    // Control files written on Windows use backslashes, which are ordinary characters on POSIX.
    const local = path.sep === "/" ? relativePath.replaceAll("\\", "/") : relativePath;
    const full = path.resolve(dir, local);
    try {
      return decodeText(readFileSync(full));
    } catch (e) {
      throw new Error(isNotFound(e) ? `file not found (looked for ${full})` : errorMessage(e), { cause: e });
    }
  });
}

function isNotFound(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "ENOENT";
}

// ---------------------------------------------------------------------------------------------
// Lines and sections

interface Line {
  readonly text: string;
  /** 1-based, in the file the line came from. */
  readonly line: number;
}

interface Section {
  /** Normalised: lower-case, single spaces, no `*`. */
  readonly name: string;
  readonly line: number;
  readonly lines: Line[];
}

/** Where a problem is, for messages: the file, its line and the section it belongs to. */
interface Where {
  readonly file: string;
  readonly line: number | undefined;
  readonly section: string;
}

function fail(where: Where, detail: string): PestFormatError {
  return new PestFormatError(where.file, where.line, `in '${where.section}': ${detail}`);
}

function show(section: string): string {
  return `* ${section}`;
}

function tokens(text: string): string[] {
  const t = text.trim();
  return t === "" ? [] : t.split(/\s+/);
}

/** Whitespace-separated tokens where a token may be quoted ("my file.tpl"), as file names in
 * the model input/output sections may be. */
function quotedTokens(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

/** Drops a `#` comment, as PEST++ does on keyword, `++` and external-file lines. */
function uncomment(text: string): string {
  const i = text.indexOf("#");
  return i < 0 ? text : text.slice(0, i);
}

function withoutQuotes(text: string): string {
  return text.replace(/["']/g, "");
}

// ---------------------------------------------------------------------------------------------
// Control data variables, by position in the classic `* control data` section

/** PEST's text switches that may sit among the numbers of a control data line, in any order;
 * the value is the variable they set. */
const SWITCHES: ReadonlyMap<string, string> = new Map(
  [
    ["obsreref", "obsreref"],
    ["lamforgive", "lamforgive"],
    ["derforgive", "derforgive"],
    ["aui", "doaui"],
    ["auid", "doaui"],
    ["senreuse", "dosenreuse"],
    ["boundscale", "boundscale"],
    ["jcosave", "jcosave"],
    ["verboserec", "verboserec"],
    ["jcosaveitn", "jcosaveitn"],
    ["reisaveitn", "reisaveitn"],
    ["parsaveitn", "parsaveitn"],
    ["parsaverun", "parsaverun"],
    ["memsave", "memsave"],
    ["linreg", "linreg"],
    ["continue", "regcontinue"],
  ].flatMap(([word, variable]) => [
    [word!, variable!],
    [`no${word!}`, variable!],
  ]),
);

const CONTROL_DATA_LINES: readonly (readonly string[])[] = [
  ["rstfle", "pestmode"],
  ["npar", "nobs", "npargp", "nprior", "nobsgp", "maxcompdim", "derzerolim"],
  ["ntplfle", "ninsfle", "precis", "dpoint", "numcom", "jacfile", "messfile"],
  ["rlambda1", "rlamfac", "phiratsuf", "phiredlam", "numlam", "jacupdate"],
  ["relparmax", "facparmax", "facorig", "iboundstick", "upvecbend", "absparmax"],
  ["phiredswh", "noptswitch", "splitswh"],
  [
    "noptmax",
    "phiredstp",
    "nphistp",
    "nphinored",
    "relparstp",
    "nrelpar",
    "phistopthresh",
    "lastrun",
    "phiabandon",
  ],
  ["icov", "icor", "ieig", "ires"],
];

const SVD_LINES: readonly (readonly string[])[] = [["svdmode"], ["maxsing", "eigthresh"], ["eigwrite"]];

const REGULARIZATION_LINES: readonly (readonly string[])[] = [
  ["phimlim", "phimaccept", "fracphim"],
  ["wfinit", "wfmin", "wfmax"],
  ["wffac", "wftol", "iregadj", "noptregadj", "regweightrat", "regsingthresh"],
];

/** Keywords of `* control data keyword` that are PEST variables rather than PEST++ options. */
const PEST_VARIABLES: ReadonlySet<string> = new Set([
  ...CONTROL_DATA_LINES.flat(),
  ...SVD_LINES.flat(),
  ...REGULARIZATION_LINES.flat(),
  ...SWITCHES.values(),
]);

function namePositional(
  lines: readonly Line[],
  layout: readonly (readonly string[])[],
  into: Record<string, string>,
) {
  lines.forEach((line, i) => {
    const names = layout[i];
    if (names === undefined) return;
    let next = 0;
    for (const token of tokens(line.text)) {
      const switchName = SWITCHES.get(token.toLowerCase());
      if (switchName !== undefined) into[switchName] = token.toLowerCase();
      else if (next < names.length) into[names[next++]!] = token;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// External tables (version 2)

interface Table {
  readonly file: string;
  readonly section: string;
  readonly columns: ReadonlySet<string>;
  readonly rows: readonly TableRow[];
}

interface TableRow {
  readonly line: number;
  /** Column (lower-case) -> cell; missing values are left out. */
  readonly cells: ReadonlyMap<string, string>;
}

function splitRow(text: string, sep: string | undefined): string[] {
  if (sep === undefined) return quotedTokens(text);
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      if (quoted && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === sep && !quoted) {
      cells.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

function readTable(
  ref: Line,
  section: string,
  pstFile: string,
  readExternal: ExternalReader | undefined,
): Table {
  const where: Where = { file: pstFile, line: ref.line, section };
  const words = tokens(withoutQuotes(uncomment(ref.text)));
  const name = words[0];
  if (name === undefined) throw fail(where, "expected an external file name");
  if ((words.length - 1) % 2 !== 0) {
    throw fail(where, `options after '${name}' must come in 'keyword value' pairs, e.g. 'sep w'`);
  }
  let sep: string | undefined = ",";
  let missing = "";
  for (let i = 1; i < words.length; i += 2) {
    const key = words[i]!.toLowerCase();
    const value = words[i + 1]!;
    if (key === "sep") {
      if (value.length !== 1) throw fail(where, `'sep ${value}' must be one character ('w' for whitespace)`);
      sep = value.toLowerCase() === "w" ? undefined : value;
    } else if (key === "missing_value" || key === "missing_values") {
      missing = value.toLowerCase();
    } else {
      throw fail(
        where,
        `unknown option '${words[i]}' for external file '${name}' (expected sep, missing_value)`,
      );
    }
  }
  if (readExternal === undefined) {
    throw fail(where, `external file '${name}' cannot be read: no reader was given for external files`);
  }
  let text: string;
  try {
    text = decodeText(readExternal(name));
  } catch (e) {
    throw fail(where, `cannot read external file '${name}': ${errorMessage(e)}`);
  }
  const file = path.join(path.dirname(pstFile), name);
  const lines = splitLines(text);
  const headerText = lines[0];
  if (headerText === undefined || headerText.trim() === "") {
    throw fail({ file, line: 1, section }, "the file is empty; it needs a header row naming its columns");
  }
  const header = splitRow(headerText, sep).map((c) =>
    c
      .replace(/[^\x20-\x7e]/g, "")
      .trim()
      .toLowerCase(),
  );
  const seen = new Set<string>();
  for (const column of header) {
    if (seen.has(column))
      throw fail({ file, line: 1, section }, `column '${column}' appears twice in the header`);
    seen.add(column);
  }
  const rows: TableRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const cells = splitRow(raw, sep);
    if (cells.length !== header.length) {
      throw fail(
        { file, line: i + 1, section },
        `row has ${cells.length} values but the header has ${header.length} columns`,
      );
    }
    const map = new Map<string, string>();
    header.forEach((column, j) => {
      const cell = cells[j]!;
      if (cell.toLowerCase() !== missing) map.set(column, cell);
    });
    rows.push({ line: i + 1, cells: map });
  }
  return { file, section, columns: seen, rows };
}

/** The first of a column's names (formal name, then PEST++ alias) that the table has. */
function column(table: Table, names: readonly string[], required: boolean): string | undefined {
  const found = names.find((n) => table.columns.has(n));
  if (found === undefined && required) {
    const alias = names.length > 1 ? ` (or '${names.slice(1).join("', '")}')` : "";
    throw fail(
      { file: table.file, line: 1, section: table.section },
      `the header has no '${names[0]}'${alias} column`,
    );
  }
  return found;
}

function cell(table: Table, row: TableRow, col: string): string {
  const value = row.cells.get(col);
  if (value === undefined) {
    throw fail({ file: table.file, line: row.line, section: table.section }, `no value in column '${col}'`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Records

function parseNumber(where: Where, token: string, what: string): number {
  const n = parseFortranNumber(token);
  if (n === undefined) throw fail(where, `${what} is not a number: '${token}'`);
  return n;
}

function parseCount(where: Where, token: string, what: string): number {
  const n = parseFortranNumber(token);
  if (n === undefined || !Number.isInteger(n) || n < 0) {
    throw fail(where, `${what} must be a whole number, not '${token}'`);
  }
  return n;
}

const TRANSFORMS: ReadonlySet<string> = new Set(["none", "log", "fixed", "tied"]);

interface ParameterFields {
  readonly name: string;
  readonly transform: string;
  readonly changeLimit: string | undefined;
  readonly value: string;
  readonly lower: string;
  readonly upper: string;
  readonly group: string;
  readonly scale: string | undefined;
  readonly offset: string | undefined;
}

/** A parameter in the making: `tiedTo` is filled in once every parameter has been read. */
interface DraftParameter {
  name: string;
  transform: ParameterTransform;
  tiedTo?: string;
  changeLimit?: string;
  value: number;
  lower: number;
  upper: number;
  group: string;
  scale: number;
  offset: number;
  where: Where;
}

function toParameter(where: Where, f: ParameterFields): DraftParameter {
  const name = f.name.toLowerCase();
  const transform = f.transform.toLowerCase();
  if (!TRANSFORMS.has(transform)) {
    throw fail(
      where,
      `parameter '${name}' has unknown transform '${f.transform}' (expected none, log, fixed or tied)`,
    );
  }
  const p: DraftParameter = {
    name,
    transform: transform as ParameterTransform,
    value: parseNumber(where, f.value, `PARVAL1 of parameter '${name}'`),
    lower: parseNumber(where, f.lower, `PARLBND of parameter '${name}'`),
    upper: parseNumber(where, f.upper, `PARUBND of parameter '${name}'`),
    group: f.group.toLowerCase(),
    scale: f.scale === undefined ? 1 : parseNumber(where, f.scale, `SCALE of parameter '${name}'`),
    offset: f.offset === undefined ? 0 : parseNumber(where, f.offset, `OFFSET of parameter '${name}'`),
    where,
  };
  if (f.changeLimit !== undefined) p.changeLimit = f.changeLimit.toLowerCase();
  return p;
}

interface DraftObservation extends ControlObservation {
  readonly where: Where;
}

function toObservation(
  where: Where,
  name: string,
  value: string,
  weight: string,
  group: string,
): DraftObservation {
  const lower = name.toLowerCase();
  return {
    name: lower,
    value: parseNumber(where, value, `OBSVAL of observation '${lower}'`),
    weight: parseNumber(where, weight, `WEIGHT of observation '${lower}'`),
    group: group.toLowerCase(),
    where,
  };
}

/** A tie read from the second part of `* parameter data` or a `partied` column. */
interface Tie {
  readonly child: string;
  readonly parent: string;
  readonly where: Where;
}

// ---------------------------------------------------------------------------------------------
// The parser

/**
 * Parses the text of a control file. `file` names it in error messages and anchors external
 * files; `readExternal` reads those (version 2), given their names as written in the file.
 */
export function parseControlFile(text: string, file: string, readExternal?: ExternalReader): ControlFile {
  const all = splitLines(decodeText(text));

  // The header: the first line that is neither blank nor a comment.
  let headerIndex = all.findIndex((l) => l.trim() !== "" && !l.trim().startsWith("#"));
  if (headerIndex < 0) {
    throw new PestFormatError(file, undefined, "the file is empty; a control file starts with 'pcf'");
  }
  const headerWords = tokens(all[headerIndex]!);
  if (headerWords[0]?.toLowerCase() !== "pcf") {
    throw new PestFormatError(
      file,
      headerIndex + 1,
      `missing 'pcf' header: a control file starts with 'pcf', this one with '${all[headerIndex]!.trim()}'`,
    );
  }
  let declaredVersion = 1;
  for (const word of headerWords.slice(1)) {
    const m = /^version=(.*)$/i.exec(word);
    if (m === null) continue;
    if (m[1] !== "1" && m[1] !== "2") {
      throw new PestFormatError(
        file,
        headerIndex + 1,
        `unsupported control file version '${m[1]}' (expected 1 or 2)`,
      );
    }
    declaredVersion = Number(m[1]);
  }
  headerIndex++;

  // Sections, and the `++` lines that may appear anywhere.
  const sections = new Map<string, Section>();
  const plusPlus: Line[] = [];
  let current: Section | undefined;
  for (let i = headerIndex; i < all.length; i++) {
    const text = all[i]!;
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const line = { text, line: i + 1 };
    if (trimmed.startsWith("++")) {
      plusPlus.push(line);
    } else if (trimmed.startsWith("*")) {
      const name = uncomment(trimmed.slice(1)).trim().replace(/\s+/g, " ").toLowerCase();
      const earlier = sections.get(name);
      if (earlier !== undefined) {
        throw new PestFormatError(
          file,
          i + 1,
          `section '${show(name)}' appears twice (first at line ${earlier.line})`,
        );
      }
      current = { name, line: i + 1, lines: [] };
      sections.set(name, current);
    } else if (current !== undefined) {
      current.lines.push(line);
    }
  }

  const has = (name: string) => sections.has(name);
  const usesV2 = [...sections.keys()].some((n) => n === "control data keyword" || n.endsWith(" external"));
  const version: 1 | 2 = declaredVersion === 2 || usesV2 ? 2 : 1;

  const clash = (a: string, b: string) => {
    const second = sections.get(b);
    if (has(a) && second !== undefined) {
      throw new PestFormatError(file, second.line, `section '${show(b)}' cannot be used with '${show(a)}'`);
    }
  };
  clash("control data", "control data keyword");
  for (const s of ["model input", "model output", "model input external", "model output external"]) {
    clash("model input/output", s);
  }

  const requireOne = (...names: string[]) => {
    if (!names.some(has)) {
      const alternatives = names
        .slice(1)
        .map((n) => ` (or '${show(n)}')`)
        .join("");
      throw new PestFormatError(
        file,
        undefined,
        `missing required section '${show(names[0]!)}'${alternatives}`,
      );
    }
  };
  if (version === 1) {
    requireOne("control data");
    requireOne("parameter groups");
    requireOne("observation groups");
  }
  requireOne("parameter data", "parameter data external");
  requireOne("observation data", "observation data external");
  requireOne("model command line");
  requireOne("model input/output", "model input", "model input external");
  requireOne("model input/output", "model output", "model output external");

  const whereIn = (section: Section, line: number | undefined): Where => ({
    file,
    line,
    section: show(section.name),
  });
  const controlData: Record<string, string> = {};
  const pestpp: Record<string, string> = {};
  const pestppLine = new Map<string, number>();

  // Classic control data: variables by position, and the counts the other sections must match.
  const counts = new Map<string, { value: number; where: Where }>();
  const control = sections.get("control data");
  if (control !== undefined) {
    if (control.lines.length < 3) {
      throw fail(
        whereIn(control, control.line),
        `has ${control.lines.length} lines; it needs at least 3 (RSTFLE PESTMODE / NPAR NOBS NPARGP NPRIOR NOBSGP / NTPLFLE NINSFLE PRECIS DPOINT)`,
      );
    }
    namePositional(control.lines, CONTROL_DATA_LINES, controlData);
    for (const [lineIndex, names] of [
      [1, ["npar", "nobs", "npargp", "nprior", "nobsgp"]],
      [2, ["ntplfle", "ninsfle"]],
    ] as const) {
      const line = control.lines[lineIndex]!;
      const words = tokens(line.text);
      names.forEach((name, i) => {
        const token = words[i];
        if (token === undefined) return;
        const where = whereIn(control, line.line);
        counts.set(name, { value: parseCount(where, token, name.toUpperCase()), where });
      });
    }
  }
  const svd = sections.get("singular value decomposition");
  if (svd !== undefined) namePositional(svd.lines, SVD_LINES, controlData);
  const regularization = sections.get("regularization") ?? sections.get("regularisation");
  if (regularization !== undefined) namePositional(regularization.lines, REGULARIZATION_LINES, controlData);

  const setOption = (target: Record<string, string>, where: Where, key: string, value: string) => {
    const earlier = pestppLine.get(key);
    if (earlier !== undefined) throw fail(where, `'${key}' is set twice (first at line ${earlier})`);
    pestppLine.set(key, where.line ?? 0);
    target[key] = value;
  };

  const keyword = sections.get("control data keyword");
  if (keyword !== undefined) {
    for (const line of keyword.lines) {
      const where = whereIn(keyword, line.line);
      const content = withoutQuotes(uncomment(line.text)).trim();
      if (content === "") continue;
      const m = /^(\S+)\s+(.*)$/.exec(content);
      if (m === null) throw fail(where, `expected 'keyword value', found '${content}'`);
      const key = m[1]!.toLowerCase();
      // PEST++ takes PEST's own variables from the same section as its options.
      setOption(PEST_VARIABLES.has(key) ? controlData : pestpp, where, key, m[2]!.trim());
    }
  }

  for (const line of plusPlus) {
    const where: Where = { file, line: line.line, section: "++ options" };
    let rest = withoutQuotes(uncomment(line.text));
    for (;;) {
      rest = rest.replace(/^[\s+]+/, "");
      if (rest.trim() === "") break;
      const open = rest.indexOf("(");
      const close = rest.indexOf(")", open + 1);
      if (open < 0 || close < 0) throw fail(where, `expected '++key(value)', found '${line.text.trim()}'`);
      const key = rest.slice(0, open).trim().toLowerCase();
      const value = rest.slice(open + 1, close).trim();
      if (key === "" || /\s/.test(key))
        throw fail(where, `expected '++key(value)', found '${line.text.trim()}'`);
      if (value === "") throw fail(where, `option '${key}' has no value`);
      setOption(pestpp, where, key, value);
      rest = rest.slice(close + 1);
    }
  }

  const tables = (name: string): Table[] => {
    const section = sections.get(name);
    if (section === undefined) return [];
    if (section.lines.length === 0) {
      throw fail(whereIn(section, section.line), "names no external file");
    }
    return section.lines.map((line) => readTable(line, show(name), file, readExternal));
  };
  const tableWhere = (table: Table, row: TableRow): Where => ({
    file: table.file,
    line: row.line,
    section: table.section,
  });

  // Parameter groups: only the names matter for running a model.
  const parameterGroups: string[] = [];
  const groupLine = new Map<string, Where>();
  const addGroup = (groups: string[], seen: Map<string, Where>, where: Where, name: string, what: string) => {
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) throw fail(where, `${what} '${lower}' is listed twice`);
    seen.set(lower, where);
    groups.push(lower);
  };
  const pargp = sections.get("parameter groups");
  for (const line of pargp?.lines ?? []) {
    addGroup(
      parameterGroups,
      groupLine,
      whereIn(pargp!, line.line),
      tokens(line.text)[0]!,
      "parameter group",
    );
  }
  for (const table of tables("parameter groups external")) {
    const col = column(table, ["pargpnme", "name"], true)!;
    for (const row of table.rows) {
      addGroup(parameterGroups, groupLine, tableWhere(table, row), cell(table, row, col), "parameter group");
    }
  }

  // Parameters, and the ties of tied ones.
  const parameters: DraftParameter[] = [];
  const byName = new Map<string, DraftParameter>();
  const ties: Tie[] = [];
  const addParameter = (p: DraftParameter) => {
    const earlier = byName.get(p.name);
    if (earlier !== undefined) {
      throw fail(
        p.where,
        `parameter '${p.name}' is listed twice (first at ${earlier.where.file}:${earlier.where.line})`,
      );
    }
    byName.set(p.name, p);
    parameters.push(p);
  };
  const pardata = sections.get("parameter data");
  for (const line of pardata?.lines ?? []) {
    const where = whereIn(pardata!, line.line);
    const t = tokens(line.text);
    if (t.length === 2) {
      ties.push({ child: t[0]!.toLowerCase(), parent: t[1]!.toLowerCase(), where });
    } else if (t.length >= 9) {
      addParameter(
        toParameter(where, {
          name: t[0]!,
          transform: t[1]!,
          changeLimit: t[2]!,
          value: t[3]!,
          lower: t[4]!,
          upper: t[5]!,
          group: t[6]!,
          scale: t[7]!,
          offset: t[8]!,
        }),
      );
    } else {
      throw fail(
        where,
        `expected PARNME PARTRANS PARCHGLIM PARVAL1 PARLBND PARUBND PARGP SCALE OFFSET [DERCOM], or PARNME PARTIED for a tied parameter; found ${t.length} items`,
      );
    }
  }
  for (const table of tables("parameter data external")) {
    const cols = {
      name: column(table, ["parnme", "name"], true)!,
      transform: column(table, ["partrans", "transform"], true)!,
      changeLimit: column(table, ["parchglim", "change_limit"], false),
      value: column(table, ["parval1", "value"], true)!,
      lower: column(table, ["parlbnd", "lower_bound"], true)!,
      upper: column(table, ["parubnd", "upper_bound"], true)!,
      group: column(table, ["pargp", "group"], true)!,
      scale: column(table, ["scale"], false),
      offset: column(table, ["offset"], false),
      tied: column(table, ["partied"], false),
    };
    for (const row of table.rows) {
      const where = tableWhere(table, row);
      const optional = (col: string | undefined) => (col === undefined ? undefined : row.cells.get(col));
      const p = toParameter(where, {
        name: cell(table, row, cols.name),
        transform: cell(table, row, cols.transform),
        changeLimit: optional(cols.changeLimit),
        value: cell(table, row, cols.value),
        lower: cell(table, row, cols.lower),
        upper: cell(table, row, cols.upper),
        group: cell(table, row, cols.group),
        scale: optional(cols.scale),
        offset: optional(cols.offset),
      });
      addParameter(p);
      if (p.transform === "tied") {
        if (cols.tied === undefined) {
          throw fail(
            where,
            `parameter '${p.name}' is tied but the file has no 'partied' column naming its parent`,
          );
        }
        ties.push({ child: p.name, parent: cell(table, row, cols.tied).toLowerCase(), where });
      }
    }
  }
  const tiedBy = new Map<string, Tie>();
  for (const tie of ties) {
    const child = byName.get(tie.child);
    if (child === undefined) throw fail(tie.where, `ties '${tie.child}', which is not a parameter`);
    if (child.transform !== "tied") {
      throw fail(
        tie.where,
        `ties '${tie.child}' to '${tie.parent}', but '${tie.child}' is '${child.transform}', not 'tied'`,
      );
    }
    const earlier = tiedBy.get(tie.child);
    if (earlier !== undefined)
      throw fail(tie.where, `'${tie.child}' is tied twice (first at line ${earlier.where.line})`);
    if (!byName.has(tie.parent)) {
      throw fail(tie.where, `parameter '${tie.child}' is tied to '${tie.parent}', which is not a parameter`);
    }
    if (tie.parent === tie.child) throw fail(tie.where, `parameter '${tie.child}' is tied to itself`);
    tiedBy.set(tie.child, tie);
    child.tiedTo = tie.parent;
  }
  for (const p of parameters) {
    if (p.transform === "tied" && p.tiedTo === undefined) {
      throw fail(
        p.where,
        `parameter '${p.name}' is tied but no line 'PARNME PARTIED' names the parameter it is tied to`,
      );
    }
  }
  if (parameterGroups.length > 0) {
    for (const p of parameters) {
      if (groupLine.has(p.group) || p.group === "none") continue;
      // PEST++ gives version-2 parameters in unlisted groups default group settings.
      if (version === 2) {
        groupLine.set(p.group, p.where);
        parameterGroups.push(p.group);
      } else {
        throw fail(
          p.where,
          `parameter '${p.name}' is in group '${p.group}', which '* parameter groups' does not list`,
        );
      }
    }
  } else {
    for (const p of parameters)
      if (p.group !== "none" && !parameterGroups.includes(p.group)) parameterGroups.push(p.group);
  }

  // Observation groups and observations.
  const observationGroups: string[] = [];
  const obsGroupLine = new Map<string, Where>();
  const obgp = sections.get("observation groups");
  for (const line of obgp?.lines ?? []) {
    addGroup(
      observationGroups,
      obsGroupLine,
      whereIn(obgp!, line.line),
      tokens(line.text)[0]!,
      "observation group",
    );
  }
  for (const table of tables("observation groups external")) {
    const col = column(table, ["obgnme", "name"], true)!;
    for (const row of table.rows) {
      addGroup(
        observationGroups,
        obsGroupLine,
        tableWhere(table, row),
        cell(table, row, col),
        "observation group",
      );
    }
  }
  const observations: DraftObservation[] = [];
  const obsByName = new Map<string, DraftObservation>();
  const addObservation = (o: DraftObservation) => {
    const earlier = obsByName.get(o.name);
    if (earlier !== undefined) {
      throw fail(
        o.where,
        `observation '${o.name}' is listed twice (first at ${earlier.where.file}:${earlier.where.line})`,
      );
    }
    obsByName.set(o.name, o);
    observations.push(o);
  };
  const obsdata = sections.get("observation data");
  for (const line of obsdata?.lines ?? []) {
    const where = whereIn(obsdata!, line.line);
    const t = tokens(line.text);
    if (t.length < 4) throw fail(where, `expected OBSNME OBSVAL WEIGHT OBGNME, found ${t.length} items`);
    addObservation(toObservation(where, t[0]!, t[1]!, t[2]!, t[3]!));
  }
  for (const table of tables("observation data external")) {
    const cols = {
      name: column(table, ["obsnme", "name"], true)!,
      value: column(table, ["obsval", "value"], true)!,
      weight: column(table, ["weight"], true)!,
      group: column(table, ["obgnme", "group"], true)!,
    };
    for (const row of table.rows) {
      addObservation(
        toObservation(
          tableWhere(table, row),
          cell(table, row, cols.name),
          cell(table, row, cols.value),
          cell(table, row, cols.weight),
          cell(table, row, cols.group),
        ),
      );
    }
  }
  for (const o of observations) {
    if (obsGroupLine.has(o.group)) continue;
    if (version === 1) {
      throw fail(
        o.where,
        `observation '${o.name}' is in group '${o.group}', which '* observation groups' does not list`,
      );
    }
    obsGroupLine.set(o.group, o.where);
    observationGroups.push(o.group);
  }

  // The model: commands, then template and instruction files.
  const commandSection = sections.get("model command line")!;
  const modelCommands = commandSection.lines.map((l) => l.text.trim());
  if (modelCommands.length === 0)
    throw fail(whereIn(commandSection, commandSection.line), "gives no model command");

  const templates: TemplatePair[] = [];
  const instructions: InstructionPair[] = [];
  const pairOf = (section: Section, line: Line, names: string): [string, string] => {
    const t = quotedTokens(line.text);
    if (t.length !== 2) {
      throw fail(whereIn(section, line.line), `expected two file names (${names}), found ${t.length} items`);
    }
    return [t[0]!, t[1]!];
  };
  const io = sections.get("model input/output");
  if (io !== undefined) {
    const ntpl = counts.get("ntplfle");
    const nins = counts.get("ninsfle");
    if (ntpl === undefined || nins === undefined) {
      throw fail(
        whereIn(io, io.line),
        "needs NTPLFLE and NINSFLE from '* control data' to tell template from instruction files; use '* model input' and '* model output' instead",
      );
    }
    if (io.lines.length !== ntpl.value + nins.value) {
      throw fail(
        ntpl.where,
        `NTPLFLE + NINSFLE is ${ntpl.value} + ${nins.value} = ${ntpl.value + nins.value} but '* model input/output' has ${io.lines.length} file pairs`,
      );
    }
    io.lines.forEach((line, i) => {
      if (i < ntpl.value) {
        const [template, input] = pairOf(io, line, "TEMPFLE INFLE");
        templates.push({ template, input });
      } else {
        const [instruction, output] = pairOf(io, line, "INSFLE OUTFLE");
        instructions.push({ instruction, output });
      }
    });
  }
  const input = sections.get("model input");
  for (const line of input?.lines ?? []) {
    const [template, inputFile] = pairOf(input!, line, "TEMPFLE INFLE");
    templates.push({ template, input: inputFile });
  }
  for (const table of tables("model input external")) {
    const pest = column(table, ["pest_file"], true)!;
    const model = column(table, ["model_file"], true)!;
    for (const row of table.rows)
      templates.push({ template: cell(table, row, pest), input: cell(table, row, model) });
  }
  const output = sections.get("model output");
  for (const line of output?.lines ?? []) {
    const [instruction, outputFile] = pairOf(output!, line, "INSFLE OUTFLE");
    instructions.push({ instruction, output: outputFile });
  }
  for (const table of tables("model output external")) {
    const pest = column(table, ["pest_file"], true)!;
    const model = column(table, ["model_file"], true)!;
    for (const row of table.rows) {
      instructions.push({ instruction: cell(table, row, pest), output: cell(table, row, model) });
    }
  }

  // The counts in control data must agree with what the sections hold.
  const prior = sections.get("prior information");
  // A prior information article may continue over lines that start with '&'.
  const priorCount =
    prior === undefined ? 0 : prior.lines.filter((l) => !l.text.trim().startsWith("&")).length;
  const check = (name: string, actual: number, what: (n: number) => string) => {
    const declared = counts.get(name);
    if (declared !== undefined && declared.value !== actual) {
      throw fail(declared.where, `${name.toUpperCase()} is ${declared.value} but ${what(actual)}`);
    }
  };
  check("npar", parameters.length, (n) => `'* parameter data' lists ${n} parameters`);
  check("nobs", observations.length, (n) => `'* observation data' lists ${n} observations`);
  check("npargp", parameterGroups.length, (n) => `'* parameter groups' lists ${n} groups`);
  if (!has("prior information external")) {
    check("nprior", priorCount, (n) => `'* prior information' has ${n} articles`);
  }
  check("nobsgp", observationGroups.length, (n) => `'* observation groups' lists ${n} groups`);
  if (io === undefined) {
    check("ntplfle", templates.length, (n) => `the model input sections list ${n} template files`);
    check("ninsfle", instructions.length, (n) => `the model output sections list ${n} instruction files`);
  }

  return {
    file,
    version,
    parameters: parameters.map(({ where: _, ...p }) => p),
    parameterGroups,
    observations: observations.map(({ where: _, ...o }) => o),
    observationGroups,
    modelCommands,
    templates,
    instructions,
    pestpp,
    controlData,
  };
}
