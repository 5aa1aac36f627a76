// The project file's `report` keys for charts: units per observation group, and where a
// series' steps are on the x axis.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../src/spec/diagnostics.ts";
import { validateSpecFile } from "../src/spec/load.ts";
import { REPO } from "./helpers/project.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-report-spec-"));
  await cp(join(REPO, "test", "specs", "basic"), dir, { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function withReport(report: string) {
  const file = join(dir, "base.yaml");
  await writeFile(file, `${await readFile(file, "utf8")}report:\n${report}`);
  return validateSpecFile(file);
}

describe("report.units and a series' step_scale and step_offset", () => {
  it("are read with the spec", async () => {
    const v = await withReport(
      '  units: { heads: m, flows: "m³/d" }\n  series:\n    - { name: profile, observations: "h_w{step}", step_label: "x (m)", step_scale: 500, step_offset: -250 }\n',
    );
    expect(v.diagnostics).toEqual([]);
    expect(v.resolved!.spec.report.units).toEqual({ heads: "m", flows: "m³/d" });
    expect(v.resolved!.spec.report.series[0]).toMatchObject({ step_scale: 500, step_offset: -250 });
  });
  it("default to no units and steps drawn as they are", async () => {
    const v = await withReport("  quantiles: [0.1, 0.9]\n");
    expect(v.resolved!.spec.report.units).toEqual({});
  });
  it("refuse a unit that is not text, and a scale of 0, each located", async () => {
    const v = await withReport(
      '  units: { heads: 5, flows: "" }\n  series:\n    - { name: profile, observations: "h_w{step}", step_scale: 0 }\n',
    );
    const found = v.diagnostics.map(formatDiagnostic);
    expect(found).toEqual([
      expect.stringMatching(/base\.yaml:\d+:\d+: `report\.units\.heads`: expected a string, got 5/),
      expect.stringMatching(/base\.yaml:\d+:\d+: `report\.units\.flows`: expected a non-empty string/),
      expect.stringMatching(
        /base\.yaml:\d+:\d+: `report\.series\[0\]\.step_scale`: expected a number other than 0/,
      ),
    ]);
  });
});
