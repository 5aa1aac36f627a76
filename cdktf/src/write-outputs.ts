// Writes one infrastructure outputs file per scenario from a project stack's outputs (see
// outputs.ts for the shapes accepted). A stack that only runs workers of a scenario whose home
// is another region adds its region to that scenario's file, which must exist already.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseInfrastructureOutputs } from "../../src/cloud/infra-outputs.ts";
import { UserError } from "../../src/errors.ts";
import { mergeOutputs, outputsFiles } from "./outputs.ts";

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
  for (const part of files) {
    const path = join(options.outDir, part.file);
    const text = await readFile(path, "utf8").catch(() => undefined);
    const existing = text === undefined ? undefined : parseInfrastructureOutputs(JSON.parse(text), path);
    await writeFile(path, `${JSON.stringify(mergeOutputs(existing, part), null, 2)}\n`);
    written.push(path);
  }
  return written;
}
