// Which group an observation belongs to, for the pooled group statistics and the report's
// sections. The spec's `report.groups` globs are tried first, in the spec's order, and the
// first group with a matching glob wins. Any other observation is grouped by its name without
// its trailing number and the separators before it: h_w3 -> h_w, tr_x01 -> tr_x,
// obs_12 -> obs, while mb_disc (no trailing number) is its own group. Names are matched
// ignoring case, as PEST treats observation names.
import picomatch from "picomatch";

export interface ObservationGroup {
  readonly group: string;
  /** "spec": declared under report.groups; "name": from the names. */
  readonly source: "spec" | "name";
  /** Member names in the order given. */
  readonly observations: readonly string[];
}

/** h_w3 -> h_w; a name that is all number and separators is its own group. */
export function defaultGroupName(name: string): string {
  const stem = name.replace(/[0-9]+$/, "").replace(/[_\-.\s]+$/, "");
  return stem === "" ? name : stem;
}

/** A function naming the group of an observation. */
export function createGroupResolver(
  specGroups: Readonly<Record<string, readonly string[]>> = {},
): (name: string) => string {
  const matchers = Object.entries(specGroups).map(([group, globs]) => ({
    group,
    match: picomatch([...globs], { nocase: true, dot: true }),
  }));
  return (name) => matchers.find((m) => m.match(name))?.group ?? defaultGroupName(name);
}

/**
 * Every observation in one group: the spec's groups first in the spec's order (a spec group
 * that matches nothing is kept, empty, so a mistyped glob shows up in the report), then the
 * groups from names in the order their first member appears.
 */
export function groupObservations(
  names: readonly string[],
  specGroups: Readonly<Record<string, readonly string[]>> = {},
): ObservationGroup[] {
  const resolve = createGroupResolver(specGroups);
  const members = new Map<string, string[]>();
  for (const group of Object.keys(specGroups)) members.set(group, []);
  for (const name of names) {
    const group = resolve(name);
    let list = members.get(group);
    if (list === undefined) {
      list = [];
      members.set(group, list);
    }
    list.push(name);
  }
  return [...members].map(([group, observations]) => ({
    group,
    source: Object.hasOwn(specGroups, group) ? "spec" : "name",
    observations,
  }));
}
