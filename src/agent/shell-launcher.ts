// Starts model processes through a long-lived /bin/sh instead of forking the engine itself.
//
// Node starts a child by forking its own (large) process on the thread that runs everything
// else, a millisecond or more of blocked engine per child. A small shell forks in a fraction of
// that, on its own core. One shell starts any number of models at once, so an engine with a
// hundred workers starts one shell, not a hundred; launches asked for in the same turn of the
// event loop go to it in one write. Each model still gets its own session and process group
// (`setsid`), so a timeout kills its whole tree, and its output goes to a log file in its work
// folder.
//
// Protocol, one line each way per model and event (N numbers the launch):
//   engine -> sh : ( (cd DIR && exec setsid CMD ARGS... >LOG 2>&1 </dev/null) & p=$!; printf 'S N %s\n' "$p"; wait $p; printf 'E N %s\n' "$?" ) & :
//   sh -> engine : S N <pid>      the model started (its pid is its process group)
//                  E N <status>   it ended: exit code, or 128 + signal number
// A subshell per model waits for it, so the shell itself goes straight on to the next line;
// the `:` after it has the shell collect the subshells that have ended (dash does so before
// a command, not while it waits for input), so they do not pile up as zombies. Each line the
// subshells print is one short write, which a pipe never interleaves with another. (The
// subshells read nothing: dash reads a file a byte at a time, a cost that a fast model on a
// small machine feels.)
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { constants as osConstants } from "node:os";

export interface LaunchRequest {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Where stdout and stderr go (inside the work folder). */
  readonly logFile: string;
}

export interface LaunchedProcess {
  readonly pid: number;
  readonly exit: Promise<LaunchExit>;
}

export interface LaunchExit {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** 127/126 from setsid: the command was not found / not executable. */
  readonly notFound: boolean;
  readonly notExecutable: boolean;
  /** The shell died before the model's exit was told: the model may still be running. */
  readonly lost?: boolean;
}

export interface ShellLauncher {
  launch(request: LaunchRequest): Promise<LaunchedProcess>;
  /** The shell's pid while it runs. */
  readonly pid: number | undefined;
  /** Signals the shell itself (not its models). */
  kill(signal: NodeJS.Signals): void;
  close(): void;
}

/** Whether this machine can use the shell launcher (a POSIX shell and util-linux setsid). */
export function shellLauncherAvailable(): boolean {
  if (process.platform !== "linux") return false;
  try {
    accessSync("/bin/sh", constants.X_OK);
    accessSync(SETSID, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const SETSID = "/usr/bin/setsid";
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

interface Shell {
  readonly child: ChildProcess;
  /** Launches written to this shell whose model has not ended. */
  readonly launches: Set<number>;
}

export function createShellLauncher(env: NodeJS.ProcessEnv): ShellLauncher {
  let shell: Shell | undefined;
  let closed = false;
  let seq = 0;
  /** Launches whose model has not been told started yet. */
  const starting = new Map<number, { resolve(pid: number): void; reject(e: Error): void }>();
  /** Launches whose model runs: told its exit when the shell tells it. */
  const exits = new Map<number, (exit: LaunchExit) => void>();
  /** Lines (and their launches) to go to the shell at the end of this turn of the event loop. */
  let batch = "";
  let batchIds: number[] = [];

  const onLine = (line: string) => {
    const [tag, n, value] = line.split(" ", 3);
    const id = Number(n);
    if (tag === "S") {
      const waiting = starting.get(id);
      starting.delete(id);
      const pid = Number(value);
      if (waiting) waiting.resolve(pid);
      // Told after its shell was given up for dead (and it was started another way): ended.
      else killGroup(pid);
    } else if (tag === "E") {
      shell?.launches.delete(id);
      exits.get(id)?.(decodeStatus(Number(value)));
      exits.delete(id);
    }
  };

  /** Fails a launch whose shell is gone: not started yet, or its model's exit never told. */
  const lose = (id: number, e: Error) => {
    starting.get(id)?.reject(e);
    starting.delete(id);
    exits.get(id)?.({ exitCode: null, signal: null, notFound: false, notExecutable: false, lost: true });
    exits.delete(id);
  };

  const startShell = (): Shell => {
    // Its own process group: a terminal's Ctrl-C goes to the engine's group, so it reaches the
    // engine (which gives models their grace period), never this shell.
    const child = spawn("/bin/sh", [], { env, stdio: ["pipe", "pipe", "ignore"], detached: true });
    const started: Shell = { child, launches: new Set() };
    let buffer = ""; // this shell's own: the subshells of a dead one may still be talking
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buffer += chunk;
      let from = 0;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n", from)) {
        onLine(buffer.slice(from, nl));
        from = nl + 1;
      }
      buffer = buffer.slice(from);
    });
    child.on("exit", () => {
      // The shell died (killed from outside): fail what waits on it; the next launch starts another.
      if (shell === started) shell = undefined;
      for (const id of started.launches) lose(id, new Error("the launcher shell exited"));
      started.launches.clear();
    });
    child.stdin!.on("error", () => {});
    return started;
  };

  const flush = () => {
    const lines = batch;
    const ids = batchIds;
    batch = "";
    batchIds = [];
    try {
      if (closed) throw new Error("the launcher was closed");
      // Refused before any process exists (an environment value with a NUL byte).
      shell ??= startShell();
    } catch (e) {
      for (const id of ids) lose(id, e instanceof Error ? e : new Error(String(e)));
      return;
    }
    for (const id of ids) shell.launches.add(id);
    shell.child.stdin!.write(lines);
  };

  return {
    launch(request) {
      const id = ++seq;
      const cmd = [SETSID, ...request.argv].map(quote).join(" ");
      if (batch === "") setImmediate(flush);
      batch += `( (cd ${quote(request.cwd)} && exec ${cmd} >${quote(request.logFile)} 2>&1 </dev/null) & p=$!; printf 'S ${id} %s\\n' "$p"; wait $p; printf 'E ${id} %s\\n' "$?" ) & :\n`;
      batchIds.push(id);
      return new Promise((resolve, reject) => {
        starting.set(id, {
          resolve: (pid) => resolve({ pid, exit: new Promise((done) => exits.set(id, done)) }),
          reject,
        });
      });
    },
    get pid() {
      return shell?.child.pid;
    },
    kill(signal) {
      shell?.child.kill(signal);
    },
    close() {
      closed = true;
      // `:` first: the shell collects its ended subshells before it goes.
      shell?.child.stdin?.end(":\n");
      shell = undefined;
    },
  };
}

function killGroup(pid: number) {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // gone, or not a group leader yet
    }
  }
}

function decodeStatus(status: number): LaunchExit {
  if (status > 128 && SIGNAL_NAMES.has(status - 128)) {
    return { exitCode: null, signal: SIGNAL_NAMES.get(status - 128)!, notFound: false, notExecutable: false };
  }
  return { exitCode: status, signal: null, notFound: status === 127, notExecutable: status === 126 };
}

/** Single-quotes a word for sh: nothing inside is interpreted. */
export function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
