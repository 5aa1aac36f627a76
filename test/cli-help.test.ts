// Every command's --help is a real help: what it does, its options, and its exit codes.
import { describe, expect, it } from "vitest";
import { memoryIO } from "../src/cli/io.ts";
import { main, usage } from "../src/cli/main.ts";

async function help(command: string) {
  const io = memoryIO();
  const code = await main([command, "--help"], io);
  return { code, text: io.stdout.join("\n") };
}

describe("modelfleet <command> --help", () => {
  it.each([
    ["plan", ["--ids LIST", "--workers N", "--results DIR", "--retry-failed", "--json"]],
    ["status", ["--watch", "--every DURATION", "--results DIR", "--json"]],
    ["validate", ["--json"]],
    ["report", ["--results DIR", "--fail-on-alert", "--json"]],
    ["check-template", ["--par FILE", "--csv FILE", "--row NAME", "--write FILE", "--json"]],
    ["check-instructions", ["--json"]],
    ["serve", ["--results DIR", "--port N", "--host H"]],
  ])("%s says what it does, each option, and its exit codes", async (command, options) => {
    const { code, text } = await help(command);
    expect(code).toBe(0);
    expect(text).toMatch(new RegExp(`^usage: modelfleet ${command} `));
    // A paragraph saying what the command does, not only a usage line.
    expect(text.split("\n")[2]!.length).toBeGreaterThan(40);
    for (const option of options) expect(text).toMatch(new RegExp(`^ {2}${option} `, "m"));
    expect(text).toMatch(/^Exit codes: 0 /m);
  });
});

describe("every command's --help", () => {
  const commands = usage()
    .split("\n")
    .map((l) => /^ {2}(\S+) {2}/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined);

  it("lists its exit codes", async () => {
    expect(commands).toContain("stop");
    expect(commands).toContain("agent");
    for (const command of commands) {
      const { code, text } = await help(command);
      expect(code, command).toBe(0);
      expect(text, command).toMatch(/^Exit codes: 0 /m);
    }
  });
});
