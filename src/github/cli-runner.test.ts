import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { calibrateOnEcs } from "./cli-runner.ts";

/** A stand-in for the CLI: writes the calibration's lines, then, told to wait, waits for
 * SIGINT and exits 130 as `modelfleet calibrate` does; else prints the summary. */
async function standIn(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mf-cli-runner-"));
  const file = join(dir, "calibrate.mjs");
  await writeFile(
    file,
    `const args = process.argv.slice(2);
process.stderr.write("demo/calibrate: iteration 0: 4 run(s) on ECS\\n");
process.stderr.write("args: " + args.join(" ") + "\\n");
if (process.env.WAIT) {
  process.on("SIGINT", () => { process.stderr.write("demo/calibrate: stopped during iteration 0\\n"); process.exit(130); });
  process.stderr.write("waiting\\n");
  setInterval(() => {}, 1000);
} else {
  process.stdout.write(JSON.stringify({ iterations: 2, modelRuns: 12, wallSeconds: 3 }));
}
`,
  );
  return file;
}

describe("calibrateOnEcs", () => {
  it("passes the spec and infrastructure, streams stderr's lines and reads the summary", async () => {
    const lines: string[] = [];
    const exit = await calibrateOnEcs(
      { cli: [process.execPath, await standIn()], specFile: "p/s.yaml", infraFile: "i.json", cwd: tmpdir() },
      { onLine: (l) => lines.push(l) },
    );
    expect(exit.code).toBe(0);
    expect(exit.summary).toEqual({ iterations: 2, modelRuns: 12, wallSeconds: 3 });
    expect(lines).toEqual([
      "demo/calibrate: iteration 0: 4 run(s) on ECS",
      "args: calibrate p/s.yaml --executor ecs --infra i.json --json",
    ]);
  });

  it("stops the calibration with SIGINT when told, keeping its last lines", async () => {
    const stop = new AbortController();
    const previous = process.env["WAIT"];
    process.env["WAIT"] = "1";
    try {
      const exit = await calibrateOnEcs(
        { cli: [process.execPath, await standIn()], specFile: "s.yaml", infraFile: "i.json", cwd: tmpdir() },
        { onLine: (l) => l === "waiting" && stop.abort(), stop: stop.signal },
      );
      expect(exit.code).toBe(130);
      expect(exit.summary).toBeUndefined();
      expect(exit.tail.at(-1)).toBe("demo/calibrate: stopped during iteration 0");
    } finally {
      if (previous === undefined) delete process.env["WAIT"];
      else process.env["WAIT"] = previous;
    }
  });
});
