// The observations a calibration matches, from the project file's `observations`: inline
// values, a CSV, or a PEST control file's `* observation data`. Every one must be an
// observation an instruction file reads; problems are reported all together, each with its
// file and line and how to fix it.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { errorMessage, UserError } from "../errors.ts";
import { readControlFile } from "../pest/control-file.ts";
import { parseFortranNumber } from "../pest/fortran-number.ts";
import { decodeUtf8 } from "../pest/text.ts";
import { defaultGroupName } from "../results/groups.ts";
import type { ObservationsSpec } from "../spec/calibration-schema.ts";
import { closest } from "../spec/diagnostics.ts";

export interface ObservationTarget {
  /** Lower-case, as PEST reads names. */
  readonly name: string;
  readonly value: number;
  /** 0 leaves it out of phi and the update (it is still reported). */
  readonly weight: number;
  /** Standard deviation of its noise: 1/weight unless given. */
  readonly sd: number;
  readonly group: string;
}

interface Draft {
  readonly name: string;
  readonly value: number;
  readonly weight?: number | undefined;
  readonly sd?: number | undefined;
  readonly group?: string | undefined;
  /** Where it was given, for messages. */
  readonly at: string;
}

/** Reads and checks the targets; `specFile` is for messages, `specDir` resolves paths. */
export async function loadObservationTargets(options: {
  readonly observations: ObservationsSpec;
  readonly specFile: string;
  readonly specDir: string;
  /** What the instruction files read, as named there. */
  readonly read: readonly string[];
}): Promise<ObservationTarget[]> {
  const { observations: o, specFile } = options;
  let drafts: Draft[];
  if (o.values) {
    drafts = Object.entries(o.values).map(([name, t]) => ({
      name,
      value: t.value,
      weight: t.weight,
      sd: t.sd,
      group: t.group,
      at: `${specFile}: \`observations.values.${name}\``,
    }));
  } else if (o.csv) drafts = await fromCsv(resolve(options.specDir, o.csv), o.csv);
  else {
    const pst = await readControlFile(resolve(options.specDir, o.pst!));
    drafts = pst.observations.map((ob) => ({
      name: ob.name,
      value: ob.value,
      weight: ob.weight,
      group: ob.group,
      at: `${o.pst}: observation ${ob.name}`,
    }));
  }
  const known = new Map(options.read.map((n) => [n.toLowerCase(), n]));
  const problems: string[] = [];
  const seen = new Set<string>();
  const targets: ObservationTarget[] = [];
  for (const d of drafts) {
    const name = d.name.toLowerCase();
    if (seen.has(name)) {
      problems.push(`${d.at}: observation ${d.name} is given twice; give each once`);
      continue;
    }
    seen.add(name);
    if (!known.has(name)) {
      const near = closest(name, [...known.keys()]);
      problems.push(
        `${d.at}: no instruction file reads an observation ${d.name}${near ? `; did you mean ${near}?` : ""}`,
      );
      continue;
    }
    const weight = d.weight ?? 1 / d.sd!;
    const sd = d.sd ?? (weight > 0 ? 1 / weight : Number.POSITIVE_INFINITY);
    targets.push({
      name,
      value: d.value,
      weight,
      sd,
      group: (d.group ?? defaultGroupName(name)).toLowerCase(),
    });
  }
  if (problems.length === 0 && !targets.some((t) => t.weight > 0)) {
    problems.push(
      `${specFile}: \`observations\`: every observation has weight 0, so there is nothing to match; give some a weight`,
    );
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10);
    if (problems.length > 10) shown.push(`... and ${problems.length - 10} more`);
    throw new UserError(shown.join("\n"));
  }
  return targets;
}

const COLUMNS: Record<string, readonly string[]> = {
  name: ["name", "obsnme", "observation"],
  value: ["value", "obsval"],
  weight: ["weight"],
  sd: ["standard_deviation", "sd", "stdev"],
  group: ["group", "obgnme"],
};

async function fromCsv(path: string, shown: string): Promise<Draft[]> {
  let text: string;
  try {
    text = decodeUtf8(await readFile(path), shown);
  } catch (e) {
    throw new UserError(`cannot read the observations CSV ${shown}: ${errorMessage(e)}`);
  }
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = (lines[0] ?? "").split(",").map((c) => c.trim().toLowerCase());
  const index = (key: string) => header.findIndex((h) => COLUMNS[key]!.includes(h));
  const at = {
    name: index("name"),
    value: index("value"),
    weight: index("weight"),
    sd: index("sd"),
    group: index("group"),
  };
  if (at.name < 0 || at.value < 0 || (at.weight < 0 && at.sd < 0)) {
    throw new UserError(
      `${shown}:1: expected a header with the columns name, value, and weight and/or standard_deviation (group optional); got "${lines[0] ?? ""}"`,
    );
  }
  const drafts: Draft[] = [];
  const problems: string[] = [];
  lines.forEach((line, i) => {
    if (i === 0 || line.trim() === "") return;
    const cells = line.split(",").map((c) => c.trim());
    const where = `${shown}:${i + 1}`;
    const number = (col: number, what: string, check: (v: number) => boolean, expected: string) => {
      if (col < 0 || cells[col] === undefined || cells[col] === "") return undefined;
      const v = parseFortranNumber(cells[col]!);
      if (v === undefined || !check(v)) {
        problems.push(`${where}: ${what} "${cells[col]}" is not ${expected}`);
        return undefined;
      }
      return v;
    };
    const name = cells[at.name] ?? "";
    if (name === "") {
      problems.push(`${where}: the observation has no name`);
      return;
    }
    const value = number(at.value, "value", Number.isFinite, "a number");
    const weight = number(at.weight, "weight", (v) => v >= 0, "a number >= 0");
    const sd = number(at.sd, "standard deviation", (v) => v > 0, "a number > 0");
    if (value === undefined) {
      if (!problems.some((p) => p.startsWith(where)))
        problems.push(`${where}: observation ${name} has no value`);
      return;
    }
    if (weight === undefined && sd === undefined) {
      if (!problems.some((p) => p.startsWith(where)))
        problems.push(`${where}: observation ${name} has neither a weight nor a standard deviation`);
      return;
    }
    const group = at.group >= 0 && cells[at.group] ? cells[at.group] : undefined;
    drafts.push({ name, value, weight, sd, group, at: where });
  });
  if (problems.length > 0) throw new UserError(problems.slice(0, 10).join("\n"));
  return drafts;
}
