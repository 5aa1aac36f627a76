// Error types shared by every module, and the one way to turn anything thrown into text.

/** A problem the user can fix: bad input, a missing file, an invalid spec. The CLI prints
 * its message without a stack trace and exits with `exitCode`. */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "UserError";
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A problem in a PEST-format file, located by file and line (1-based). */
export class PestFormatError extends UserError {
  readonly file: string;
  readonly line: number | undefined;
  /** The message without the location. */
  readonly detail: string;
  constructor(file: string, line: number | undefined, detail: string) {
    super(`${line === undefined ? file : `${file}:${line}`}: ${detail}`);
    this.name = "PestFormatError";
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

/** The message of anything thrown, including non-Error throws. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}
