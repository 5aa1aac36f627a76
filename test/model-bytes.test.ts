// Model files are bytes: templates, model outputs and the success check, end to end through a
// real run. Every byte a template does not substitute reaches the model input unchanged, and
// fixed columns of a model output count bytes, whatever the encoding.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIO } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { runLocal } from "../src/engine/local-run.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-bytes-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const latin1 = (s: string) => Buffer.from(s, "latin1");

const MODEL = `import { readFileSync, writeFileSync } from "node:fs";
const mode = Number(readFileSync("mode.in", "latin1").trim());
const lines = ["r\\xe9sultats", "niveau (m\\xe9\\xb0)   101.25 d\\xe9bit  -3.5e-2", mode === 1 ? "\\xc9CHEC du calcul" : "fin"];
writeFileSync("result.dat", Buffer.from(lines.join("\\n") + "\\n", "latin1"));
`;

const BIG_LINES = 20_000;

describe("a run writes and reads model files as bytes", () => {
  it("passes Latin-1 and UTF-8 bytes through templates, reads byte columns, and checks success in Latin-1", async () => {
    const model = join(dir, "model");
    await mkdir(model);
    await writeFile(join(model, "model.mjs"), MODEL);
    await writeFile(join(model, "mode.in.tpl"), "ptf ~\n~m ~\n");
    await writeFile(
      join(model, "latin.in.tpl"),
      latin1("ptf ~\r\n* Temp\xe9rature (\xb0C), d\xe9bit en m\xb3/j\r\nT\xe9  ~t1     ~ \xb0C  ~q    ~\r\n"),
    );
    await writeFile(join(model, "utf8.in.tpl"), "ptf ~\n# Höhe über NN — Kommentar\nü ~h   ~ m³\n");
    await writeFile(
      join(model, "big.in.tpl"),
      latin1(`ptf ~\n${"T\xe9 ~t1     ~ \xb0C\n".repeat(BIG_LINES)}`),
    );
    await writeFile(join(model, "result.ins"), "pif ~\nl2 [h]13:21 (q)30:33\n");
    await writeFile(join(dir, "ens.csv"), "real_name,t1,q,h,m\nr1,12.5,-3,101.5,0\nr2,12.5,-3,101.5,1\n");
    await writeFile(
      join(dir, "p.yaml"),
      `project: bytes
scenario: base
model:
  dir: model
  command: [${JSON.stringify(process.execPath)}, model.mjs]
  templates:
    - { template: mode.in.tpl, writes: mode.in }
    - { template: latin.in.tpl, writes: latin.in }
    - { template: utf8.in.tpl, writes: utf8.in }
    - { template: big.in.tpl, writes: big.in }
  instructions: [{ file: result.ins, reads: result.dat }]
  success: { file: result.dat, not_contains: "ÉCHEC" }
  keep: ["*.in"]
parameters:
  csv: ens.csv
`,
    );
    const report = await runLocal({
      specFile: join(dir, "p.yaml"),
      resultsRoot: join(dir, "results"),
      workRoot: join(dir, "work"),
      workers: 1,
      report: false,
    });
    const byId = new Map(report.results.map((r) => [r.id, r]));
    expect(byId.get("r1")).toMatchObject({ status: "ok", observations: { h: 101.25, q: -0.035 } });
    expect(byId.get("r2")).toMatchObject({
      status: "failed",
      failure: {
        kind: "model",
        reason: "success_check",
        message: 'result.dat:3 contains "ÉCHEC": ÉCHEC du calcul',
      },
    });
    const r1 = report.results.find((r) => r.id === "r1")!;
    const kept = (name: string) =>
      readFile(join(report.location, "realisations", "r1", r1.files.find((f) => f.path === name)!.stored!));
    const latinIn = latin1(
      `* Temp\xe9rature (\xb0C), d\xe9bit en m\xb3/j\r\nT\xe9       12.5 \xb0C     -3.0\r\n`,
    );
    expect((await kept("latin.in")).equals(latinIn), (await kept("latin.in")).toString("latin1")).toBe(true);
    const utf8In = Buffer.from("# Höhe über NN — Kommentar\nü  101.5 m³\n", "utf8");
    expect((await kept("utf8.in")).equals(utf8In), (await kept("utf8.in")).toString()).toBe(true);
    const bigIn = latin1("T\xe9      12.5 \xb0C\n".repeat(BIG_LINES));
    expect((await kept("big.in")).equals(bigIn)).toBe(true);
  });
});

describe("check-template --write", () => {
  it("writes a Latin-1 template's bytes unchanged around the fields", async () => {
    await writeFile(join(dir, "t.tpl"), latin1("ptf ~\nT\xe9  ~t1     ~ \xb0C\n"));
    await writeFile(join(dir, "e.csv"), "real_name,t1\nr1,12.5\n");
    const io = memoryIO(dir);
    const code = await main(
      [
        "check-template",
        join(dir, "t.tpl"),
        "--csv",
        join(dir, "e.csv"),
        "--row",
        "r1",
        "--write",
        join(dir, "t.out"),
      ],
      io,
    );
    expect(io.stderr.join("\n")).toBe("");
    expect(code).toBe(0);
    expect((await readFile(join(dir, "t.out"))).equals(latin1("T\xe9       12.5 \xb0C\n"))).toBe(true);
  });
});
