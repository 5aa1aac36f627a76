// Reads a number the way PEST (a Fortran program) does, so files written by Fortran models and
// PEST utilities read the same here: D exponents, `1.`, `.5`, and the exponent-letter-less
// form Fortran writes when an exponent has three digits (`0.1234-100`).

// Fortran real input (F/E/D editing, and gfortran's list-directed reader) accepts: optional
// sign, digits with at most one point and at least one digit, then optionally an exponent
// written as E/D with an optionally signed integer, or as a bare signed integer. Q exponents
// (a gfortran extension) are left out: no PEST tool writes them.
const FORTRAN_REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+|[+-]\d+)?$/;
const LETTERLESS_EXPONENT = /^([+-]?(?:\d+\.?\d*|\.\d+))([+-]\d+)$/;

/**
 * The value of `s` read as a Fortran real, or undefined when `s` is not one. Strict: the whole
 * of `s` must be the number, apart from spaces, tabs or a carriage return at either end (a
 * fixed-column read hands over its padding). Returns undefined for values that overflow a
 * double, and for `inf`/`nan`, hexadecimal, digit separators and exponents without digits.
 */
export function parseFortranNumber(s: string): number | undefined {
  const t = trimBlanks(s);
  if (!FORTRAN_REAL.test(t)) return undefined;
  let js = t;
  const d = js.search(/[dD]/);
  if (d >= 0) js = `${js.slice(0, d)}e${js.slice(d + 1)}`;
  else {
    const m = LETTERLESS_EXPONENT.exec(js);
    if (m) js = `${m[1]}e${m[2]}`;
  }
  const v = Number(js);
  return Number.isFinite(v) ? v : undefined;
}

function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isBlank(s.charCodeAt(a))) a++;
  while (b > a && isBlank(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}
