// Where the CLI writes: injected so tests can read what a person would see.

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (live progress instead of plain lines). */
  readonly isTTY: boolean;
  readonly cwd: string;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  isTTY: Boolean(process.stdout.isTTY),
  cwd: process.cwd(),
};

/** An IO that records everything, for tests. */
export function memoryIO(cwd = process.cwd()): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), isTTY: false, cwd };
}
