// The README's promises that code can check: every command is in its table, and every exit
// code the code defines is in the exit-code table.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALERT_EXIT_CODE, INCOMPLETE_EXIT_CODE } from "../src/cli/commands/report.ts";
import { BROKEN_PIPE_EXIT_CODE } from "../src/cli/io.ts";
import { usage } from "../src/cli/main.ts";
import { RUN_LOCKED_EXIT_CODE } from "../src/store/run-lock.ts";
import { REPO } from "./helpers/project.ts";

const readme = await readFile(join(REPO, "README.md"), "utf8");

/** The rows of the first table after a heading, as cells. */
function tableAfter(heading: string): string[][] {
  const lines = readme.slice(readme.indexOf(heading)).split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith("|")) break;
    rows.push(
      l
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

describe("README", () => {
  it("lists every command in the Commands table", () => {
    const commands = [...usage().matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThan(8);
    const documented = tableAfter("## Commands").map((row) => /^`modelfleet ([a-z-]+)/.exec(row[0]!)?.[1]);
    expect(documented.sort()).toEqual([...commands].sort());
  });
  it("documents every exit code the code defines", () => {
    const codes = new Set(tableAfter("### Exit codes").map((row) => Number(row[0]!.replace(/`/g, ""))));
    for (const code of [0, 1, 2, RUN_LOCKED_EXIT_CODE, ALERT_EXIT_CODE, INCOMPLETE_EXIT_CODE, 70, 130]) {
      expect(codes, String(code)).toContain(code);
    }
    expect(codes).toContain(BROKEN_PIPE_EXIT_CODE);
    expect(codes).toContain(143);
  });
  it("names what npm test needs besides Node: Chromium, and how to install it", () => {
    const top = readme.slice(0, readme.indexOf("## What a run does"));
    expect(top).toContain("Chromium, for `npm test`");
    expect(top).toContain("sudo apt-get install chromium");
    expect(top).toContain("Node.js 22.18 or newer");
  });
});
