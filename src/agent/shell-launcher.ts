// Starts model processes through a long-lived /bin/sh instead of forking the engine itself.
//
// Node starts a child by forking its own (large) process on the thread that runs everything
// else, about a millisecond of blocked engine per model. A small shell forks in a fraction of
// that, on its own core. Each model still gets its own session and process group (`setsid`),
// so a timeout kills its whole tree, and its output goes to a log file in its work folder.
//
// Protocol, one line each way per model:
//   engine -> sh : (cd DIR && exec setsid CMD ARGS... >LOG 2>&1 </dev/null) & p=$!; echo "S $p"; wait $p; echo "E $p $?"
//   sh -> engine : S <pid>      the model started (its pid is its process group)
//                  E <pid> <status>   it ended: exit code, or 128 + signal number
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

export function createShellLauncher(env: NodeJS.ProcessEnv): ShellLauncher {
  let sh: ChildProcess | undefined;
  let buffer = "";
  let pendingStart: ((pid: number) => void) | undefined;
  let startFailed: ((e: Error) => void) | undefined;
  const exits = new Map<number, (exit: LaunchExit) => void>();
  let queue = Promise.resolve();

  const ensureShell = (): ChildProcess => {
    if (sh && sh.exitCode === null && sh.signalCode === null) return sh;
    buffer = "";
    // Its own process group: a terminal's Ctrl-C goes to the engine's group, so it reaches the
    // engine (which gives models their grace period), never this shell.
    const child = spawn("/bin/sh", [], { env, stdio: ["pipe", "pipe", "ignore"], detached: true });
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const [tag, pid, status] = line.split(" ");
        if (tag === "S") {
          pendingStart?.(Number(pid));
          pendingStart = undefined;
        } else if (tag === "E") {
          exits.get(Number(pid))?.(decodeStatus(Number(status)));
          exits.delete(Number(pid));
        }
      }
    });
    child.on("exit", () => {
      // The shell died (killed from outside): fail what waits on it; the next launch starts another.
      startFailed?.(new Error("the launcher shell exited"));
      for (const [, done] of exits)
        done({ exitCode: null, signal: null, notFound: false, notExecutable: false, lost: true });
      exits.clear();
    });
    child.stdin!.on("error", () => {});
    sh = child;
    return child;
  };

  const launchOne = (request: LaunchRequest): Promise<LaunchedProcess> =>
    new Promise((resolve, reject) => {
      const shell = ensureShell();
      pendingStart = (pid) => {
        startFailed = undefined;
        const exit = new Promise<LaunchExit>((done) => {
          exits.set(pid, done);
        });
        resolve({ pid, exit });
      };
      startFailed = reject;
      const cmd = [SETSID, ...request.argv].map(quote).join(" ");
      shell.stdin!.write(
        `(cd ${quote(request.cwd)} && exec ${cmd} >${quote(request.logFile)} 2>&1 </dev/null) & p=$!; echo "S $p"; wait $p; echo "E $p $?"\n`,
      );
    });

  return {
    // One model at a time per shell: the next launch waits for the previous one to have started.
    launch(request) {
      const started = queue.then(() => launchOne(request));
      queue = started.then(
        () => undefined,
        () => undefined,
      );
      return started;
    },
    get pid() {
      return sh && sh.exitCode === null && sh.signalCode === null ? sh.pid : undefined;
    },
    kill(signal) {
      sh?.kill(signal);
    },
    close() {
      sh?.stdin?.end();
      sh = undefined;
    },
  };
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
