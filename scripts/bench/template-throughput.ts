// Benchmark: how fast writeTemplateFile turns a 2,000 x 2,000 array template (a field per
// cell, a few zone parameters) into a model input file, and what memory it takes doing it.
// Prints figures and asserts nothing. Run: node scripts/bench/template-throughput.ts

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  parseTemplate,
  renderTemplate,
  scanTemplateFile,
  writeTemplateFile,
} from "../../src/pest/template.ts";

const ROWS = 2000;
const COLS = 2000;
const ZONES = 5;
const REPEATS = 5;

/** Zones in bands, so neighbouring cells mostly share a parameter, as real zone arrays do. */
function zoneOf(row: number, col: number): number {
  return (Math.floor(row / 400) + Math.floor(col / 700)) % ZONES;
}

async function writeArrayTemplate(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write("ptf ~\n");
  for (let r = 0; r < ROWS; r++) {
    let line = "";
    // 13 characters per cell: a space, then a 12-character field such as `~  hk_z3   ~`.
    for (let c = 0; c < COLS; c++) line += ` ~  hk_z${zoneOf(r, c)}   ~`;
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "modelfleet-tpl-bench-"));
  try {
    const tpl = join(dir, "hk.tpl");
    const input = join(dir, "hk.ref");
    await writeArrayTemplate(tpl);
    const size = (await stat(tpl)).size;
    const values = new Map<string, number>();
    for (let z = 0; z < ZONES; z++) values.set(`hk_z${z}`, 1.2345678901234 * 10 ** (z - 2));

    globalThis.gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakHeap = base.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 5);

    const t0 = performance.now();
    const summary = await scanTemplateFile(tpl);
    const scanMs = performance.now() - t0;

    const times: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const start = performance.now();
      await writeTemplateFile(tpl, input, values);
      times.push(performance.now() - start);
    }
    clearInterval(sampler);
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);

    const outSize = (await stat(input)).size;
    const best = Math.min(...times);
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    const lines = [
      `template: ${ROWS} x ${COLS} cells, ${summary.fieldCount} fields, ${summary.parameters.length} parameters, ${mb(size)} MB (input file written: ${mb(outSize)} MB)`,
      `scanTemplateFile: ${scanMs.toFixed(0)} ms (${mb(size / (scanMs / 1000))} MB/s)`,
      `writeTemplateFile x${REPEATS}: ${times.map((t) => t.toFixed(0)).join(", ")} ms`,
      `throughput: best ${mb(size / (best / 1000))} MB/s, median ${mb(size / (median / 1000))} MB/s (template bytes)`,
      `memory: rss ${mb(base.rss)} MB before, peak ${mb(peakRss)} MB (+${mb(peakRss - base.rss)}); heap used ${mb(base.heapUsed)} MB before, peak ${mb(peakHeap)} MB (+${mb(peakHeap - base.heapUsed)})`,
    ];

    // For comparison: the in-memory path, which holds the text and a record per field.
    const r0 = performance.now();
    const template = parseTemplate(await readFile(tpl, "utf8"), tpl);
    const r1 = performance.now();
    renderTemplate(template, values);
    const r2 = performance.now();
    const after = process.memoryUsage();
    lines.push(
      `in memory (comparison): parseTemplate ${(r1 - r0).toFixed(0)} ms, renderTemplate ${(r2 - r1).toFixed(0)} ms ` +
        `(${mb(size / ((r2 - r0) / 1000))} MB/s together), rss ${mb(after.rss)} MB after`,
    );
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
