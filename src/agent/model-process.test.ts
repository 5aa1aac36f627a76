// The two ways a model is started (directly, and through the shell launcher) behave alike.
import { mkdtemp, rm } from "node:fs/promises";
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
  const run = (command: string[], extra: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
    runModelProcess({
      command,
      shell: false,
      cwd: dir,
      env: mode === "direct" ? { MF_TEST: "from-env" } : {},
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
});

describe("quote", () => {
  it("single-quotes words for sh", () => {
    expect(quote("a b")).toBe("'a b'");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote("$HOME `x`")).toBe("'$HOME `x`'");
  });
});
