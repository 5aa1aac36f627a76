import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const exitModule = join(import.meta.dirname, "exit.ts");

function runNode(code: string): Promise<{ code: number | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: "ignore" });
    const kill = setTimeout(() => p.kill("SIGKILL"), 20_000);
    p.on("exit", (c) => {
      clearTimeout(kill);
      resolve({ code: c });
    });
  });
}

describe("exitWhenDone", () => {
  it("ends a process that a leftover handle would keep alive, with the command's code", async () => {
    const r = await runNode(
      `const { exitWhenDone } = await import(${JSON.stringify(exitModule)}); setInterval(() => {}, 1000); exitWhenDone(3, 200);`,
    );
    expect(r.code).toBe(3);
  });

  it("lets a process with nothing left exit at once with the code", async () => {
    const r = await runNode(
      `const { exitWhenDone } = await import(${JSON.stringify(exitModule)}); exitWhenDone(4, 60000);`,
    );
    expect(r.code).toBe(4);
  });
});
