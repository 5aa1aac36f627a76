// Text helpers for files that may come from Windows: UTF-8 BOM, CRLF line endings, tabs.

/** Decodes bytes as UTF-8 and drops a leading byte-order mark. */
export function decodeText(bytes: Uint8Array | string): string {
  const text = typeof bytes === "string" ? bytes : new TextDecoder("utf-8").decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
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
