// `modelfleet serve`: options, what it prints, and that it stops cleanly on a signal.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLoopback, serveCommand } from "../cli/commands/serve.ts";
import { memoryIO } from "../cli/io.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "mf-serve-cli-"));
  await mkdir(path.join(dir, "results", "demo", "base"), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  const giveUpAt = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("modelfleet serve", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("serves until %s, then closes and returns 0", async (signal) => {
    const io = memoryIO(dir);
    const listeners = process.listenerCount(signal);
    const running = serveCommand(["--results", "results", "--port", "0"], io);
    const url = await until(() => io.stdout.join("\n").match(/http:\/\/127\.0\.0\.1:\d+/)?.[0], "the URL");
    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ ok: true, root: path.join(dir, "results") });
    const projects = (await (await fetch(`${url}/projects`)).json()) as { runSets: unknown[] };
    expect(projects.runSets).toHaveLength(1);

    process.emit(signal, signal);
    expect(await running).toBe(0);
    const out = io.stdout.join("\n");
    expect(out).toContain(`serving ${path.join(dir, "results")}`);
    expect(out).toContain("GET /projects/:project/:scenario/observations/:name");
    expect(out).toContain(`stopped (${signal})`);
    expect(io.stderr).toEqual([]);
    expect(process.listenerCount(signal)).toBe(listeners);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it("prints a URL that answers, with every run set and a link to its report", async () => {
    const io = memoryIO(dir);
    const running = serveCommand(["--results", "results", "--port", "0"], io);
    const printed = await until(() => io.stdout.find((l) => /^ {2}http:\/\//.test(l))?.trim(), "the URL");
    expect(printed).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(printed);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("<td>demo/base</td><td>no report yet</td>");
    expect(html).toContain("<code>GET /projects/:project/:scenario/report</code>");
    process.emit("SIGINT", "SIGINT");
    expect(await running).toBe(0);
  });

  it.each([
    [["--port", "http"], "serve: --port takes a whole number from 0 to 65535"],
    [["--port", "70000"], "serve: --port takes a whole number from 0 to 65535"],
    [["--port", ""], "serve: --port takes a whole number from 0 to 65535"],
    [["--host", ""], "serve: --host takes an address such as 127.0.0.1"],
    [["extra"], "usage: modelfleet serve"],
    [["--prot", "1"], "modelfleet serve: Unknown option '--prot'"],
  ])("rejects %j", async (args, message) => {
    await expect(serveCommand(args, memoryIO(dir))).rejects.toThrow(message);
  });

  it("says so when the port is taken, and leaves no signal handlers behind", async () => {
    const io = memoryIO(dir);
    const first = serveCommand(["--results", "results", "--port", "0"], io);
    const url = await until(() => io.stdout.join("\n").match(/http:\/\/127\.0\.0\.1:\d+/)?.[0], "the URL");
    const port = new URL(url).port;
    const listeners = process.listenerCount("SIGINT");
    await expect(serveCommand(["--port", port], memoryIO(dir))).rejects.toThrow(
      `port ${port} on 127.0.0.1 is in use; pass another with --port (0 picks a free one)`,
    );
    expect(process.listenerCount("SIGINT")).toBe(listeners);
    process.emit("SIGINT", "SIGINT");
    expect(await first).toBe(0);
  });

  it("--help prints the options", async () => {
    const io = memoryIO(dir);
    expect(await serveCommand(["--help"], io)).toBe(0);
    expect(io.stdout.join("\n")).toContain("--host H");
  });

  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["0.0.0.0", false],
    ["::", false],
    ["192.168.1.10", false],
    ["example.org", false],
  ])("isLoopback(%j) is %s", (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });
});
