// A stand-in model for spec tests: reads model.in and writes heads.out.
import { readFileSync, writeFileSync } from "node:fs";

const values = Object.fromEntries(
  readFileSync(process.argv[2] ?? "model.in", "utf8")
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/)),
);
const h1 = 100 - Number(values.hk1) * 0.1;
writeFileSync("heads.out", `HEADS\nw1 ${h1}\nw2 ${h1 + Number(values.rch) * 1000}\n`);
