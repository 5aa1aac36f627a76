// Synthesises the infrastructure to Terraform JSON: cdktf.out/stacks/<stack>/cdk.tf.json for
// the foundation and for every project and region under projects/. Needs no cloud access and
// no terraform binary. Run it with `npm run synth` (or `cdktn synth` in this folder).
import { join } from "node:path";
import { App } from "cdktn";
import { errorMessage, UserError } from "../src/errors.ts";
import { addStacks } from "./src/app.ts";
import { exampleValues, readInfraConfig } from "./src/config.ts";
import { loadProjectStacks } from "./src/load-projects.ts";
import { checkSynthesisedStacks } from "./src/policy/check.ts";
import { TERRAFORM_TARGET_VERSIONS } from "./src/stacks/stack-basics.ts";

const repo = join(import.meta.dirname, "..");

async function main(): Promise<number> {
  const configFile = process.env["MODELFLEET_INFRA_CONFIG"] ?? join(import.meta.dirname, "config.yaml");
  const config = await readInfraConfig(configFile);
  const projects = await loadProjectStacks({ projectsDir: join(repo, "projects"), cwd: repo });
  const outdir = process.env["CDKTF_OUTDIR"] ?? join(repo, "cdktf.out");
  const app = new App({ outdir, context: { targetVersions: TERRAFORM_TARGET_VERSIONS } });
  const stacks = addStacks(app, { config, projects });
  app.synth();
  const findings = await checkSynthesisedStacks(outdir, {
    repository: config.github.repository,
    closeEnvironment: config.github.close_environment,
  });
  const names = [stacks.foundation, ...stacks.projects].map((s) => s.node.id);
  process.stdout.write(`synthesised ${names.length} stacks into ${outdir}/stacks: ${names.join(", ")}\n`);
  for (const field of exampleValues(config)) {
    // A note, not an error: synthesising with the example values is fine (cdktn shows stderr as errors).
    process.stdout.write(`note: ${configFile}: ${field} is the example value; set it before deploying\n`);
  }
  if (findings.length > 0) {
    process.stderr.write(
      `${findings.length} policy finding(s):\n${findings.map((f) => `  ${f}`).join("\n")}\n`,
    );
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${errorMessage(e)}\n`);
    process.exitCode = e instanceof UserError ? e.exitCode : 70;
  },
);
