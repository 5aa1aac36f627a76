// Writes one infrastructure outputs file per scenario from a project stack's outputs (see
// outputs.ts for the shapes accepted).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { outputsFiles } from "./outputs.ts";

export async function writeOutputsFiles(options: {
  readonly json: string;
  readonly outDir: string;
}): Promise<string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(options.json);
  } catch (e) {
    throw new UserError(`the outputs are not JSON (${(e as Error).message})`);
  }
  const files = outputsFiles(parsed);
  await mkdir(options.outDir, { recursive: true });
  const written: string[] = [];
  for (const { file, outputs } of files) {
    const path = join(options.outDir, file);
    await writeFile(path, `${JSON.stringify(outputs, null, 2)}\n`);
    written.push(path);
  }
  return written;
}
