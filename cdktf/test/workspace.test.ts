// The infrastructure's packages (cdktn and the ~480 MB AWS provider) stay out of what the CLI
// and the worker image need: only this workspace imports them, and the image never installs it.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TERRAFORM_TARGET_VERSIONS } from "../src/stacks/stack-basics.ts";

const REPO = join(import.meta.dirname, "..", "..");

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|js)$/.test(entry.name)) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe("the infrastructure workspace", () => {
  it("is imported by nothing the CLI or the worker runs", async () => {
    const offenders: string[] = [];
    for (const file of [
      ...(await sourceFiles(join(REPO, "src"))),
      ...(await sourceFiles(join(REPO, "bin"))),
    ]) {
      const text = await readFile(file, "utf8");
      if (/from\s+["'](cdktn|@cdktn\/|constructs|[./]+\/cdktf\/)/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it("is never installed into the worker image", async () => {
    const dockerfile = await readFile(join(REPO, "agent-image", "Dockerfile"), "utf8");
    const npm = dockerfile.split("\n").flatMap((line) => line.match(/npm (ci|install|prune)[^&]*/g) ?? []);
    expect(npm.length).toBeGreaterThan(0);
    for (const command of npm) expect(command).toContain("--workspaces=false");
  });

  it("declares the same Terraform target in cdktf.json as the synth uses", async () => {
    const cdktfJson = JSON.parse(await readFile(join(REPO, "cdktf", "cdktf.json"), "utf8"));
    expect(cdktfJson.targetVersions).toEqual(TERRAFORM_TARGET_VERSIONS);
    expect(cdktfJson.output).toBe("../cdktf.out");
  });

  it("pins constructs below 10.8, as cdktn asks", async () => {
    const pkg = JSON.parse(await readFile(join(REPO, "cdktf", "package.json"), "utf8"));
    expect(pkg.dependencies.constructs).toMatch(/^10\.[67]\.\d+$/);
  });
});
