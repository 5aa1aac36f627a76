// gwflow: the demo's groundwater model. Two-dimensional steady-state flow in one confined
// aquifer, solved by finite differences, small enough to run hundreds of times in a minute.
//
//   node gwflow.mjs model.in
//
// Reads model.in (key/value lines, see README.md) and the zone array it names; writes
// heads.out (observation-well heads, a west-east transect and the water budget) and
// heads_grid.dat (every cell's head). Exit codes: 0 success; 1 bad input; 2 solver did not
// converge; 3 a head fell below the aquifer bottom. On 2 and 3 heads.out says FAILED.
//
// Physics: T = K (top - bottom) per cell from its zone; flow between neighbours through the
// harmonic mean of their transmissivities (square cells, so conductance = T_harmonic);
// uniform recharge on every active cell; wells extract their rate from their cell; the
// first and last columns hold fixed heads (a river west, a lake east); other edges and
// zone-0 cells are no-flow. The linear system is solved by conjugate gradients with an
// incomplete-Cholesky (IC(0)) preconditioner.

import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const VERSION = "1.0";
const OUT = "heads.out";
const GRID_OUT = "heads_grid.dat";

class InputError extends Error {}

function main(argv) {
  const inputPath = argv[2];
  if (inputPath === undefined || argv.length > 3) {
    process.stderr.write("usage: node gwflow.mjs model.in\n");
    return 1;
  }
  // A crashed run must not leave a previous run's results looking like its own.
  rmSync(OUT, { force: true });
  rmSync(GRID_OUT, { force: true });

  let model;
  let system;
  try {
    model = readModel(inputPath);
    system = assemble(model);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    process.stderr.write(`gwflow: ${e.message}\n`);
    writeFileSync(OUT, `${banner(undefined)}\nFAILED: input error: ${e.message}\n`);
    return 1;
  }

  const { nrow, ncol } = model;
  process.stdout.write(
    `gwflow ${VERSION}: ${nrow} x ${ncol} grid, ${model.activeCount} active cells, ${2 * nrow} fixed-head cells\n`,
  );
  const solution = solvePcg(system, model);
  const solverLine =
    `PCG ${solution.converged ? "converged" : "did not converge"} in ${solution.iterations} iterations; ` +
    `max head change ${fmtE(solution.maxChange)} m; max residual ${fmtE(solution.maxResidual)} m3/d`;
  process.stdout.write(`${solverLine}\n`);
  if (!solution.converged) {
    writeFileSync(
      OUT,
      `${banner(model)}SOLVER: ${solverLine}\n\nFAILED TO CONVERGE within max_iter = ${model.maxIter} iterations\n`,
    );
    process.stdout.write("FAILED TO CONVERGE\n");
    return 2;
  }

  const heads = solution.heads;
  const budget = waterBudget(model, system, heads);
  process.stdout.write(
    `Mass balance: in ${budget.totalIn.toFixed(3)} m3/d, out ${budget.totalOut.toFixed(3)} m3/d, ` +
      `discrepancy ${fmtE(budget.discrepancy)} %\n`,
  );
  writeFileSync(GRID_OUT, gridText(model, heads));

  const lowest = lowestHead(model, heads);
  process.stdout.write(
    `Lowest head ${lowest.head.toFixed(3)} m at row ${lowest.row} col ${lowest.col} (aquifer bottom ${model.bottom} m)\n`,
  );
  if (lowest.head < model.bottom) {
    const message =
      `FAILED: heads below aquifer bottom (lowest ${lowest.head.toFixed(3)} m at row ${lowest.row} col ` +
      `${lowest.col}; bottom ${model.bottom} m): the aquifer would be dry there, which a confined model cannot represent`;
    writeFileSync(OUT, `${banner(model)}SOLVER: ${solverLine}\n\n${message}\n`);
    process.stdout.write(`${message}\n`);
    return 3;
  }
  writeFileSync(OUT, headsText(model, heads, budget, solverLine));
  return 0;
}

// --- input ----------------------------------------------------------------------------------

/** Reads model.in: one `key value...` per line, `#` comments, numbers in Fortran or C style. */
function readModel(path) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${e.message}`);
  }
  const m = {
    title: "",
    nrow: undefined,
    ncol: undefined,
    delta: undefined,
    top: undefined,
    bottom: undefined,
    zonesFile: undefined,
    hk: new Map(),
    rch: undefined,
    riverStage: undefined,
    lakeStage: undefined,
    wells: [],
    obs: [],
    transectRow: undefined,
    transectCols: [],
    maxIter: 500,
    hclose: 1e-8,
    rclose: 1e-6,
  };
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const [key, ...rest] = line.split(/\s+/);
    const where = `${path}:${i + 1}`;
    const num = (k) => parseNumber(rest[k], `${where}: ${key}`);
    const int = (k) => {
      const v = num(k);
      if (!Number.isInteger(v))
        throw new InputError(`${where}: ${key} needs a whole number, got "${rest[k]}"`);
      return v;
    };
    const count = (n) => {
      if (rest.length !== n)
        throw new InputError(`${where}: ${key} takes ${n} value(s), found ${rest.length}`);
    };
    switch (key.toLowerCase()) {
      case "title":
        m.title = rest.join(" ");
        break;
      case "nrow":
        count(1);
        m.nrow = int(0);
        break;
      case "ncol":
        count(1);
        m.ncol = int(0);
        break;
      case "delta":
        count(1);
        m.delta = num(0);
        break;
      case "top":
        count(1);
        m.top = num(0);
        break;
      case "bottom":
        count(1);
        m.bottom = num(0);
        break;
      case "zones":
        count(1);
        m.zonesFile = resolve(dirname(path), rest[0]);
        break;
      case "hk":
        count(2);
        m.hk.set(int(0), positive(num(1), `${where}: hk of zone ${rest[0]}`));
        break;
      case "rch":
        count(1);
        m.rch = num(0);
        break;
      case "river_stage":
        count(1);
        m.riverStage = num(0);
        break;
      case "lake_stage":
        count(1);
        m.lakeStage = num(0);
        break;
      case "well":
        count(4);
        m.wells.push({ name: rest[0], row: int(1), col: int(2), rate: num(3) });
        break;
      case "obs":
        count(3);
        m.obs.push({ name: rest[0], row: int(1), col: int(2) });
        break;
      case "transect":
        if (rest.length < 2) throw new InputError(`${where}: transect takes a row and at least one column`);
        m.transectRow = int(0);
        m.transectCols = rest.slice(1).map((_, k) => int(k + 1));
        break;
      case "max_iter":
        count(1);
        m.maxIter = int(0);
        break;
      case "hclose":
        count(1);
        m.hclose = positive(num(0), `${where}: hclose`);
        break;
      case "rclose":
        count(1);
        m.rclose = positive(num(0), `${where}: rclose`);
        break;
      default:
        throw new InputError(`${where}: unknown key "${key}"`);
    }
  });

  for (const key of [
    "nrow",
    "ncol",
    "delta",
    "top",
    "bottom",
    "zonesFile",
    "rch",
    "riverStage",
    "lakeStage",
  ]) {
    if (m[key] === undefined)
      throw new InputError(`${path}: missing ${key === "zonesFile" ? "zones" : snake(key)}`);
  }
  if (m.nrow < 1 || m.ncol < 3) throw new InputError(`${path}: the grid needs at least 1 row and 3 columns`);
  positive(m.delta, `${path}: delta`);
  if (!(m.top > m.bottom)) throw new InputError(`${path}: top (${m.top}) must be above bottom (${m.bottom})`);
  if (m.maxIter < 1) throw new InputError(`${path}: max_iter must be at least 1`);

  m.zones = readZones(m.zonesFile, m.nrow, m.ncol);
  m.active = new Uint8Array(m.nrow * m.ncol);
  m.fixed = new Uint8Array(m.nrow * m.ncol);
  m.activeCount = 0;
  for (let r = 0; r < m.nrow; r++) {
    for (let c = 0; c < m.ncol; c++) {
      const k = r * m.ncol + c;
      if (c === 0 || c === m.ncol - 1) m.fixed[k] = 1;
      else if (m.zones[k] !== 0) {
        m.active[k] = 1;
        m.activeCount++;
      }
      const z = m.zones[k];
      if (z !== 0 && !m.hk.has(z))
        throw new InputError(`${path}: no hk for zone ${z} (used in ${m.zonesFile})`);
    }
  }
  const inGrid = (what, row, col) => {
    if (row < 1 || row > m.nrow || col < 1 || col > m.ncol) {
      throw new InputError(
        `${path}: ${what} at row ${row} col ${col} is outside the ${m.nrow} x ${m.ncol} grid`,
      );
    }
  };
  for (const w of m.wells) {
    inGrid(`well ${w.name}`, w.row, w.col);
    if (!m.active[(w.row - 1) * m.ncol + w.col - 1]) {
      throw new InputError(`${path}: well ${w.name} is in a fixed-head or inactive cell`);
    }
  }
  for (const o of m.obs) inGrid(`observation well ${o.name}`, o.row, o.col);
  if (m.transectRow !== undefined) for (const c of m.transectCols) inGrid("transect point", m.transectRow, c);
  return m;
}

function snake(key) {
  return key.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
}

function parseNumber(text, what) {
  // PEST and Fortran programs may write a D exponent (1.5D+02).
  if (text === undefined || !/^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$/.test(text)) {
    throw new InputError(`${what}: "${text ?? ""}" is not a number`);
  }
  return Number(text.replace(/[dD]/, "e"));
}

function positive(value, what) {
  if (!(value > 0)) throw new InputError(`${what} must be positive, got ${value}`);
  return value;
}

function readZones(path, nrow, ncol) {
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read zone file ${path}: ${e.message}`);
  }
  const values = text
    .replace(/#.*/g, "")
    .split(/\s+/)
    .filter((t) => t !== "");
  if (values.length !== nrow * ncol) {
    throw new InputError(
      `${path}: expected ${nrow * ncol} zone numbers (${nrow} x ${ncol}), found ${values.length}`,
    );
  }
  const zones = new Int32Array(nrow * ncol);
  values.forEach((t, k) => {
    if (!/^\d+$/.test(t)) throw new InputError(`${path}: zone "${t}" is not a whole number >= 0`);
    zones[k] = Number(t);
  });
  return zones;
}

// --- the linear system ----------------------------------------------------------------------

/** Conductances (m2/d) to the east and south neighbours, the diagonal, and the right-hand
 * side. Fixed-head neighbours go into the right-hand side; coupling between two cells that
 * are not both active is zero so the matrix stays symmetric positive definite. */
function assemble(m) {
  const { nrow, ncol } = m;
  const n = nrow * ncol;
  const thickness = m.top - m.bottom;
  const t = new Float64Array(n);
  for (let k = 0; k < n; k++) t[k] = m.zones[k] === 0 ? 0 : m.hk.get(m.zones[k]) * thickness;
  const fixedHead = new Float64Array(n);
  for (let r = 0; r < nrow; r++) {
    fixedHead[r * ncol] = m.riverStage;
    fixedHead[r * ncol + ncol - 1] = m.lakeStage;
  }
  // Flow between cells: conductance with each neighbour (0 for no-flow).
  const east = new Float64Array(n);
  const south = new Float64Array(n);
  for (let r = 0; r < nrow; r++) {
    for (let c = 0; c < ncol; c++) {
      const k = r * ncol + c;
      if (c + 1 < ncol) east[k] = harmonic(t[k], t[k + 1]);
      if (r + 1 < nrow) south[k] = harmonic(t[k], t[k + ncol]);
    }
  }
  const diag = new Float64Array(n);
  const rhs = new Float64Array(n);
  const ce = new Float64Array(n);
  const cs = new Float64Array(n);
  const area = m.delta * m.delta;
  const couple = (k, j, cond) => {
    if (cond === 0) return;
    if (m.active[k]) {
      diag[k] += cond;
      if (m.fixed[j]) rhs[k] += cond * fixedHead[j];
    }
    if (m.active[j]) {
      diag[j] += cond;
      if (m.fixed[k]) rhs[j] += cond * fixedHead[k];
    }
  };
  for (let k = 0; k < n; k++) {
    if (m.active[k]) rhs[k] += m.rch * area;
    const c = k % ncol;
    if (c + 1 < ncol) {
      couple(k, k + 1, east[k]);
      if (m.active[k] && m.active[k + 1]) ce[k] = east[k];
    }
    if (k + ncol < n) {
      couple(k, k + ncol, south[k]);
      if (m.active[k] && m.active[k + ncol]) cs[k] = south[k];
    }
  }
  for (const w of m.wells) rhs[(w.row - 1) * ncol + w.col - 1] -= w.rate;
  for (let k = 0; k < n; k++) {
    if (m.active[k] && diag[k] === 0) {
      throw new InputError(
        `cell row ${Math.floor(k / ncol) + 1} col ${(k % ncol) + 1} is active but isolated`,
      );
    }
  }
  return { n, ncol, diag, ce, cs, rhs, east, south, fixedHead };
}

function harmonic(a, b) {
  return a > 0 && b > 0 ? (2 * a * b) / (a + b) : 0;
}

/** y = A x over active cells (A's off-diagonals are -ce, -cs). */
function multiply(s, active, x, y) {
  const { n, ncol, diag, ce, cs } = s;
  for (let k = 0; k < n; k++) {
    if (!active[k]) {
      y[k] = 0;
      continue;
    }
    let v = diag[k] * x[k];
    if (k + 1 < n) v -= ce[k] * x[k + 1];
    if (k >= 1) v -= ce[k - 1] * x[k - 1];
    if (k + ncol < n) v -= cs[k] * x[k + ncol];
    if (k >= ncol) v -= cs[k - ncol] * x[k - ncol];
    y[k] = v;
  }
}

/** IC(0) pivots for the five-point matrix in row-major order. */
function icPivots(s, active) {
  const { n, ncol, diag, ce, cs } = s;
  const d = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (!active[k]) continue;
    let v = diag[k];
    if (k >= 1 && active[k - 1]) v -= (ce[k - 1] * ce[k - 1]) / d[k - 1];
    if (k >= ncol && active[k - ncol]) v -= (cs[k - ncol] * cs[k - ncol]) / d[k - ncol];
    d[k] = v;
  }
  return d;
}

/** z = M^-1 r with M = (D + L) D^-1 (D + L^T). */
function precondition(s, active, d, r, z) {
  const { n, ncol, ce, cs } = s;
  for (let k = 0; k < n; k++) {
    if (!active[k]) {
      z[k] = 0;
      continue;
    }
    let v = r[k];
    if (k >= 1) v += ce[k - 1] * z[k - 1];
    if (k >= ncol) v += cs[k - ncol] * z[k - ncol];
    z[k] = v / d[k];
  }
  for (let k = n - 1; k >= 0; k--) {
    if (!active[k]) continue;
    let v = 0;
    if (k + 1 < n) v += ce[k] * z[k + 1];
    if (k + ncol < n) v += cs[k] * z[k + ncol];
    z[k] += v / d[k];
  }
}

/** Preconditioned conjugate gradients from a flat start at the mean boundary head. Converged
 * when both the largest head change of an iteration and the largest cell residual (m3/d) are
 * within hclose and rclose. */
function solvePcg(s, m) {
  const { n } = s;
  const active = m.active;
  const h = new Float64Array(n);
  const start = (m.riverStage + m.lakeStage) / 2;
  for (let k = 0; k < n; k++) h[k] = m.fixed[k] ? s.fixedHead[k] : active[k] ? start : 0;
  const x = new Float64Array(n);
  for (let k = 0; k < n; k++) if (active[k]) x[k] = h[k];

  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  multiply(s, active, x, q);
  for (let k = 0; k < n; k++) r[k] = active[k] ? s.rhs[k] - q[k] : 0;
  const d = icPivots(s, active);

  let rz = 0;
  let iterations = 0;
  let maxChange = Number.POSITIVE_INFINITY;
  let maxResidual = maxAbs(r);
  let converged = false;
  for (let it = 1; it <= m.maxIter; it++) {
    precondition(s, active, d, r, z);
    const rzNew = dot(r, z);
    if (it === 1) p.set(z);
    else {
      const beta = rzNew / rz;
      for (let k = 0; k < n; k++) p[k] = z[k] + beta * p[k];
    }
    rz = rzNew;
    multiply(s, active, p, q);
    const alpha = rz / dot(p, q);
    maxChange = 0;
    for (let k = 0; k < n; k++) {
      const dx = alpha * p[k];
      x[k] += dx;
      r[k] -= alpha * q[k];
      const a = Math.abs(dx);
      if (a > maxChange) maxChange = a;
    }
    maxResidual = maxAbs(r);
    iterations = it;
    if (!Number.isFinite(maxChange)) break;
    if (maxChange <= m.hclose && maxResidual <= m.rclose) {
      converged = true;
      break;
    }
  }
  for (let k = 0; k < n; k++) if (active[k]) h[k] = x[k];
  return { heads: h, iterations, maxChange, maxResidual, converged };
}

function dot(a, b) {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k] * b[k];
  return sum;
}

function maxAbs(a) {
  let v = 0;
  for (let k = 0; k < a.length; k++) {
    const x = Math.abs(a[k]);
    if (x > v) v = x;
  }
  return v;
}

// --- results --------------------------------------------------------------------------------

/** The budget from the converged heads, as MODFLOW reports it: each fixed-head cell's net
 * exchange counts as in or out; the discrepancy is 100 (in - out) / ((in + out) / 2). */
function waterBudget(m, s, heads) {
  const { nrow, ncol } = m;
  const area = m.delta * m.delta;
  let recharge = 0;
  let wells = 0;
  for (let k = 0; k < nrow * ncol; k++) if (m.active[k]) recharge += m.rch * area;
  for (const w of m.wells) wells += w.rate;
  const boundary = (col) => {
    let into = 0;
    let outOf = 0;
    for (let r = 0; r < nrow; r++) {
      const k = r * ncol + col;
      // Flow from this fixed-head cell into its active neighbours.
      let q = 0;
      const nb = col === 0 ? k + 1 : k - 1;
      if (m.active[nb]) q += s.east[Math.min(k, nb)] * (heads[k] - heads[nb]);
      if (q >= 0) into += q;
      else outOf -= q;
    }
    return { into, outOf };
  };
  const river = boundary(0);
  const lake = boundary(ncol - 1);
  // Negative recharge or injection wells put a term on the other side of the ledger.
  const totalIn = Math.max(recharge, 0) + Math.max(-wells, 0) + river.into + lake.into;
  const totalOut = Math.max(-recharge, 0) + Math.max(wells, 0) + river.outOf + lake.outOf;
  const discrepancy = (100 * (totalIn - totalOut)) / ((totalIn + totalOut) / 2 || 1);
  return { recharge, wells, river, lake, totalIn, totalOut, discrepancy };
}

function lowestHead(m, heads) {
  let best = { head: Number.POSITIVE_INFINITY, row: 0, col: 0 };
  for (let k = 0; k < heads.length; k++) {
    if (m.active[k] && heads[k] < best.head) {
      best = { head: heads[k], row: Math.floor(k / m.ncol) + 1, col: (k % m.ncol) + 1 };
    }
  }
  return best;
}

function banner(m) {
  const lines = [`GWFLOW ${VERSION}  steady-state confined groundwater flow (finite differences)`];
  if (m !== undefined) {
    if (m.title !== "") lines.push(`TITLE: ${m.title}`);
    lines.push(
      `GRID: ${m.nrow} rows x ${m.ncol} columns, cells ${m.delta} m; aquifer top ${m.top} m, bottom ${m.bottom} m`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function headsText(m, heads, b, solverLine) {
  const head = (row, col) => heads[(row - 1) * m.ncol + col - 1];
  const out = [banner(m).trimEnd(), `SOLVER: ${solverLine}`, ""];
  out.push("OBSERVATION WELLS");
  out.push(`${"WELL".padEnd(10)}${"ROW".padStart(6)}${"COL".padStart(6)}${"HEAD(M)".padStart(18)}`);
  for (const o of m.obs) {
    out.push(`${o.name.padEnd(10)}${pad(o.row, 6)}${pad(o.col, 6)}${pad(head(o.row, o.col).toFixed(8), 18)}`);
  }
  if (m.transectRow !== undefined) {
    out.push("");
    out.push(`TRANSECT ALONG ROW ${m.transectRow}, WEST TO EAST`);
    out.push(
      `${"POINT".padEnd(10)}${"ROW".padStart(6)}${"COL".padStart(6)}${"X(M)".padStart(12)}${"HEAD(M)".padStart(18)}`,
    );
    m.transectCols.forEach((col, i) => {
      const name = `TR_X${String(i + 1).padStart(2, "0")}`;
      const x = (col - 0.5) * m.delta;
      out.push(
        `${name.padEnd(10)}${pad(m.transectRow, 6)}${pad(col, 6)}${pad(x.toFixed(1), 12)}` +
          `${pad(head(m.transectRow, col).toFixed(8), 18)}`,
      );
    });
  }
  out.push("");
  out.push("WATER BUDGET (M3/D)");
  out.push(`${"TERM".padEnd(16)}${"IN".padStart(18)}${"OUT".padStart(18)}${"NET IN".padStart(18)}`);
  const row = (name, into, outOf) =>
    out.push(`${name.padEnd(16)}${pad(f3(into), 18)}${pad(f3(outOf), 18)}${pad(f3(into - outOf), 18)}`);
  row("RECHARGE", Math.max(b.recharge, 0), Math.max(-b.recharge, 0));
  row("WELLS", Math.max(-b.wells, 0), Math.max(b.wells, 0));
  row("RIVER_WEST", b.river.into, b.river.outOf);
  row("LAKE_EAST", b.lake.into, b.lake.outOf);
  row("TOTAL", b.totalIn, b.totalOut);
  out.push(`PERCENT DISCREPANCY = ${fmtE(b.discrepancy)}`);
  out.push("");
  for (const w of m.wells) {
    out.push(
      `PUMPING WELL ${w.name} AT ROW ${w.row} COL ${w.col}: ${f3(w.rate)} M3/D, HEAD ${head(w.row, w.col).toFixed(4)} M`,
    );
  }
  return `${out.join("\n")}\n`;
}

function gridText(m, heads) {
  const lines = [
    `# GWFLOW ${VERSION} heads (m): ${m.nrow} rows (north to south) x ${m.ncol} columns (west to east), cells ${m.delta} m`,
    "# inactive cells are written as -999",
  ];
  for (let r = 0; r < m.nrow; r++) {
    const values = [];
    for (let c = 0; c < m.ncol; c++) {
      const k = r * m.ncol + c;
      values.push(m.active[k] || m.fixed[k] ? heads[k].toFixed(4) : "-999");
    }
    lines.push(values.join(" "));
  }
  return `${lines.join("\n")}\n`;
}

function pad(v, width) {
  return String(v).padStart(width);
}

function f3(v) {
  // Avoids "-0.000" for budget terms that cancel.
  return (Math.abs(v) < 5e-4 ? 0 : v).toFixed(3);
}

function fmtE(v) {
  return v.toExponential(4);
}

process.exitCode = main(process.argv);
