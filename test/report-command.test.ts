// `modelfleet report` on a run set that is not complete: it says so, and --fail-on-alert does
// not pass what it could not judge.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryIO } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { makeProject, type TestProject } from "./helpers/project.ts";

let project: TestProject;
beforeEach(async () => {
  project = await makeProject({ params: [{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }] });
  // max of y is 2x: it fires once realisation 2 (y = 4) is in.
  await writeFile(
    project.spec,
    `${await readFile(project.spec, "utf8")}alerts:\n  - { observation: y, statistic: max, above: 3 }\n`,
  );
});
afterEach(() => project.remove());

async function cli(...args: string[]) {
  const io = memoryIO(project.dir);
  const code = await main([...args, "--results", project.results], io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}
const run = (ids: string) => cli("run", project.spec, "--work-dir", project.work, "--ids", ids);

describe("report on an incomplete run set", () => {
  it("says so at the top and in every alert line; --fail-on-alert exits 5, whether or not an alert fired", async () => {
    expect((await run("1")).code).toBe(0);
    let r = await cli("report", project.spec, "--fail-on-alert");
    expect(r.out.split("\n")[1]).toBe(
      "Incomplete run set: 3 of 4 realisations have no final result (3 not run); statistics and alerts cover the 1 that succeeded.",
    );
    expect(r.out).toContain("ok     y: max is 2, not above 3 (on 1 of 4 realisations)");
    expect(r.code).toBe(5);
    expect(r.err).toBe(
      "report --fail-on-alert: 3 of 4 realisations have no final result, so the alerts cannot be judged on the run set (exit 5); run it again to finish it",
    );

    expect((await run("2")).code).toBe(0);
    r = await cli("report", project.spec, "--fail-on-alert");
    expect(r.out).toContain("FIRED  y: max is 4, above 3 (on 2 of 4 realisations)");
    expect(r.code).toBe(5);

    const md = await readFile(join(project.results, "test", "base", "report.md"), "utf8");
    expect(md).toContain("> [!WARNING]\n> Incomplete run set: 2 of 4 realisations have no final result");
    const html = await readFile(join(project.results, "test", "base", "report.html"), "utf8");
    expect(html).toContain('<p class="incomplete" role="note">Incomplete run set: 2 of 4');

    r = await cli("report", project.spec, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      complete: false,
      alerts: [{ fired: true, evaluatedOn: 2, realisations: 4 }],
    });
  });

  it("once complete, --fail-on-alert exits 4 for a fired alert", async () => {
    expect((await run("1-4")).code).toBe(0);
    const r = await cli("report", project.spec, "--fail-on-alert");
    expect(r.out).not.toContain("Incomplete");
    expect(r.out).toContain("FIRED  y: max is 8, above 3");
    expect(r.code).toBe(4);
  });

  it("links the full report by a path that means the same on every machine", async () => {
    expect((await run("1-4")).code).toBe(0);
    const folder = join(project.results, "test", "base");
    const md = await readFile(join(folder, "report.md"), "utf8");
    expect(md).toContain("Full report (`report.html`)");
    expect(md).not.toContain(project.dir);
    const html = await readFile(join(folder, "report.html"), "utf8");
    expect(html).toContain("are in the folder of this report");
    expect(html).not.toContain(project.dir);
  });
});
