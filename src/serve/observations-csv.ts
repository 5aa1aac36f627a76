// One observation's per-realisation values, read from a run set's observations.csv.
//
// The file is taken to be laid out like a PEST++ observation ensemble (and like the
// ValueMatrix it is written from): a header row, then one row per realisation; the first
// column is the realisation id and every other column is an observation. Empty and
// non-numeric cells (no value for that realisation) are left out.

export interface ObservationValue {
  readonly id: string;
  readonly value: number;
}

/**
 * The values of column `name` (matched exactly, else ignoring case), or undefined if the
 * file has no such column.
 */
export function observationValues(csv: string, name: string): ObservationValue[] | undefined {
  const records = csvRecords(csv);
  const header = records.next();
  if (header.done) return undefined;
  const columns = header.value;
  let index = columns.indexOf(name, 1);
  if (index < 0) {
    const lower = name.toLowerCase();
    index = columns.findIndex((c, i) => i > 0 && c.toLowerCase() === lower);
  }
  if (index < 1) return undefined;
  const values: ObservationValue[] = [];
  for (const record of records) {
    const id = record[0];
    const cell = record[index]?.trim();
    if (id === undefined || id === "" || cell === undefined || cell === "") continue;
    const value = Number(cell);
    // JSON has no NaN or Infinity; a missing value is written as NaN or left empty.
    if (Number.isFinite(value)) values.push({ id, value });
  }
  return values;
}

/** RFC 4180 records: quoted cells may hold commas, doubled quotes and line breaks. Blank
 * lines are skipped. Unquoted cells are sliced, not built a character at a time, since an
 * ensemble's file can run to a hundred megabytes. */
export function* csvRecords(text: string): Generator<string[]> {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = s.length;
  let i = 0;
  while (i < n) {
    const cells: string[] = [];
    for (;;) {
      let cell: string;
      if (s[i] === '"') {
        cell = "";
        i++;
        for (;;) {
          const q = s.indexOf('"', i);
          if (q < 0) {
            cell += s.slice(i);
            i = n;
            break;
          }
          cell += s.slice(i, q);
          if (s[q + 1] === '"') {
            cell += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        // Text after a closing quote (not valid CSV) is kept rather than lost.
        const end = cellEnd(s, i);
        cell += s.slice(i, end);
        i = end;
      } else {
        const end = cellEnd(s, i);
        cell = s.slice(i, end);
        i = end;
      }
      cells.push(cell);
      if (s[i] === ",") {
        i++;
        continue;
      }
      i += s[i] === "\r" && s[i + 1] === "\n" ? 2 : 1;
      break;
    }
    if (!(cells.length === 1 && cells[0] === "")) yield cells;
  }
}

/** The index of the comma or line break that ends the cell starting at `i`. */
function cellEnd(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 44 || c === 10 || c === 13) break;
    j++;
  }
  return j;
}
