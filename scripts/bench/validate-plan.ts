// Benchmark: `modelfleet validate` and `modelfleet plan` of the MODFLOW 6 case (lib/mf6-case.ts:
// 14 templates holding 8,175 parameters, an ensemble CSV of the realisations), each command in
// a process of its own as a person runs it. Prints wall time and peak memory (medians); asserts
// nothing. Goal: <= 5 s at 10,000 realisations.
//
//   node scripts/bench/validate-plan.ts [--n 200,1000,10000] [--repeat 3]
//
// (The case of 10,000 realisations is a 1.6 GB ensemble CSV, written once into the system's
// temporary folder: about two minutes the first time.)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { cachedMf6Case } from "./lib/cases.ts";
import { findProgram, load, median, runChild } from "./lib/measure.ts";

const { values } = parseArgs({ options: { n: { type: "string" }, repeat: { type: "string" } } });
const sizes = (values.n ?? "200,1000,10000").split(",").map(Number);
const repeat = Number(values.repeat ?? 3);
const mf6 = findProgram("mf6");
if (!mf6) {
  console.log("mf6 not found (in ../shared/tools/bin or on PATH): nothing measured");
  process.exit(0);
}
const cli = resolve(import.meta.dirname, "..", "..", "src", "cli", "bin.ts");
const scratch = await mkdtemp(join(tmpdir(), "modelfleet-validate-bench-"));
console.log(`load average ${load()} at the start`);
try {
  for (const n of sizes) {
    const c = await cachedMf6Case({ realisations: n, mf6 });
    for (const command of ["validate", "plan"] as const) {
      const walls: number[] = [];
      const rss: number[] = [];
      for (let i = 0; i < repeat; i++) {
        const args = command === "plan" ? ["--results", join(scratch, "results"), "--json"] : [];
        const r = await runChild("/usr/bin/time", [
          "-f",
          "maxrss %M",
          process.execPath,
          cli,
          command,
          c.specFile,
          ...args,
        ]);
        if (r.code !== 0) throw new Error(`${command} of ${n} failed: ${r.stderr.slice(-1500)}`);
        walls.push(r.wallSeconds);
        rss.push(Number(/maxrss (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1000);
      }
      console.log(
        `${command.padEnd(8)} ${String(n).padStart(6)} realisations x ${c.parameters.length} parameters: ` +
          `${median(walls).toFixed(2)} s (${walls.map((w) => w.toFixed(2)).join(", ")}), peak RSS ${median(rss).toFixed(0)} MB`,
      );
    }
  }
  console.log(`load average ${load()} at the end`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}
