// A calibration killed for real (kill -9 of the CLI in the middle of an iteration) and run
// again: it goes on from the last published realisation, not from the start of the iteration,
// and ends exactly where an uninterrupted calibration with the same seed ends, byte for byte.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { RealisationResult } from "../src/results/realisation-result.ts";
import { demoCalibrationCopy, runCli, startCli } from "./helpers/calibration.ts";
import { waitFor } from "./helpers/wait.ts";

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function published(folder: string): Promise<RealisationResult[]> {
  const ids = await readdir(folder).catch(() => [] as string[]);
  const out: RealisationResult[] = [];
  for (const id of ids) {
    const text = await readFile(join(folder, id, "result.json"), "utf8").catch(() => undefined);
    if (text !== undefined) out.push(JSON.parse(text) as RealisationResult);
  }
  return out;
}

describe("a calibration killed mid-iteration", () => {
  it("resumes from its last published realisation and ends as an uninterrupted one does", async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-calibrate-resume-"));
    const spec = await demoCalibrationCopy(dir, 12);
    const args = (name: string) => [
      "calibrate",
      spec,
      "--iterations",
      "2",
      "--workers",
      "2",
      "--results",
      join(dir!, name, "results"),
      "--work-dir",
      join(dir!, name, "work"),
    ];
    const reference = await runCli(args("reference"));
    expect(reference.code, reference.stderr).toBe(0);

    const iteration1 = join(
      dir,
      "killed",
      "results",
      "demo",
      "calibrate",
      "calibration",
      "iter-1",
      "realisations",
    );
    const first = startCli(args("killed"));
    const before = await waitFor("3 published runs of iteration 1", async () => {
      const r = await published(iteration1);
      return r.length >= 3 ? r : undefined;
    });
    first.proc.kill("SIGKILL");
    await first.exited;
    const atKill = await published(iteration1);
    expect(atKill.length).toBeLessThan(12);

    const again = await runCli(args("killed"));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^demo\/calibrate: iteration 0: 12 run\(s\), 12 done already$/m);
    const resumed = /^demo\/calibrate: iteration 1: 12 run\(s\), (\d+) done already$/m.exec(again.stderr);
    expect(resumed, again.stderr).not.toBeNull();
    expect(Number(resumed![1])).toBe(atKill.length);
    // What was published before the kill was not run again.
    const after = new Map((await published(iteration1)).map((r) => [r.id, r]));
    for (const r of before) expect(after.get(r.id)!.startedAt).toBe(r.startedAt);

    const folder = (name: string) => join(dir!, name, "results", "demo", "calibrate", "calibration");
    for (const file of [
      "calibrate.2.par.csv",
      "calibrate.2.obs.csv",
      "calibrate.phi.meas.csv",
      "calibrate.obs+noise.csv",
    ]) {
      expect(await readFile(join(folder("killed"), file), "utf8"), file).toBe(
        await readFile(join(folder("reference"), file), "utf8"),
      );
    }
  }, 300_000);
});
