// formatForField, writeForField and fitsField against the layout search they replaced (the oracle in
// test/helpers/number-format-search.ts): the same text, character for character, for values of
// every kind in every width from 1 to 25, with and without `point`. FORMAT_ORACLE_VALUES sets
// how many values are drawn (each written in all 50 width and point settings), and
// FORMAT_ORACLE_SEED where the draw starts.
import { describe, expect, it } from "vitest";
import { searchedFormat } from "../../test/helpers/number-format-search.ts";
import { seededRandom } from "../../test/helpers/seeded-random.ts";
import { FieldTooNarrowError, fitsField, formatForField, writeForField } from "./number-format.ts";

const VALUES = Number(process.env.FORMAT_ORACLE_VALUES ?? 20_000);
const SEED = Number(process.env.FORMAT_ORACLE_SEED ?? 20_240_611);
const WIDTHS = 25;

const bits = new DataView(new ArrayBuffer(8));

/** The double `steps` representable values away from `v` (toward +infinity when positive). */
function ulpsAway(v: number, steps: number): number {
  bits.setFloat64(0, v);
  bits.setBigInt64(0, bits.getBigInt64(0) + BigInt(steps));
  return bits.getFloat64(0);
}

/** A double from random bits: any exponent, subnormals included (never NaN or infinity). */
function randomBits(next: () => number, subnormal: boolean): number {
  bits.setUint32(0, subnormal ? Math.floor(next() * 0x100000) : Math.floor(next() * 0x7fe00000) + 0x100000);
  bits.setUint32(4, Math.floor(next() * 2 ** 32));
  return bits.getFloat64(0);
}

const digitRun = (next: () => number, n: number) =>
  Array.from({ length: n }, (_, i) => Math.floor(next() * (i === 0 ? 9 : 10)) + (i === 0 ? 1 : 0)).join("");

/** One value of a kind chosen at random; `kind` names it for a failure message. */
function drawValue(next: () => number): { value: number; kind: string } {
  const k = Math.floor(next() * 9);
  const power = Math.floor(next() * 601) - 300;
  let value: number;
  let kind: string;
  switch (k) {
    case 0:
      kind = "random bits";
      value = randomBits(next, false);
      break;
    case 1:
      kind = "subnormal";
      value = randomBits(next, true);
      break;
    case 2:
      kind = "log-uniform 1e-300..1e300";
      value = (1 + next() * 9) * 10 ** power;
      break;
    case 3: {
      // 10^k and its neighbours, exact or a few units in the last place away.
      kind = "near a power of ten";
      const p = Math.floor(next() * 629) - 320;
      value = ulpsAway(Number(`1e${p}`), Math.floor(next() * 9) - 4);
      break;
    }
    case 4: {
      // A rounding boundary: d digits then a 5 (9.9995, 0.99995, 123.45), or a run of nines,
      // and a few units in the last place either side.
      kind = "near a rounding boundary";
      const d = 1 + Math.floor(next() * 16);
      const head = next() < 0.5 ? "9".repeat(d) : digitRun(next, d);
      const e = Math.floor(next() * 60) - 30;
      value = ulpsAway(Number(`${head}5e${e}`), Math.floor(next() * 7) - 3);
      break;
    }
    case 5:
      kind = "integer";
      value = Math.floor(next() * 10 ** (1 + Math.floor(next() * 17)));
      break;
    case 6:
      kind = "few digits";
      value = Number(
        ((1 + next() * 9) * 10 ** (Math.floor(next() * 50) - 25)).toPrecision(1 + Math.floor(next() * 6)),
      );
      break;
    case 7:
      kind = "1 - 10^-d (rounds up into the next power)";
      value = 10 ** (Math.floor(next() * 40) - 20) * (1 - 10 ** -(1 + Math.floor(next() * 16)));
      break;
    default:
      kind = "near 1";
      value = 1 + (next() - 0.5) * 10 ** -Math.floor(next() * 17);
  }
  return { value: next() < 0.5 ? -value : value, kind };
}

function formatted(value: number, width: number, point: boolean): string | undefined {
  try {
    return formatForField(value, width, { point });
  } catch (e) {
    if (e instanceof FieldTooNarrowError) return undefined;
    throw e;
  }
}

/** writeForField's bytes between two markers, as text; undefined when it wrote nothing. */
const buffer = Buffer.alloc(WIDTHS + 2);
function written(value: number, width: number, point: boolean): string | undefined {
  buffer.fill(0x23);
  const wrote = writeForField(buffer, 1, value, width, { point });
  const untouched = buffer[0] === 0x23 && buffer[width + 1] === 0x23;
  if (!wrote) return buffer.every((b) => b === 0x23) ? undefined : "(wrote but said it did not fit)";
  return untouched ? buffer.toString("latin1", 1, width + 1) : "(wrote outside the field)";
}

/** Compares one value in every width and point setting; the first difference, if any. */
function firstDifference(value: number): string | undefined {
  for (const point of [true, false]) {
    for (let width = 1; width <= WIDTHS; width++) {
      const expected = searchedFormat(value, width, point);
      const got = formatted(value, width, point);
      const bytes = written(value, width, point);
      const fits = fitsField(value, width, { point });
      if (got !== expected || bytes !== expected || fits !== (expected !== undefined)) {
        return `${value} in ${width} (point: ${point}): ${JSON.stringify(got)}, written ${JSON.stringify(bytes)}, fits ${fits}; the search writes ${JSON.stringify(expected)}`;
      }
    }
  }
  return undefined;
}

describe("formatForField and writeForField against the layout search", () => {
  it(
    `writes ${VALUES} values of every kind as the search does, in every width and point setting`,
    () => {
      const next = seededRandom(SEED);
      const differences: string[] = [];
      const kinds = new Map<string, number>();
      for (let i = 0; i < VALUES && differences.length < 10; i++) {
        const { value, kind } = drawValue(next);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        const d = firstDifference(value);
        if (d !== undefined) differences.push(`${kind}: ${d}`);
      }
      expect(differences).toEqual([]);
      expect(kinds.size).toBe(9);
    },
    Math.max(60_000, VALUES * 3),
  );

  it("writes the edges of the range as the search does", () => {
    const edges = [
      0,
      -0,
      5e-324,
      2.2250738585072014e-308,
      2.225073858507201e-308,
      Number.MAX_VALUE,
      1e23,
      1e22,
      9.999999999999999e22,
    ];
    for (let p = -323; p <= 308; p++) {
      const ten = Number(`1e${p}`);
      edges.push(ten, ulpsAway(ten, 1), ulpsAway(ten, -1), 9.5 * ten, 9.95 * ten, 0.5 * ten);
    }
    const differences = edges
      .filter((v) => Number.isFinite(v))
      .flatMap((v) => [v, -v])
      .map(firstDifference)
      .filter((d) => d !== undefined);
    expect(differences).toEqual([]);
  });
});
