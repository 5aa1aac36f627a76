// Work folder names: one per realisation and attempt, whatever the id. Ids may hold spaces,
// brackets and letters of any script, and two ids must never share a folder (preparing one
// would delete the other's files), so the name is an escape that cannot collide: letters,
// digits, `.` and `-` stay as they are (a leading `.` does not, so no folder is hidden), and
// every other byte of the id's UTF-8 becomes `_` and two hex digits (`_` itself too).
import { createHash } from "node:crypto";

/** Escaped ids longer than this keep a readable start and a hash of the whole id. */
const MAX_ESCAPED = 120;

/** The folder of one attempt (`-a<attempt>`) or of a straggler's second copy (`-dup`). */
export function workdirName(id: string, attempt: number | "dup"): string {
  return `${escapeId(id)}-${attempt === "dup" ? "dup" : `a${attempt}`}`;
}

/** The id as a file name, injectively (see the top of this file). */
export function escapeId(id: string): string {
  let out = "";
  for (const byte of Buffer.from(id, "utf8")) {
    const c = String.fromCharCode(byte);
    const plain = /[A-Za-z0-9-]/.test(c) || (c === "." && out !== "");
    out += plain ? c : `_${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (out.length <= MAX_ESCAPED) return out;
  // `~` never appears in an escape (it is escaped itself), so this form cannot be confused
  // with a short id's.
  return `${out.slice(0, 80)}~${createHash("sha256").update(id).digest("hex").slice(0, 24)}`;
}
