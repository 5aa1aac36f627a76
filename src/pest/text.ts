// Text helpers for files that may come from Windows: UTF-8 BOM, CRLF line endings, tabs, and
// encodings other than UTF-8.
//
// Two kinds of file, two treatments:
// - Model files (templates, model outputs, instruction files, par files) are bytes, as PEST and
//   PEST++ (Fortran and C++) treat them. They are held as "byte strings", one character per byte
//   (Latin-1 decoding), so every byte a format does not interpret passes through unchanged and
//   columns and field widths count bytes, whatever the encoding (Latin-1 from Windows tools,
//   UTF-8 with accents in comments).
// - Our own files (project files, id lists, ensemble CSVs) are UTF-8 text. A byte that is not
//   valid UTF-8 is refused with its file, line and column (decodeUtf8), never replaced.
import { PestFormatError } from "../errors.ts";

const BOM_BYTES = "\xef\xbb\xbf";

/** Decodes bytes as UTF-8 and drops a leading byte-order mark. Invalid bytes become U+FFFD:
 * only for files whose non-ASCII content does not matter; see decodeUtf8. */
export function decodeText(bytes: Uint8Array | string): string {
  const text = typeof bytes === "string" ? bytes : new TextDecoder("utf-8").decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * A model file as a byte string: one character (code 0-255) per byte, without a leading UTF-8
 * byte-order mark. A string argument is text and stands for its UTF-8 bytes.
 */
export function byteString(source: Uint8Array | string): string {
  const bytes = typeof source === "string" ? Buffer.from(source, "utf8") : source;
  const s = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  return s.startsWith(BOM_BYTES) ? s.slice(BOM_BYTES.length) : s;
}

/** The bytes of a byte string. */
export function bytesOf(byteText: string): Buffer {
  return Buffer.from(byteText, "latin1");
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A byte string made readable for a message: each run of non-ASCII bytes is shown as the UTF-8
 * text it encodes, or, when it is not valid UTF-8, as Latin-1 (the likely encoding of a file
 * from a Windows tool). Characters above 255 (from our own message text) are kept.
 */
export function readableText(byteText: string): string {
  if (!/[\x80-\xff]/.test(byteText)) return byteText;
  return byteText.replace(/[\x80-\xff]+/g, (run) => {
    try {
      return strictUtf8.decode(bytesOf(run));
    } catch {
      return run;
    }
  });
}

/** A byte string's text when it is valid UTF-8, else undefined. */
export function utf8OfBytes(byteText: string): string | undefined {
  if (!/[\x80-\xff]/.test(byteText)) return byteText;
  try {
    return strictUtf8.decode(bytesOf(byteText));
  } catch {
    return undefined;
  }
}

/** A file that should be UTF-8 holds a byte sequence that is not. */
export class NotUtf8Error extends PestFormatError {
  declare readonly line: number;
  /** 1-based byte column of the first invalid byte on its line. */
  readonly column: number;
  /** The message without file, line and column. */
  readonly problem: string;
  constructor(file: string, line: number, column: number, problem: string) {
    super(file, line, `column ${column}: ${problem}`);
    this.name = "NotUtf8Error";
    this.column = column;
    this.problem = problem;
  }
}

/**
 * Decodes a file that must be UTF-8 (a project file, an id list, an ensemble CSV) and drops a
 * leading byte-order mark. Throws NotUtf8Error naming the line and column of the first byte
 * that is not valid UTF-8: such a byte is refused, never replaced.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, "0");
    throw new NotUtf8Error(
      file,
      line,
      at - lineStart + 1,
      `byte 0x${hex} is not valid UTF-8 (the file looks like Latin-1 or Windows-1252); ` +
        "save it as UTF-8 (in most editors: Save with Encoding, UTF-8)",
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Offset of the first byte that does not belong to a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return i;
}

/**
 * Where `text` first occurs in a byte string: its UTF-8 bytes, or, for text that Latin-1 can
 * write, its Latin-1 bytes (so "ÉCHEC" is found in the output of a Windows tool too); -1 when
 * neither occurs.
 */
export function indexOfText(byteText: string, text: string): number {
  const utf8 = byteText.indexOf(byteString(text));
  if (!/[\u0080-\u00ff]/.test(text) || /[^\u0000-\u00ff]/.test(text)) return utf8;
  const latin = byteText.indexOf(text);
  return utf8 < 0 ? latin : latin < 0 ? utf8 : Math.min(utf8, latin);
}

/** The line ending a text uses: CRLF when its first line break is CRLF, else LF. */
export function detectEol(text: string): "\r\n" | "\n" {
  const i = text.indexOf("\n");
  return i > 0 && text[i - 1] === "\r" ? "\r\n" : "\n";
}

/** Splits into lines without their terminators (LF or CRLF). A final line break does not
 * make an extra empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith("\r")) lines[i] = line.slice(0, -1);
  }
  return lines;
}
