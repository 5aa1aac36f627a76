// The two ways a model is started (directly, and through the shell launcher) behave alike.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runModelProcess } from "./model-process.ts";
import { createShellLauncher, quote, type ShellLauncher, shellLauncherAvailable } from "./shell-launcher.ts";

let dir: string;
let launcher: ShellLauncher;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-proc-"));
  launcher = createShellLauncher({ ...process.env, MF_TEST: "from-env" });
});
afterAll(async () => {
  launcher.close();
  await rm(dir, { recursive: true, force: true });
});

const node = process.execPath;
const modes = shellLauncherAvailable() ? (["direct", "launcher"] as const) : (["direct"] as const);

describe.each(modes)("a model started %s", (mode) => {
  const run = (
    command: string[],
    extra: { timeoutMs?: number; signal?: AbortSignal; env?: Record<string, string> } = {},
  ) =>
    runModelProcess({
      command,
      shell: false,
      cwd: dir,
      env: extra.env ?? (mode === "direct" ? { MF_TEST: "from-env" } : {}),
      timeoutMs: extra.timeoutMs ?? 10_000,
      ...(extra.signal ? { signal: extra.signal } : {}),
      ...(mode === "launcher" ? { launcher } : {}),
    });

  it("reports its exit code and the tail of its output", async () => {
    const r = await run([
      node,
      "-e",
      "console.log('out', process.env.MF_TEST); console.error('err line'); process.exit(3)",
    ]);
    expect(r.exitCode).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.outputTail).toContain("out from-env");
    expect(r.outputTail).toContain("err line");
    expect(r.wallSeconds).toBeGreaterThan(0);
  });

  it("passes arguments with spaces and quotes untouched", async () => {
    const r = await run([
      node,
      "-e",
      "console.log(JSON.stringify(process.argv.slice(1)))",
      "a b",
      "it's",
      '"q"',
    ]);
    expect(r.outputTail.trim()).toBe(JSON.stringify(["a b", "it's", '"q"']));
  });

  it("kills the whole tree on timeout", async () => {
    const r = await run(
      [
        node,
        "-e",
        "require('child_process').spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], {stdio:'ignore'}); setInterval(()=>{},1000)",
      ],
      { timeoutMs: 500 },
    );
    expect(r.timedOut).toBe(true);
    expect(r.killedByUs).toBe(true);
    expect(r.signal).toBe("SIGTERM");
  });

  it("a timeout also ends what left the model's process group (setsid, a daemon)", async () => {
    const marker = `1011.${mode === "direct" ? 1 : 2}${Math.floor(Math.random() * 1000)}`;
    const r = await run(["/bin/sh", "-c", `setsid sleep ${marker} </dev/null >/dev/null 2>&1 & sleep 1012`], {
      timeoutMs: 1000,
    });
    expect(r.timedOut).toBe(true);
    await new Promise((res) => setTimeout(res, 300));
    expect(await processesRunning(`sleep ${marker}`)).toEqual([]);
  });

  it("reports a signal it did not get from us", async () => {
    const r = await run([node, "-e", "process.kill(process.pid, 'SIGKILL')"]);
    expect(r.signal).toBe("SIGKILL");
    expect(r.killedByUs).toBe(false);
  });

  it("says when the command does not exist", async () => {
    const r = await run(["definitely-not-a-command-xyz"]);
    expect(r.spawnError?.code).toBe("ENOENT");
  });

  it("stops at once when aborted", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const r = await run([node, "-e", "setInterval(()=>{},1000)"], { signal: controller.signal });
    expect(r.aborted).toBe(true);
  });

  it("a kill sent before or right after the start reaches every model", async () => {
    const started = performance.now();
    const runs = [];
    for (let i = 0; i < 10; i++) {
      const controller = new AbortController();
      // Half are aborted before the start, half in the same tick as it.
      if (i % 2 === 0) controller.abort();
      runs.push(run([node, "-e", "setTimeout(() => {}, 20000)"], { signal: controller.signal }));
      if (i % 2 === 1) controller.abort();
    }
    const results = await Promise.all(runs);
    for (const r of results) {
      expect(r.aborted).toBe(true);
      expect(r.exitCode).toBeNull();
    }
    // None ran to its end (20 s).
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it("honours a timeout longer than a JavaScript timer can hold (25 days)", async () => {
    const r = await run([node, "-e", "setTimeout(() => console.log('done'), 300)"], {
      timeoutMs: 25 * 24 * 3600 * 1000,
    });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).toBe(0);
    expect(r.outputTail).toContain("done");
  });

  it("an environment the system refuses is a spawn error, not a throw", async () => {
    // The launcher takes its environment when it is made; a direct start takes it per run.
    const bad = { BAD: "a\0b" };
    const own = mode === "launcher" ? createShellLauncher({ ...process.env, ...bad }) : undefined;
    const r = await runModelProcess({
      command: [node, "-e", "0"],
      shell: false,
      cwd: dir,
      env: bad,
      timeoutMs: 10_000,
      ...(own ? { launcher: own } : {}),
    });
    own?.close();
    expect(r.spawnError).toBeDefined();
    expect(r.exitCode).toBeNull();
  });
});

describe("a launcher shell that dies under a running model", () => {
  it.runIf(shellLauncherAvailable())(
    "ends the model and is not taken for the out-of-memory killer",
    async () => {
      const own = createShellLauncher(process.env);
      const pending = runModelProcess({
        command: [node, "-e", "setInterval(() => {}, 1000)"],
        shell: false,
        cwd: dir,
        env: {},
        timeoutMs: 60_000,
        launcher: own,
        onSpawn: (pid) => {
          modelPid = pid;
        },
      });
      let modelPid: number | undefined;
      await new Promise((r) => setTimeout(r, 300));
      expect(modelPid).toBeDefined();
      own.kill("SIGKILL");
      const r = await pending;
      expect(r.launcherLost).toBe(true);
      expect(r.killedByUs).toBe(true);
      // the model itself is gone too
      await new Promise((res) => setTimeout(res, 200));
      expect(isRunning(modelPid!)).toBe(false);
      own.close();
    },
  );
});

describe("the launcher shell", () => {
  it.runIf(shellLauncherAvailable())(
    "is not in the engine's process group, so a terminal's Ctrl-C does not reach it",
    async () => {
      const own = createShellLauncher(process.env);
      const r = await runModelProcess({
        command: [node, "-e", "0"],
        shell: false,
        cwd: dir,
        env: {},
        timeoutMs: 10_000,
        launcher: own,
      });
      expect(r.exitCode).toBe(0);
      const pgid = processGroupOf(own.pid!);
      expect(pgid).not.toBe(processGroupOf(process.pid));
      own.close();
    },
  );
});

describe("one launcher shell", () => {
  it.runIf(shellLauncherAvailable())("runs many models at once, each told its own exit", async () => {
    const own = createShellLauncher(process.env);
    const count = 3;
    const here = await mkdtemp(join(dir, "together-"));
    // Each model marks that it runs, then waits (10 s at most) for the others to run too:
    // they all succeed only if the shell started each without waiting for the one before.
    const runs = Array.from({ length: count }, async (_, i) => {
      const cwd = join(here, `m${i}`);
      await mkdir(cwd);
      return runModelProcess({
        command: [
          node,
          "-e",
          `const fs = require("node:fs"); fs.writeFileSync("../running-${i}", "");
           const until = Date.now() + 10000;
           const wait = () => fs.readdirSync("..").filter((n) => n.startsWith("running-")).length === ${count}
             ? process.exit(${i}) : Date.now() > until ? process.exit(99) : setTimeout(wait, 20);
           wait();`,
        ],
        shell: false,
        cwd,
        env: {},
        timeoutMs: 30_000,
        launcher: own,
      });
    });
    const results = await Promise.all(runs);
    own.close();
    expect(results.map((r) => r.exitCode)).toEqual([0, 1, 2]);
  });

  it.runIf(shellLauncherAvailable())("does not keep the models it started as zombies", async () => {
    const own = createShellLauncher(process.env);
    const start = () =>
      runModelProcess({
        command: ["true"],
        shell: false,
        cwd: dir,
        env: {},
        timeoutMs: 10_000,
        launcher: own,
      });
    for (let i = 0; i < 5; i++) await Promise.all([start(), start(), start()]);
    // The shell collects what ended before it starts the next.
    await start();
    const zombies = childrenOf(own.pid!).filter((pid) => !isRunning(pid));
    own.close();
    expect(zombies.length).toBeLessThanOrEqual(1);
  });
});

/** Pids of the children of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
    .split(" ")
    .filter((s) => s.trim() !== "")
    .map(Number);
}

/** Pids of live processes whose command line is `cmdline` (Linux /proc). */
async function processesRunning(cmdline: string): Promise<number[]> {
  const { readdir } = await import("node:fs/promises");
  const out: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0").join(" ").trim();
      if (cmd === cmdline && isRunning(Number(name))) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

/** Whether a process exists and is not a zombie waiting for its parent. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

describe("quote", () => {
  it("single-quotes words for sh", () => {
    expect(quote("a b")).toBe("'a b'");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote("$HOME `x`")).toBe("'$HOME `x`'");
  });
});
