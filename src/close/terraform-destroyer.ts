// Destroys a synthesised stack with Terraform: `terraform -chdir=<stack> init -input=false`
// (the stack's state backend, providers), then `terraform -chdir=<stack> destroy -auto-approve
// -input=false`. Terraform's output goes to `onOutput` line by line; a failure says which
// command failed, with the end of its output.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { UserError } from "../errors.ts";
import type { InfrastructureDestroyer } from "./ports.ts";

const TAIL_LINES = 20;

export function createTerraformDestroyer(options: {
  /** The terraform binary (default `terraform` on PATH). */
  readonly terraform?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly onOutput?: (line: string) => void;
}): InfrastructureDestroyer {
  const terraform = options.terraform ?? "terraform";
  const run = (args: readonly string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(terraform, args, {
        env: options.env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const tail: string[] = [];
      const take = (line: string) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        options.onOutput?.(line);
      };
      createInterface({ input: child.stdout }).on("line", take);
      createInterface({ input: child.stderr }).on("line", take);
      child.on("error", (e: NodeJS.ErrnoException) =>
        reject(
          e.code === "ENOENT"
            ? new UserError(
                `\`${terraform}\` not found: install Terraform (the workflow uses hashicorp/setup-terraform), or pass --terraform PATH`,
              )
            : e,
        ),
      );
      child.on("close", (code, signal) => {
        if (code === 0) return resolve();
        reject(
          new UserError(
            `\`${terraform} ${args.join(" ")}\` failed (${signal ?? `exit ${code}`}):\n${tail.map((l) => `  ${l}`).join("\n")}`,
          ),
        );
      });
    });
  return {
    async destroy(stack) {
      await run([`-chdir=${stack.dir}`, "init", "-input=false"]);
      await run([`-chdir=${stack.dir}`, "destroy", "-auto-approve", "-input=false"]);
    },
  };
}
