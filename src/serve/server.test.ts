// The results API over real HTTP, against a results root built by hand: what each endpoint
// answers, and that no request, however its path is encoded, reads outside the root.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RealisationResult } from "../results/realisation-result.ts";
import type { ObservationStats, RunSetSummary } from "../results/summary.ts";
import { type ResultsServer, startResultsServer } from "./server.ts";

const SECRET = `top-secret-${Math.random().toString(36).slice(2)}`;

let base: string;
let root: string;
let server: ResultsServer;
let before: Map<string, string>;

function observation(name: string, mean: number): ObservationStats {
  return {
    name,
    group: name.replace(/\d+$/, ""),
    count: 2,
    mean,
    std: 0.5,
    min: mean - 0.5,
    max: mean + 0.5,
    quantiles: { p10: mean - 0.4, p50: mean, p90: mean + 0.4 },
    exceedance: [],
  };
}

function summary(project: string, scenario: string): RunSetSummary {
  const dist = { count: 2, mean: 1, std: 0, min: 1, max: 1, quantiles: { p10: 1, p50: 1, p90: 1 } };
  return {
    schema: 1,
    project,
    scenario,
    generatedAt: "2026-01-02T03:04:05.000Z",
    counts: { realisations: 3, ok: 2, failedModel: 0, failedInfrastructure: 0, notRun: 1 },
    wallSeconds: 10,
    cpuHours: 0.01,
    runtime: dist,
    quantiles: [0.1, 0.5, 0.9],
    observations: [observation("h_w1", 101), observation("h_w2", 99.5), observation("flux_riv", -3)],
    groups: [],
    series: [],
    failures: [],
    sensitivities: [],
    alerts: [],
    realisations: [],
  };
}

function result(id: string, observations: Record<string, number>): RealisationResult {
  return {
    schema: 1,
    project: "demo",
    scenario: "base",
    id,
    key: `key-${id}`,
    status: "ok",
    attempts: 1,
    worker: "w1",
    startedAt: "2026-01-02T03:00:00.000Z",
    endedAt: "2026-01-02T03:00:05.000Z",
    wallSeconds: 5,
    cpuSeconds: null,
    peakMemoryMb: null,
    exitCode: 0,
    signal: null,
    parameters: { hk: 1 },
    observations,
    files: [],
    logTail: "",
  };
}

async function put(rel: string, content: string): Promise<void> {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

/** Every path under `dir` with a digest of its content (or "dir"/"link"), to show nothing
 * was written. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const p = path.join(entry.parentPath, entry.name);
    out.set(
      p,
      entry.isSymbolicLink()
        ? "link"
        : entry.isDirectory()
          ? "dir"
          : createHash("sha256")
              .update(await readFile(p))
              .digest("hex"),
    );
  }
  return out;
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "mf-serve-"));
  root = path.join(base, "results");
  // Beside the root: what a traversal would be after.
  await writeFile(path.join(base, "secret.txt"), SECRET);
  await mkdir(path.join(base, "outside", "realisations", "9"), { recursive: true });
  await writeFile(
    path.join(base, "outside", "summary.json"),
    JSON.stringify({ ...summary("x", "y"), SECRET }),
  );
  await writeFile(path.join(base, "outside", "realisations", "9", "result.json"), JSON.stringify(SECRET));

  const s = summary("demo", "base");
  await put("demo/base/summary.json", JSON.stringify(s, null, 2));
  await put("demo/base/observations.csv", "id,h_w1,h_w2,flux_riv\n1,100.5,99,-3.5\n2,101.5,100,\n3,,,\n");
  await put("demo/base/summary.csv", "observation,mean\nh_w1,101\n");
  await put("demo/base/parameters.csv", "id,hk\n1,1\n2,2\n");
  await put("demo/base/report.md", "# demo/base\n");
  await put("demo/base/report.html", "<!doctype html><title>demo/base</title>");
  await put("demo/base/realisations/1/result.json", JSON.stringify(result("1", { h_w1: 100.5 })));
  await put("demo/base/realisations/1/log.txt", "model converged\n");
  await put("demo/base/realisations/2/result.json", JSON.stringify(result("2", { h_w1: 101.5 })));
  // The layout of today: the published attempt's log in its own folder, named by the result;
  // a losing attempt's leftover log beside it is never served.
  await put(
    "demo/base/realisations/4/result.json",
    JSON.stringify({
      ...result("4", { h_w1: 99 }),
      attempt: "g2-a1-ab12",
      log: "attempts/g2-a1-ab12/log.txt",
    }),
  );
  await put("demo/base/realisations/4/attempts/g2-a1-ab12/log.txt", "the published attempt\n");
  await put("demo/base/realisations/4/attempts/g2-a1-ffff/log.txt", "a losing attempt\n");
  await mkdir(path.join(root, "demo/base/realisations/3"), { recursive: true });
  await put("demo/base/.summary.json.123.tmp", SECRET);

  // A run going on (this process holds the lock), no summary yet.
  await put(
    "demo/pending/run.lock",
    JSON.stringify({
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: new Date().toISOString(),
      command: "modelfleet run projects/demo/pending.yaml",
    }),
  );
  await mkdir(path.join(root, "demo/pending/realisations"), { recursive: true });
  // A lock left by a run that died: not running.
  await put("demo/stale/run.lock", "not a lock");
  await mkdir(path.join(root, "demo/.hidden"), { recursive: true });

  // Links that lead outside the root, at every level.
  await symlink(base, path.join(root, "leak"));
  await symlink(path.join(base, "outside"), path.join(root, "demo", "escape"));
  await mkdir(path.join(root, "demo/linked/realisations/1"), { recursive: true });
  await symlink(path.join(base, "outside", "summary.json"), path.join(root, "demo/linked/summary.json"));
  await symlink(path.join(base, "secret.txt"), path.join(root, "demo/linked/summary.csv"));
  await symlink(path.join(base, "secret.txt"), path.join(root, "demo/linked/report.html"));
  await symlink(
    path.join(base, "outside", "realisations", "9"),
    path.join(root, "demo/linked/realisations/9"),
  );
  await symlink(path.join(base, "secret.txt"), path.join(root, "demo/linked/realisations/1/log.txt"));
  // A link that stays inside is fine.
  await symlink(path.join(root, "demo"), path.join(root, "alias"));

  before = await snapshot(base);
  server = await startResultsServer({ root, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

async function get(p: string, init?: RequestInit) {
  const res = await fetch(`${server.url}${p}`, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, headers: res.headers };
}

async function getJson(p: string, init?: RequestInit) {
  const r = await get(p, init);
  expect(r.type).toContain("application/json");
  return { ...r, body: JSON.parse(r.text) };
}

/** Sends `target` as the request line's path exactly as written: fetch and URL would
 * resolve "..", and "%2e%2e", before sending. */
function rawGet(target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
  });
}

describe("results API", () => {
  it("listens on loopback, on the ephemeral port it was given", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:8787$/);
  });

  it("refuses requests addressed to another host name (DNS rebinding)", async () => {
    const { port } = new URL(server.url);
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: Number(port) }, () => {
        socket.write("GET /health HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n");
      });
      const chunks: Buffer[] = [];
      socket.on("data", (c) => chunks.push(c));
      socket.on("error", reject);
      socket.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]),
          body: text.slice(text.indexOf("\r\n\r\n") + 4),
        });
      });
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error).toBe(
      'requests for host "evil.example:80" are refused: this server answers only on localhost',
    );
    expect((await get("/health")).status).toBe(200);
  });

  it("GET /health", async () => {
    const r = await getJson("/health");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, root });
  });

  it("GET /projects lists run sets with their counts and running runs, not hidden folders or links out", async () => {
    const r = await getJson("/projects");
    expect(r.status).toBe(200);
    const names = r.body.runSets.map(
      (x: { project: string; scenario: string }) => `${x.project}/${x.scenario}`,
    );
    expect(names).toEqual([
      "alias/base",
      "alias/linked",
      "alias/pending",
      "alias/stale",
      "demo/base",
      "demo/linked",
      "demo/pending",
      "demo/stale",
    ]);
    const byName = (n: string) =>
      r.body.runSets.find((x: { project: string; scenario: string }) => `${x.project}/${x.scenario}` === n);
    expect(byName("demo/base")).toMatchObject({
      running: null,
      summary: { generatedAt: "2026-01-02T03:04:05.000Z", counts: { realisations: 3, ok: 2, notRun: 1 } },
      links: { summary: "/projects/demo/base/summary", report: "/projects/demo/base/report" },
    });
    expect(byName("demo/pending")).toMatchObject({
      summary: null,
      running: {
        pid: process.pid,
        host: os.hostname(),
        command: "modelfleet run projects/demo/pending.yaml",
      },
    });
    expect(byName("demo/stale")).toMatchObject({ running: null, summary: null });
    // The summary.json link leads outside: not read.
    expect(byName("demo/linked").summary).toBeNull();
    expect(r.text).not.toContain(SECRET);
  });

  it("GET summary returns summary.json as written", async () => {
    const r = await getJson("/projects/demo/base/summary");
    expect(r.status).toBe(200);
    expect(r.text).toBe(await readFile(path.join(root, "demo/base/summary.json"), "utf8"));
  });

  it("GET summary of a run set not yet aggregated says how to make one", async () => {
    const r = await getJson("/projects/demo/pending/summary");
    expect(r.status).toBe(404);
    expect(r.body.error).toBe("no summary yet for demo/pending: run `modelfleet report <spec>`");
    expect(r.body.hint).toContain(`a run is going on (pid ${process.pid}`);
    const stale = await getJson("/projects/demo/stale/summary");
    expect(stale.body.hint).toBe("the spec is usually projects/demo/stale.yaml");
  });

  it("404s name the missing project or scenario and suggest close names", async () => {
    const p = await getJson("/projects/dmeo/base/summary");
    expect(p.status).toBe(404);
    expect(p.body).toEqual({ error: `no project "dmeo" in ${root}`, hint: "did you mean demo?" });
    const s = await getJson("/projects/demo/bsae/summary");
    expect(s.status).toBe(404);
    expect(s.body).toEqual({ error: 'project "demo" has no scenario "bsae"', hint: "did you mean base?" });
    const far = await getJson("/projects/demo/zzzzzzzz/summary");
    expect(far.body.hint).toBe("its scenarios: base, linked, pending, stale");
  });

  it("GET observations/:name: its statistics and per-realisation values", async () => {
    const r = await getJson("/projects/demo/base/observations/h_w1");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      name: "h_w1",
      stats: observation("h_w1", 101),
      values: [
        { id: "1", value: 100.5 },
        { id: "2", value: 101.5 },
      ],
    });
    // PEST names ignore case; a realisation with no value is left out.
    const flux = await getJson("/projects/demo/base/observations/FLUX_RIV");
    expect(flux.body.name).toBe("flux_riv");
    expect(flux.body.values).toEqual([{ id: "1", value: -3.5 }]);
  });

  it("an unknown observation is named, with the closest names", async () => {
    const r = await getJson("/projects/demo/base/observations/h_w3");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'no observation "h_w3" in demo/base', hint: "did you mean h_w1, h_w2?" });
    const far = await getJson("/projects/demo/base/observations/zzzzzzzzzzz");
    expect(far.body.hint).toBe("demo/base has 3 observations; GET /projects/demo/base/summary lists them");
    const pending = await getJson("/projects/demo/pending/observations/h_w1");
    expect(pending.status).toBe(404);
    expect(pending.body.error).toContain("no summary yet for demo/pending");
  });

  it("GET realisations/:id returns result.json; a missing one says which", async () => {
    const r = await getJson("/projects/demo/base/realisations/1");
    expect(r.status).toBe(200);
    expect(r.body).toEqual(result("1", { h_w1: 100.5 }));
    const missing = await getJson("/projects/demo/base/realisations/77");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('no realisation "77" in demo/base');
    const unfinished = await getJson("/projects/demo/base/realisations/3");
    expect(unfinished.status).toBe(404);
    expect(unfinished.body.error).toBe('realisation "3" in demo/base has no result yet');
  });

  it("GET realisations/:id/log returns log.txt as text", async () => {
    const r = await get("/projects/demo/base/realisations/1/log");
    expect(r.status).toBe(200);
    expect(r.type).toBe("text/plain; charset=utf-8");
    expect(r.text).toBe("model converged\n");
    const none = await getJson("/projects/demo/base/realisations/2/log");
    expect(none.status).toBe(404);
    expect(none.body.error).toBe('realisation "2" in demo/base has no log.txt');
    const attempt = await get("/projects/demo/base/realisations/4/log");
    expect(attempt.status).toBe(200);
    expect(attempt.text).toBe("the published attempt\n");
  });

  it("GET report and report.md, with their types", async () => {
    const html = await get("/projects/demo/base/report");
    expect(html.status).toBe(200);
    expect(html.type).toBe("text/html; charset=utf-8");
    expect(html.text).toContain("<title>demo/base</title>");
    expect(html.headers.get("x-content-type-options")).toBe("nosniff");
    const md = await get("/projects/demo/base/report.md");
    expect(md.status).toBe(200);
    expect(md.type).toBe("text/markdown; charset=utf-8");
    const none = await getJson("/projects/demo/pending/report");
    expect(none.status).toBe(404);
    expect(none.body.error).toBe("no report yet for demo/pending: run `modelfleet report <spec>`");
  });

  it("GET files/:name serves only the allow-listed files", async () => {
    const csv = await get("/projects/demo/base/files/observations.csv");
    expect(csv.status).toBe(200);
    expect(csv.type).toBe("text/csv; charset=utf-8");
    expect(csv.text).toContain("id,h_w1,h_w2,flux_riv");
    expect((await get("/projects/demo/base/files/summary.json")).status).toBe(200);
    expect((await get("/projects/demo/base/files/parameters.csv")).status).toBe(200);
    const md = await getJson("/projects/demo/base/files/report.md");
    expect(md.status).toBe(404);
    expect(md.body).toEqual({
      error: '"report.md" is not one of the files served',
      hint: "files: summary.csv, observations.csv, parameters.csv, summary.json",
    });
    const notYet = await getJson("/projects/demo/pending/files/summary.csv");
    expect(notYet.status).toBe(404);
    expect(notYet.body.error).toBe("demo/pending has no summary.csv yet");
  });

  it("follows a link that stays inside the root", async () => {
    const r = await getJson("/projects/alias/base/summary");
    expect(r.status).toBe(200);
    expect(r.body.project).toBe("demo");
  });

  it("refuses every method but GET and HEAD with 405", async () => {
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const r = await getJson("/projects/demo/base/summary", { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.get("allow")).toBe("GET, HEAD");
      expect(r.body.error).toBe(`${method} is not allowed: the results API is read-only`);
    }
    const head = await get("/projects/demo/base/summary", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.text).toBe("");
  });

  it("an unknown endpoint is a JSON 404 listing the endpoints", async () => {
    const r = await getJson("/nope");
    expect(r.status).toBe(404);
    expect(r.body.error).toBe("no endpoint GET /nope");
    expect(r.body.hint).toContain("/projects/:project/:scenario/observations/:name");
  });

  it("malformed names are 400s that say what is wrong", async () => {
    const hidden = await getJson("/projects/demo/.hidden/summary");
    expect(hidden.status).toBe(400);
    expect(hidden.body.error).toBe(
      'malformed scenario name ".hidden": it starts with "." (".." and hidden files are not served)',
    );
    const slash = await getJson("/projects/demo/base/realisations/..%2F..%2Fsecret.txt");
    expect(slash.status).toBe(400);
    expect(slash.body.error).toBe(
      'malformed realisation id "../../secret.txt": it contains a path separator (/ or \\)',
    );
    const nul = await getJson("/projects/demo%00/base/summary");
    expect(nul.status).toBe(400);
    expect(nul.body.error).toBe('malformed project name "demo\\u0000": it contains a control character');
    const space = await getJson("/projects/demo/base/realisations/a%20b");
    expect(space.body.error).toBe(
      'malformed realisation id "a b": it contains " "; names use letters, digits and _ . : -',
    );
    const obs = await getJson(`/projects/demo/base/observations/${"x".repeat(201)}`);
    expect(obs.status).toBe(400);
    expect(obs.body.error).toContain("it is longer than 200 characters");
  });
});

describe("path traversal", () => {
  const attempts = [
    "/projects/../../secret.txt",
    "/projects/demo/base/files/../../../../secret.txt",
    "/projects/demo/base/files/..%2f..%2f..%2fsecret.txt",
    "/projects/demo/base/files/..%2F..%2F..%2F..%2Fsecret.txt",
    "/projects/demo/base/files/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt",
    "/projects/demo/base/files/%2E%2E/%2E%2E/%2E%2E/secret.txt",
    "/projects/demo/base/files/%252e%252e%252f%252e%252e%252fsecret.txt",
    "/projects/demo/base/files/..%5c..%5c..%5csecret.txt",
    "/projects/demo/base/files/..\\..\\..\\secret.txt",
    "/projects/demo/base/files/.summary.json.123.tmp",
    "/projects/demo/base/files/summary.json%00.csv",
    "/projects/%2e%2e/results/summary",
    "/projects/..%2f..%2f/x/summary",
    "/projects/demo/%2e%2e%2f%2e%2e/summary",
    "/projects/demo/base/realisations/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.txt/log",
    "/projects/demo/base/realisations/..%2F..%2F..%2F..%2Fsecret.txt",
    "/projects/demo/base/observations/..%2F..%2F..%2Fsecret.txt",
    "/../../secret.txt",
    "//secret.txt",
    "/%2e%2e/%2e%2e/secret.txt",
    // Links inside the root that lead out of it.
    "/projects/leak/outside/summary",
    "/projects/leak/secret.txt/summary",
    "/projects/demo/escape/summary",
    "/projects/demo/escape/realisations/9",
    "/projects/alias/escape/summary",
    "/projects/demo/linked/summary",
    "/projects/demo/linked/observations/h_w1",
    "/projects/demo/linked/files/summary.json",
    "/projects/demo/linked/files/summary.csv",
    "/projects/demo/linked/report",
    "/projects/demo/linked/realisations/9",
    "/projects/demo/linked/realisations/1/log",
  ];

  it.each(attempts)("%s is refused with 400 or 404, serving nothing from outside", async (target) => {
    const r = await rawGet(target);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain(SECRET);
    expect(JSON.parse(r.body)).toHaveProperty("error");
  });

  it("says a link out of the root is not served", async () => {
    const r = await getJson("/projects/demo/escape/summary");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: 'project "demo" has no scenario "escape"',
      hint: "it is a symbolic link that leads outside the results root, which is never served",
    });
    const file = await getJson("/projects/demo/linked/files/summary.csv");
    expect(file.body.error).toBe("summary.csv of demo/linked is not served");
  });
});

describe("read-only", () => {
  it("has written nothing, inside the root or beside it", async () => {
    expect(await snapshot(base)).toEqual(before);
    expect((await stat(path.join(base, "secret.txt"))).size).toBe(SECRET.length);
  });
});
