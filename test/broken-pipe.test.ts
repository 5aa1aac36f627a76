// `modelfleet ... | head -3`: once head has gone, a command ends quietly, as SIGPIPE ends any
// other program (exit 141), instead of printing an EPIPE stack trace.
import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN_PIPE_EXIT_CODE, exitQuietlyOnBrokenPipe } from "../src/cli/io.ts";
import { CLI, makeProject, type TestProject } from "./helpers/project.ts";

/**
 * Runs `{ three lines; modelfleet ARGS; } | head -3` in a shell: head has read its three lines
 * and gone before modelfleet writes, so every write of modelfleet's meets a closed pipe.
 * Returns modelfleet's exit status and what it wrote to stderr.
 */
function pipedToHead(args: readonly string[], cwd: string): Promise<{ status: number; stderr: string }> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const script = `{ printf 'a\\nb\\nc\\n'; sleep 0.2; ${quoted}; echo "exit $?" >&2; } | head -3 >/dev/null`;
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", script], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    child.on("error", reject);
    child.on("close", () => {
      const m = /exit (\d+)\n$/.exec(stderr);
      if (!m) reject(new Error(`no exit status in: ${stderr}`));
      else resolve({ status: Number(m[1]), stderr: stderr.slice(0, m.index) });
    });
  });
}

describe("a command whose output is piped to head", () => {
  let project: TestProject;
  beforeAll(async () => {
    project = await makeProject({ params: [{ x: 1 }, { x: 2 }] });
  });
  afterAll(() => project.remove());
  const results = () => ["--results", project.results];

  it("run: the run completes and the command ends quietly when it prints its summary", async () => {
    const r = await pipedToHead(
      ["run", project.spec, ...results(), "--work-dir", project.work, "--workers", "1"],
      project.dir,
    );
    expect(r.stderr).toContain("test/base: 2 realisations, 0 done, 2 to run; 1 worker(s)");
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.status).toBe(BROKEN_PIPE_EXIT_CODE);
  });

  it.each(
    [
      ["--help"],
      ["run", "--help"],
      ["validate", "base.yaml"],
      ["plan", "base.yaml", "--results", ".results"],
      ["status", "base.yaml", "--results", ".results"],
      ["report", "base.yaml", "--results", ".results"],
      ["check-instructions", "model/out.ins"],
      ["check-template", "model/model.in.tpl"],
      ["serve", "--results", ".results", "--port", "0"],
    ].map((args) => ({ args, command: args.join(" ") })),
  )("modelfleet $command ends quietly", async ({ args }) => {
    const r = await pipedToHead(args, project.dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(BROKEN_PIPE_EXIT_CODE);
  });
});

describe("exitQuietlyOnBrokenPipe", () => {
  const errno = (code: string) => Object.assign(new Error(`write ${code}`), { code });
  it("exits with the broken-pipe status on EPIPE, and lets other write errors through", () => {
    const stream = new PassThrough();
    const exits: number[] = [];
    exitQuietlyOnBrokenPipe([stream], (code) => exits.push(code));
    stream.emit("error", errno("EPIPE"));
    expect(exits).toEqual([141]);
    expect(() => stream.emit("error", errno("ENOSPC"))).toThrow("write ENOSPC");
  });
});
