// renderTemplate against the renderer it replaced (test/helpers/template-render-scan.ts): the
// same bytes for random templates of every shape (delimiters, line endings, bytes that are not
// ASCII, fields repeated in several widths, names in mixed case), and the same error for the
// same bad input.
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/helpers/seeded-random.ts";
import { scannedRender } from "../../test/helpers/template-render-scan.ts";
import { errorMessage } from "../errors.ts";
import { parseTemplate, renderTemplate, TemplateValues } from "./template.ts";

const NAMES = ["hk1", "hk2", "Rch_01", "ss", "sy_z3", "q_w01", "kv", "strt", "p", "LONG_NAME_1"];
const DELIMITERS = ["~", "|", "#", "@", "$", "!"];
const FILLER = ["a", " ", "\t", "1.0", "x=", "\xe9", "\xb0C", "\xc3\xbc", "end", ",", "E"];

interface Case {
  readonly bytes: Buffer;
  readonly values: Map<string, number>;
  readonly point: boolean;
}

function randomValue(next: () => number): number {
  const v = (1 + next() * 9) * 10 ** (Math.floor(next() * 40) - 20);
  const r = next();
  const value = r < 0.1 ? Math.round(v) : r < 0.2 ? Number(v.toPrecision(2)) : v;
  return next() < 0.3 ? -value : value;
}

/** A template as bytes (Latin-1 and UTF-8 bytes in its text), and values for it. */
function randomCase(next: () => number): Case {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const delimiter = pick(DELIMITERS);
  const crlf = next() < 0.3;
  const eol = () => (next() < 0.1 ? (crlf ? "\n" : "\r\n") : crlf ? "\r\n" : "\n");
  let text = `${next() < 0.1 ? "\xef\xbb\xbf" : ""}ptf ${delimiter}${eol()}`;
  const lines = Math.floor(next() * 40);
  for (let l = 0; l < lines; l++) {
    const pieces = Math.floor(next() * 8);
    for (let p = 0; p < pieces; p++) {
      if (next() < 0.5) text += pick(FILLER);
      else {
        const name = pick(NAMES);
        const cased = next() < 0.2 ? name.toUpperCase() : name;
        const before = " ".repeat(Math.floor(next() * 3));
        const after = " ".repeat(Math.floor(next() * 14));
        text += `${delimiter}${before}${cased}${after}${delimiter}`;
      }
    }
    if (l < lines - 1 || next() < 0.8) text += eol();
  }
  const values = new Map(
    NAMES.map((n) => [next() < 0.1 ? n.toUpperCase() : n.toLowerCase(), randomValue(next)]),
  );
  return { bytes: Buffer.from(text, "latin1"), values, point: next() < 0.7 };
}

/** The output, or the error's class and message. */
function outcome(render: () => Buffer): string {
  try {
    return `bytes ${render().toString("latin1")}`;
  } catch (e) {
    return `${e instanceof Error ? e.name : typeof e}: ${errorMessage(e)}`;
  }
}

describe("renderTemplate against the scanning renderer", () => {
  it("writes the same bytes for random templates, whole and with values checked once", () => {
    const next = seededRandom(97);
    let rendered = 0;
    for (let i = 0; i < 3000; i++) {
      const c = randomCase(next);
      const t = parseTemplate(c.bytes, "t.tpl");
      const options = { point: c.point };
      // Some random values do not fit their random fields: those must fail alike.
      const expected = outcome(() => scannedRender(t, c.values, options));
      expect(
        outcome(() => renderTemplate(t, c.values, options)),
        `case ${i}`,
      ).toBe(expected);
      expect(outcome(() => renderTemplate(c.bytes, c.values, { ...options, file: "t.tpl" }))).toBe(expected);
      expect(outcome(() => renderTemplate(t, new TemplateValues(c.values), options))).toBe(expected);
      if (expected.startsWith("bytes ")) rendered += t.fields.length;
    }
    expect(rendered).toBeGreaterThan(10_000);
  });

  it("fails as it did on a missing value, a value that does not fit, and one that is not finite", () => {
    const next = seededRandom(98);
    const failures = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const c = randomCase(next);
      const t = parseTemplate(c.bytes, "t.tpl");
      if (t.fields.length === 0) continue;
      const values = new Map(c.values);
      const victim = t.fields[Math.floor(next() * t.fields.length)]!.name;
      for (const k of values.keys()) if (k.toLowerCase() === victim) values.delete(k);
      const kind = i % 4;
      if (kind === 1) values.set(victim, 1e300);
      else if (kind === 2) values.set(victim, next() < 0.5 ? Number.NaN : Number.NEGATIVE_INFINITY);
      else if (kind === 3) values.set(victim.toUpperCase(), 7).set(victim, 8);
      const expected = outcome(() => scannedRender(t, values, { point: c.point }));
      expect(
        outcome(() => renderTemplate(t, values, { point: c.point })),
        `case ${i}`,
      ).toBe(expected);
      expect(outcome(() => renderTemplate(t, new TemplateValues(values), { point: c.point }))).toBe(expected);
      if (!expected.startsWith("bytes ")) failures.add(expected.replace(/ .*/, ""));
    }
    expect([...failures].sort()).toEqual(["PestFormatError:", "UserError:"]);
  });
});
