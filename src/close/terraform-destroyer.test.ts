// The real destroyer runs terraform; here a script of the same name records its arguments.
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTerraformDestroyer } from "./terraform-destroyer.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-terraform-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function fakeTerraform(script: string): Promise<string> {
  const file = join(dir, "terraform");
  await writeFile(file, `#!/bin/sh\necho "$*" >> "${join(dir, "calls")}"\n${script}\n`);
  await chmod(file, 0o755);
  return file;
}

const stack = {
  stack: "modelfleet-demo-us-east-1",
  region: "us-east-1",
  dir: "cdktf.out/stacks/modelfleet-demo-us-east-1",
};

describe("terraform destroy of a synthesised stack", () => {
  it("initialises the stack's folder, then destroys it without asking", async () => {
    const lines: string[] = [];
    const terraform = await fakeTerraform('echo "done: $2"');
    await createTerraformDestroyer({ terraform, onOutput: (l) => lines.push(l) }).destroy(stack);
    expect((await readFile(join(dir, "calls"), "utf8")).trim().split("\n")).toEqual([
      "-chdir=cdktf.out/stacks/modelfleet-demo-us-east-1 init -input=false",
      "-chdir=cdktf.out/stacks/modelfleet-demo-us-east-1 destroy -auto-approve -input=false",
    ]);
    expect(lines).toEqual(["done: init", "done: destroy"]);
  });

  it("says which command failed, with the end of its output", async () => {
    const terraform = await fakeTerraform(
      'if [ "$2" = destroy ]; then echo "Error: BucketNotEmpty" >&2; exit 1; fi',
    );
    await expect(createTerraformDestroyer({ terraform }).destroy(stack)).rejects.toThrow(
      `\`${terraform} -chdir=cdktf.out/stacks/modelfleet-demo-us-east-1 destroy -auto-approve -input=false\` failed (exit 1):\n  Error: BucketNotEmpty`,
    );
  });

  it("says so when terraform is not installed", async () => {
    await expect(createTerraformDestroyer({ terraform: join(dir, "nope") }).destroy(stack)).rejects.toThrow(
      `\`${join(dir, "nope")}\` not found: install Terraform (the workflow uses hashicorp/setup-terraform), or pass --terraform PATH`,
    );
  });
});
