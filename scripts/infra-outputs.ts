// Writes the infrastructure outputs files `run --executor ecs` reads, one per scenario, from a
// project stack's outputs:
//   terraform -chdir=cdktf.out/stacks/modelfleet-demo-us-east-1 output -json | node scripts/infra-outputs.ts
//   node scripts/infra-outputs.ts --from outputs.json      (`cdktn output --outputs-file outputs.json`)
// Files go to .modelfleet/infra/<project>-<scenario>.json (or --out <folder>).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { writeOutputsFiles } from "../cdktf/src/write-outputs.ts";
import { errorMessage } from "../src/errors.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

try {
  const { values } = parseArgs({
    options: { from: { type: "string" }, out: { type: "string", default: join(".modelfleet", "infra") } },
  });
  const json = values.from === undefined ? await readStdin() : await readFile(values.from, "utf8");
  for (const path of await writeOutputsFiles({ json, outDir: values.out }))
    process.stdout.write(`wrote ${path}\n`);
} catch (e) {
  process.stderr.write(`infra-outputs: ${errorMessage(e)}\n`);
  process.exitCode = 1;
}
