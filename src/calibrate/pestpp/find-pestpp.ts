// Where the pestpp-ies program is: MODELFLEET_PESTPP_IES if set, else `pestpp-ies` on PATH.
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { UserError } from "../../errors.ts";

export async function findPestppIes(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const given = env.MODELFLEET_PESTPP_IES;
  if (given) {
    if (await isExecutable(given)) return given;
    throw new UserError(`MODELFLEET_PESTPP_IES names ${given}, which is not an executable file`);
  }
  const found = await onPath("pestpp-ies", env.PATH ?? "");
  if (found) return found;
  throw new UserError(
    "pestpp-ies not found on PATH: install PEST++ (https://github.com/usgs/pestpp; the worker image builds it) and put pestpp-ies on PATH, or set MODELFLEET_PESTPP_IES to the program",
  );
}

export async function onPath(program: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, program);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}
