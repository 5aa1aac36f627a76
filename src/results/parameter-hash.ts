// The hash a result carries in place of its parameter values: the spec and its parameter source
// determine the values, so a result names them by this hash and parameters.csv is written from
// the source. Names in sorted order, each value in shortest round-trip form, so any change to a
// double changes the hash.
import { createHash } from "node:crypto";

export function parameterValuesHash(values: ReadonlyMap<string, number>): string {
  const h = createHash("sha256");
  for (const name of [...values.keys()].sort()) h.update(`${name}=${String(values.get(name))}\n`);
  return h.digest("hex");
}
