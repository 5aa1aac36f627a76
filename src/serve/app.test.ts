// The app without a socket, and its two helpers: the name and path checks, and reading one
// column of observations.csv.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RealisationResult } from "../results/realisation-result.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import type { ResultStore } from "../store/result-store.ts";
import { closestNames, createResultsApp } from "./app.ts";
import { csvRecords, observationValues } from "./observations-csv.ts";
import { createRootGuard, isInside, segmentProblem } from "./paths.ts";

let base: string;
let root: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "mf-serve-app-"));
  root = path.join(base, "results");
  await mkdir(path.join(root, "demo", "base", "realisations", "7"), { recursive: true });
  await writeFile(path.join(root, "demo", "base", "realisations", "7", "result.json"), "{}");
  await writeFile(path.join(base, "secret.txt"), "secret");
  await symlink(path.join(base, "secret.txt"), path.join(root, "demo", "base", "link.txt"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A request whose URL is passed through as written: a Request would resolve "..". */
function rawRequest(url: string, method = "GET"): Request {
  return { url, method, headers: new Headers() } as unknown as Request;
}

describe("createResultsApp", () => {
  it("refuses a dot-dot name even when nothing before it normalised the path", async () => {
    const app = createResultsApp({ root });
    for (const url of [
      "http://localhost/projects/../base/summary",
      "http://localhost/projects/demo/../summary",
      "http://localhost/projects/%2e%2e/base/summary",
      "http://localhost/projects/demo/base/realisations/../log",
      "http://localhost/projects/demo/base/files/..",
    ]) {
      const res = await app.fetch(rawRequest(url));
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as { error: string }).error, url).toMatch(
        /^malformed .* "\.\.": it starts with "\."/,
      );
    }
  });

  it("reads results through the store it is given", async () => {
    const fs = createFsResultStore(root);
    const seen: string[] = [];
    const writes = (): never => {
      throw new Error("the results API must not write");
    };
    const store: ResultStore = {
      location: fs.location,
      runSetLocation: (r) => fs.runSetLocation(r),
      listResults: (r) => fs.listResults(r),
      eachResult: (r) => fs.eachResult(r),
      listResultVersions: (r) => fs.listResultVersions(r),
      getRunSetFile: (r, n) => fs.getRunSetFile(r, n),
      putFile: writes,
      putLog: writes,
      publishResult: writes,
      discardAttempt: writes,
      startPlan: writes,
      currentPlan: (r) => fs.currentPlan(r),
      putRunSetFile: writes,
      async getResult(runSet, id) {
        seen.push(`${runSet.project}/${runSet.scenario}/${id}`);
        return { schema: 1, id, status: "ok" } as RealisationResult;
      },
    };
    const res = await createResultsApp({ root, store }).request("/projects/demo/base/realisations/7");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ schema: 1, id: "7", status: "ok" });
    expect(seen).toEqual(["demo/base/7"]);
  });

  it("reports a damaged result.json as a 500 naming the file", async () => {
    const res = await createResultsApp({ root }).request("/projects/demo/base/realisations/7");
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string };
    expect(body.error).toContain(path.join("realisations", "7", "result.json"));
    expect(body.error).toContain("is not a readable modelfleet result");
  });
});

describe("segmentProblem", () => {
  it.each([
    ["", "it is empty"],
    [".", 'it starts with "." (".." and hidden files are not served)'],
    ["..", 'it starts with "." (".." and hidden files are not served)'],
    [".git", 'it starts with "." (".." and hidden files are not served)'],
    ["../x", "it contains a path separator (/ or \\)"],
    ["a\\b", "it contains a path separator (/ or \\)"],
    ["a\0b", "it contains a control character"],
    ["a\nb", "it contains a control character"],
    ["%2e%2e", 'it contains "%"; names use letters, digits and _ . : -'],
    ["a b", 'it contains " "; names use letters, digits and _ . : -'],
    ["x".repeat(201), "it is longer than 200 characters"],
  ])("%j: %s", (value, problem) => {
    expect(segmentProblem(value)).toBe(problem);
  });

  it.each(["demo", "base-2", "17", "real_0001", "run.v2", "a:b", "Scenario_A"])("accepts %j", (value) => {
    expect(segmentProblem(value)).toBeUndefined();
  });
});

describe("createRootGuard", () => {
  it("resolves inside, missing and outside (through a symlink)", async () => {
    const guard = createRootGuard(root);
    expect(await guard.resolve(["demo", "base"])).toEqual({
      kind: "inside",
      path: path.join(await realRoot(), "demo", "base"),
    });
    expect(await guard.resolve(["demo", "nope"])).toEqual({ kind: "missing" });
    expect(await guard.resolve(["demo", "base", "link.txt"])).toEqual({ kind: "outside" });
  });

  it("throws on a segment that was not validated", async () => {
    await expect(createRootGuard(root).resolve(["demo", ".."])).rejects.toThrow(
      'unvalidated path segment "..": it starts with "."',
    );
  });

  it("isInside compares whole segments", () => {
    expect(isInside("/r", "/r")).toBe(true);
    expect(isInside("/r", "/r/a/b")).toBe(true);
    expect(isInside("/r", "/r/..a")).toBe(true);
    expect(isInside("/r", "/rx")).toBe(false);
    expect(isInside("/r", "/")).toBe(false);
    expect(isInside("/r/a", "/r/b")).toBe(false);
  });
});

function realRoot(): Promise<string> {
  return realpath(root);
}

describe("observationValues", () => {
  const csv = "id,h_w1,H_W2,q\r\n1,1.5,2,nan\r\n2,,3e2,4\r\n\r\n3,-0.5,x,\r\n";

  it("reads one column by name, leaving out realisations without a value", () => {
    expect(observationValues(csv, "h_w1")).toEqual([
      { id: "1", value: 1.5 },
      { id: "3", value: -0.5 },
    ]);
    expect(observationValues(csv, "q")).toEqual([{ id: "2", value: 4 }]);
  });

  it("matches a column ignoring case when no column has the exact name", () => {
    expect(observationValues(csv, "h_w2")).toEqual([
      { id: "1", value: 2 },
      { id: "2", value: 300 },
    ]);
  });

  it("is undefined for an unknown column, the id column, or an empty file", () => {
    expect(observationValues(csv, "nope")).toBeUndefined();
    expect(observationValues(csv, "id")).toBeUndefined();
    expect(observationValues("", "h_w1")).toBeUndefined();
  });
});

describe("csvRecords", () => {
  it("reads quoted cells with commas, quotes and line breaks, and skips blank lines", () => {
    const text = '\ufeffid,"a,b"\n"x ""1""","line\nbreak"\n\n2,\n3,last';
    expect([...csvRecords(text)]).toEqual([
      ["id", "a,b"],
      ['x "1"', "line\nbreak"],
      ["2", ""],
      ["3", "last"],
    ]);
  });
});

describe("closestNames", () => {
  it("suggests up to three close names, closest first", () => {
    expect(closestNames("h_w3", ["h_w1", "h_w2", "flux", "h_w10"])).toEqual(["h_w1", "h_w2", "h_w10"]);
    expect(closestNames("dmeo", ["demo", "other"])).toEqual(["demo"]);
    expect(closestNames("zzzz", ["demo"])).toEqual([]);
  });
});
