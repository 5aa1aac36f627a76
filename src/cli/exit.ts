// How the command line ends: with the command's exit code, once the command has returned.
// Nothing left behind on an error path (a timer, a child process's pipe, a socket) may keep
// the process alive after that; a command that returned is done.

/** Sets the exit code and ends the process after `graceMs` if something still holds it. */
export function exitWhenDone(code: number, graceMs = 1000): void {
  process.exitCode = code;
  // Unref'd: a process with nothing left to do exits at once, as usual; only one that is
  // held by a leftover handle waits for this timer.
  setTimeout(() => process.exit(code), graceMs).unref();
}
