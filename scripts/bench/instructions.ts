// Instruction-file reading speed (figures printed, nothing asserted):
//   node scripts/bench/instructions.ts
// Reads a synthetic model output with 5,000 observations (rows of 10 values read with a
// marker, `w` and non-fixed observations) many times and prints the time per read.
import { parseInstructions, readObservations } from "../../src/pest/instructions.ts";

const n = 5000;
const outLines = ["HEADS AT END OF RUN"];
const insLines = ["pif ~", "~HEADS AT END OF RUN~"];
for (let i = 0; i < n / 10; i++) {
  const row: string[] = [];
  for (let j = 0; j < 10; j++) row.push(((i * 10 + j) * 0.001 + 100).toExponential(7).padStart(16));
  outLines.push(`  ROW ${String(i + 1).padStart(4)}:${row.join("")}`);
  insLines.push(
    `l1 ~:~ ${Array.from({ length: 10 }, (_, j) => (j % 2 === 0 ? `!h${i}_${j}!` : `w !h${i}_${j}!`)).join(" ")}`,
  );
}
const t0 = performance.now();
const ins = parseInstructions(insLines.join("\n"), "bench.ins");
const parseMs = performance.now() - t0;
const output = outLines.join("\n");
for (let k = 0; k < 20; k++) readObservations(ins, output, "bench.out"); // warm up
const times: number[] = [];
for (let k = 0; k < 200; k++) {
  const s = performance.now();
  readObservations(ins, output, "bench.out");
  times.push(performance.now() - s);
}
times.sort((a, b) => a - b);
const med = times[times.length >> 1]!;
console.log(
  `instructions: parse ${parseMs.toFixed(1)} ms once; read ${n} observations (${(output.length / 1024).toFixed(0)} KiB) ` +
    `median ${med.toFixed(2)} ms, p90 ${times[Math.floor(times.length * 0.9)]!.toFixed(2)} ms ` +
    `(${((med / n) * 100).toFixed(3)} ms per 100 observations)`,
);
