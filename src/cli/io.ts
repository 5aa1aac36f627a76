// Where the CLI writes: injected so tests can read what a person would see.

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (live progress instead of plain lines). */
  readonly isTTY: boolean;
  readonly cwd: string;
}

/** Set once the terminal is gone (SIGHUP): nothing more is written, and write errors on the
 * dead terminal are not failures of the command. */
let outputGone = false;

/** The terminal closed (SIGHUP): stop writing, and let the command finish its work quietly. */
export function outputIsGone(): void {
  outputGone = true;
}

export const processIO: CliIO = {
  out: (text) => {
    if (!outputGone) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  },
  err: (text) => {
    if (!outputGone) process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  },
  isTTY: Boolean(process.stdout.isTTY),
  cwd: process.cwd(),
};

/** How a shell reports a command killed by a broken pipe (128 + SIGPIPE): what `modelfleet ... |
 * head` ends with once head has read its lines, as `yes | head` does. */
export const BROKEN_PIPE_EXIT_CODE = 141;

/**
 * A reader that goes away (`modelfleet run ... | head -3`) ends the process quietly with
 * BROKEN_PIPE_EXIT_CODE, as SIGPIPE ends other programs; Node ignores SIGPIPE and would
 * otherwise print an EPIPE stack trace. Other write errors still surface.
 */
export function exitQuietlyOnBrokenPipe(
  streams: readonly NodeJS.WritableStream[] = [process.stdout, process.stderr],
  exit: (code: number) => void = process.exit,
): void {
  for (const stream of streams) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      // After a hangup the terminal is gone: its write errors (EIO, EPIPE) are expected.
      if (outputGone) return;
      if (e.code !== "EPIPE") throw e;
      exit(BROKEN_PIPE_EXIT_CODE);
    });
  }
}

/** An IO that records everything, for tests. */
export function memoryIO(cwd = process.cwd()): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), isTTY: false, cwd };
}
