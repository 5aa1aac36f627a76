// Realisations that run until the test lets them finish: the test project's model is replaced
// by one that waits for its gate (a file named after its parameter x, or `all`, in a folder
// outside the model folder) and then answers as test/models/behave.mjs does in its normal
// mode. So a test sees a run set in progress for as long as it needs to, without timing.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "../helpers/project.ts";

const GATED_MODEL = `import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const values = Object.fromEntries(
  readFileSync("model.in", "utf8").trim().split(/\\r?\\n/).map((l) => l.trim().split(/\\s+/)),
);
const x = Number(values.x);
const gates = process.env.MF_GATES;
const open = () => existsSync(join(gates, "all")) || existsSync(join(gates, String(x)));
const wait = () =>
  open() ? writeFileSync("out.txt", \`RESULTS\\ny \${x * 2}\\nz \${x + 1}\\n\`) : setTimeout(wait, 50);
wait();
`;

export interface Gates {
  /** Lets the realisations whose x is one of these finish. */
  open(...xs: number[]): Promise<void>;
  /** Lets every realisation finish, now and later. */
  openAll(): Promise<void>;
}

/** Makes the project's realisations wait for their gates (all closed at first). */
export async function gateProject(project: TestProject): Promise<Gates> {
  const dir = join(project.dir, "gates");
  await mkdir(dir, { recursive: true });
  await writeFile(join(project.dir, "model", "gated.mjs"), GATED_MODEL);
  const spec = await readFile(project.spec, "utf8");
  const gated = spec
    .replace("behave.mjs]", "gated.mjs]")
    .replace(/^( {2}command: .*)$/m, `$1\n  env: { MF_GATES: ${JSON.stringify(dir)} }`);
  if (gated === spec) throw new Error(`${project.spec}: no model command to replace`);
  await writeFile(project.spec, gated);
  return {
    open: async (...xs) => {
      for (const x of xs) await writeFile(join(dir, String(x)), "");
    },
    openAll: () => writeFile(join(dir, "all"), ""),
  };
}
