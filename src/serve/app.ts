// The read-only results API: run sets, summaries, observations, realisations, logs and
// reports under a results root, as JSON (or the file's own type) over HTTP. Built as a
// Hono app so tests can call it without a socket; server.ts puts it on one.
//
// Every name in a URL is validated and every path is checked to stay inside the root,
// symlinks resolved (paths.ts). JSON documents go through the ResultStore, which owns their
// format; listing, run locks and logs have no store method and are read from the root.
import { readdir, readFile, stat } from "node:fs/promises";
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorMessage, UserError } from "../errors.ts";
import type { ObservationStats, RunSetSummary } from "../results/summary.ts";
import { editDistance } from "../spec/diagnostics.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import type { ResultStore, RunSetRef } from "../store/result-store.ts";
import { RUN_LOCK_FILE, readRunLock } from "../store/run-lock.ts";
import { renderIndexPage } from "./index-page.ts";
import { observationValues } from "./observations-csv.ts";
import { createRootGuard, type Resolved, segmentProblem } from "./paths.ts";

export interface ResultsAppOptions {
  /** The results root, e.g. .modelfleet/results. */
  readonly root: string;
  /** The store over that root; default createFsResultStore(root). */
  readonly store?: ResultStore;
  /** Answer only requests addressed to a loopback name (localhost, 127.0.0.1, [::1]): a web
   * page elsewhere cannot read the results by pointing a DNS name of its own at 127.0.0.1. */
  readonly loopbackOnly?: boolean;
}

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/** What the API offers, for the 404 of an unknown endpoint and for `modelfleet serve`. */
export const RESULTS_ENDPOINTS: ReadonlyArray<{ readonly path: string; readonly description: string }> = [
  { path: "/", description: "this list, and every run set with links to its reports (HTML)" },
  { path: "/health", description: "the server is up, and which root it serves" },
  { path: "/projects", description: "every project/scenario, with counts and whether a run is going on" },
  { path: "/projects/:project/:scenario/summary", description: "summary.json" },
  {
    path: "/projects/:project/:scenario/observations/:name",
    description: "one observation's statistics and per-realisation values",
  },
  { path: "/projects/:project/:scenario/realisations/:id", description: "a realisation's result.json" },
  { path: "/projects/:project/:scenario/realisations/:id/log", description: "its log.txt" },
  { path: "/projects/:project/:scenario/report", description: "report.html" },
  { path: "/projects/:project/:scenario/report.md", description: "report.md" },
  {
    path: "/projects/:project/:scenario/files/:name",
    description: "summary.csv, observations.csv, parameters.csv or summary.json",
  },
];

const DOWNLOADS: Readonly<Record<string, string>> = {
  "summary.csv": "text/csv; charset=utf-8",
  "observations.csv": "text/csv; charset=utf-8",
  "parameters.csv": "text/csv; charset=utf-8",
  "summary.json": "application/json; charset=utf-8",
};
const JSON_TYPE = "application/json; charset=utf-8";
/** Observation names are not paths, but are still bounded: PEST allows 200 characters. */
const MAX_OBSERVATION_NAME = 200;
const LINK_HINT = "it is a symbolic link that leads outside the results root, which is never served";

/** An error with the status and body the client gets. */
class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly hint: string | undefined;
  constructor(status: ContentfulStatusCode, message: string, hint?: string) {
    super(message);
    this.status = status;
    this.hint = hint;
  }
}

interface RunSet {
  readonly ref: RunSetRef;
  /** The run set's folder, symlinks resolved. */
  readonly dir: string;
  /** "demo/base", for messages. */
  readonly label: string;
}

export function createResultsApp(options: ResultsAppOptions): Hono {
  const guard = createRootGuard(options.root);
  const store = options.store ?? createFsResultStore(guard.root);
  const app = new Hono();

  app.use("*", async (c, next) => {
    // Hono answers HEAD from the GET route, body dropped.
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      return c.json(
        { error: `${c.req.method} is not allowed: the results API is read-only`, hint: "use GET" },
        405,
        { Allow: "GET, HEAD" },
      );
    }
    const host = c.req.header("host");
    if (options.loopbackOnly && host !== undefined && !LOOPBACK_HOST.test(host)) {
      return c.json(
        {
          error: `requests for host "${host}" are refused: this server answers only on localhost`,
          hint: "open it as http://127.0.0.1:<port>/",
        },
        403,
      );
    }
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    // Results change while a run goes on: let clients keep a copy but always revalidate.
    c.header("Cache-Control", "no-cache");
  });

  app.get("/", async (c) =>
    c.html(renderIndexPage({ root: guard.root, runSets: await allRunSets(), endpoints: RESULTS_ENDPOINTS })),
  );

  app.get("/health", (c) => c.json({ ok: true, root: guard.root }));

  app.get("/projects", async (c) => c.json({ root: guard.root, runSets: await allRunSets() }));

  app.get("/projects/:p/:s/summary", async (c) => {
    const rs = await runSet(c);
    const bytes = await runSetFile(rs, "summary.json");
    if (!bytes) throw await noSummary(rs);
    return c.body(bytes, 200, { "Content-Type": JSON_TYPE });
  });

  app.get("/projects/:p/:s/observations/:name", async (c) => {
    const rs = await runSet(c);
    const name = c.req.param("name");
    const problem = observationNameProblem(name);
    if (problem) throw new HttpError(400, `malformed observation name ${quote(name)}: ${problem}`);
    const summary = await readSummary(rs);
    const stats = findObservation(summary.observations, name);
    if (!stats) {
      const near = closestNames(
        name,
        summary.observations.map((o) => o.name),
      );
      throw new HttpError(
        404,
        `no observation ${quote(name)} in ${rs.label}`,
        near.length > 0
          ? `did you mean ${near.join(", ")}?`
          : `${rs.label} has ${summary.observations.length} observations; GET ${runSetPath(rs)}/summary lists them`,
      );
    }
    const csv = await runSetFile(rs, "observations.csv");
    if (!csv) {
      throw new HttpError(
        404,
        `${rs.label} has a summary but no observations.csv, so the values of ${quote(stats.name)} cannot be shown`,
        `run \`modelfleet report <spec>\` again (${specHint(rs.ref)})`,
      );
    }
    const values = observationValues(new TextDecoder().decode(csv), stats.name) ?? [];
    return c.json({ name: stats.name, stats, values });
  });

  app.get("/projects/:p/:s/realisations/:id", async (c) => {
    const rs = await runSet(c);
    const id = segment(c, "id", "realisation id");
    await realisationFile(rs, id, "result.json");
    const result = await store.getResult(rs.ref, id);
    if (!result) throw noResult(rs, id);
    return c.json(result);
  });

  app.get("/projects/:p/:s/realisations/:id/log", async (c) => {
    const rs = await runSet(c);
    const id = segment(c, "id", "realisation id");
    await realisationFile(rs, id, "result.json");
    const result = await store.getResult(rs.ref, id);
    if (!result) throw noResult(rs, id);
    // The log of the published attempt (older results kept it beside result.json).
    const file = await realisationFile(rs, id, ...(result.log ?? "log.txt").split("/"));
    return c.body(asBody(await readFile(file)), 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  app.get("/projects/:p/:s/report", (c) => serveReport(c, "report.html", "text/html; charset=utf-8"));
  app.get("/projects/:p/:s/report.md", (c) => serveReport(c, "report.md", "text/markdown; charset=utf-8"));

  app.get("/projects/:p/:s/files/:name", async (c) => {
    const rs = await runSet(c);
    const name = segment(c, "name", "file name");
    const type = DOWNLOADS[name];
    if (type === undefined) {
      throw new HttpError(
        404,
        `${quote(name)} is not one of the files served`,
        `files: ${Object.keys(DOWNLOADS).join(", ")}`,
      );
    }
    const bytes = await runSetFile(rs, name);
    if (!bytes) {
      throw new HttpError(
        404,
        `${rs.label} has no ${name} yet`,
        `run \`modelfleet report <spec>\` (${specHint(rs.ref)})`,
      );
    }
    return c.body(bytes, 200, { "Content-Type": type });
  });

  app.notFound((c) =>
    c.json(
      {
        error: `no endpoint ${c.req.method} ${c.req.path}`,
        hint: `endpoints: ${RESULTS_ENDPOINTS.map((e) => e.path).join(", ")}`,
      },
      404,
    ),
  );

  app.onError((e, c) => {
    if (e instanceof HttpError) {
      return c.json({ error: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) }, e.status);
    }
    // A UserError from the store is a damaged file in the results, which the message names.
    const message = e instanceof UserError ? errorMessage(e) : `internal error: ${errorMessage(e)}`;
    return c.json({ error: message }, 500);
  });

  return app;

  // ---- Helpers (closures over guard and store) ------------------------------------------

  /** A validated path segment from the URL; 400 naming the problem otherwise. */
  function segment(c: Context, param: string, what: string): string {
    const value = c.req.param(param) ?? "";
    const problem = segmentProblem(value);
    if (problem !== undefined) throw new HttpError(400, `malformed ${what} ${quote(value)}: ${problem}`);
    return value;
  }

  /** The run set named by :p and :s; 404 naming whichever does not exist. */
  async function runSet(c: Context): Promise<RunSet> {
    const project = segment(c, "p", "project name");
    const scenario = segment(c, "s", "scenario name");
    const projectDir = await guard.resolve([project]);
    if (!(await isDir(projectDir))) {
      const near = closestNames(project, await listDirs([]));
      throw new HttpError(
        404,
        `no project ${quote(project)} in ${guard.root}`,
        projectDir.kind === "outside"
          ? LINK_HINT
          : near.length > 0
            ? `did you mean ${near.join(", ")}?`
            : "GET /projects lists what there is",
      );
    }
    const resolved = await guard.resolve([project, scenario]);
    if (resolved.kind !== "inside" || !(await isDir(resolved))) {
      const scenarios = await listDirs([project]);
      const near = closestNames(scenario, scenarios);
      throw new HttpError(
        404,
        `project ${quote(project)} has no scenario ${quote(scenario)}`,
        resolved.kind === "outside"
          ? LINK_HINT
          : near.length > 0
            ? `did you mean ${near.join(", ")}?`
            : scenarios.length > 0
              ? `its scenarios: ${scenarios.join(", ")}`
              : undefined,
      );
    }
    return { ref: { project, scenario }, dir: resolved.path, label: `${project}/${scenario}` };
  }

  /** A run-set file's bytes, read through the store once its path is known to stay inside. */
  async function runSetFile(rs: RunSet, name: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
    const resolved = await guard.resolve([rs.ref.project, rs.ref.scenario, name]);
    if (resolved.kind === "outside")
      throw new HttpError(404, `${name} of ${rs.label} is not served`, LINK_HINT);
    if (resolved.kind === "missing" || !(await isFile(resolved))) return undefined;
    const bytes = await store.getRunSetFile(rs.ref, name);
    return bytes && asBody(bytes);
  }

  /** The real path of a realisation's file; 404 saying whether the realisation or the file
   * is missing. */
  async function realisationFile(rs: RunSet, id: string, ...path: string[]): Promise<string> {
    const name = path.join("/");
    const base = [rs.ref.project, rs.ref.scenario, "realisations", id];
    const dir = await guard.resolve(base);
    if (dir.kind === "outside")
      throw new HttpError(404, `no realisation ${quote(id)} in ${rs.label}`, LINK_HINT);
    if (!(await isDir(dir))) {
      throw new HttpError(
        404,
        `no realisation ${quote(id)} in ${rs.label}`,
        "it has not run yet, or the spec names no such id",
      );
    }
    const file = await guard.resolve([...base, ...path]);
    if (file.kind === "outside") {
      throw new HttpError(404, `${name} of realisation ${quote(id)} in ${rs.label} is not served`, LINK_HINT);
    }
    if (file.kind === "missing" || !(await isFile(file))) {
      if (name === "result.json") throw noResult(rs, id);
      throw new HttpError(404, `realisation ${quote(id)} in ${rs.label} has no ${name}`);
    }
    return file.path;
  }

  function noResult(rs: RunSet, id: string): HttpError {
    return new HttpError(
      404,
      `realisation ${quote(id)} in ${rs.label} has no result yet`,
      "a result is published when its realisation ends; it may still be running",
    );
  }

  async function serveReport(c: Context, name: string, type: string): Promise<Response> {
    const rs = await runSet(c);
    const bytes = await runSetFile(rs, name);
    if (!bytes) {
      throw new HttpError(
        404,
        `no report yet for ${rs.label}: run \`modelfleet report <spec>\``,
        specHint(rs.ref),
      );
    }
    return c.body(bytes, 200, { "Content-Type": type });
  }

  async function readSummary(rs: RunSet): Promise<RunSetSummary> {
    const bytes = await runSetFile(rs, "summary.json");
    if (!bytes) throw await noSummary(rs);
    const summary = parseSummary(bytes);
    if (typeof summary === "string") {
      throw new HttpError(
        500,
        `summary.json of ${rs.label} is not a readable modelfleet summary (${summary})`,
        `run \`modelfleet report <spec>\` again (${specHint(rs.ref)})`,
      );
    }
    return summary;
  }

  async function noSummary(rs: RunSet): Promise<HttpError> {
    const running = await runningRun(rs.ref, rs.dir);
    return new HttpError(
      404,
      `no summary yet for ${rs.label}: run \`modelfleet report <spec>\``,
      running
        ? `a run is going on (pid ${running.pid} on ${running.host}); report when it ends`
        : specHint(rs.ref),
    );
  }

  /** Every run set under the root, as GET /projects lists them. */
  async function allRunSets() {
    const runSets = [];
    for (const project of await listDirs([])) {
      for (const scenario of await listDirs([project])) {
        const dir = await guard.resolve([project, scenario]);
        // listDirs checked it; it could only go away (or be re-pointed) in between.
        if (dir.kind === "inside") runSets.push(await describeRunSet(project, scenario, dir.path));
      }
    }
    return runSets;
  }

  /** One entry of GET /projects; `dir` is the run set's real folder. */
  async function describeRunSet(project: string, scenario: string, dir: string) {
    const ref = { project, scenario };
    const rs: RunSet = { ref, dir, label: `${project}/${scenario}` };
    let summary: { generatedAt: string; counts: RunSetSummary["counts"] } | null = null;
    let summaryError: string | undefined;
    try {
      const bytes = await runSetFile(rs, "summary.json");
      const parsed = bytes && parseSummary(bytes);
      if (typeof parsed === "string") summaryError = `summary.json is not readable: ${parsed}`;
      else if (parsed) summary = { generatedAt: parsed.generatedAt, counts: parsed.counts };
    } catch (e) {
      summaryError = errorMessage(e);
    }
    const path = runSetPath(rs);
    return {
      project,
      scenario,
      running: await runningRun(ref, dir),
      summary,
      ...(summaryError === undefined ? {} : { summaryError }),
      links: {
        summary: `${path}/summary`,
        report: `${path}/report`,
        reportMarkdown: `${path}/report.md`,
      },
    };
  }

  /** The run holding the run set's lock, as `modelfleet status --json` shows it; null if none
   * (or a stale lock left by a run that died). */
  async function runningRun(ref: RunSetRef, dir: string) {
    const lock = await guard.resolve([ref.project, ref.scenario, RUN_LOCK_FILE]);
    if (lock.kind !== "inside") return null;
    const holder = await readRunLock(dir);
    return holder
      ? { pid: holder.pid, host: holder.hostname, since: holder.startedAt, command: holder.command }
      : null;
  }

  /** Folders below the root (at `segments`) whose names could be requested, sorted; a link
   * leading outside the root is left out. */
  async function listDirs(segments: readonly string[]): Promise<string[]> {
    const resolved = await guard.resolve(segments);
    if (resolved.kind !== "inside") return [];
    let names: string[];
    try {
      names = await readdir(resolved.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw e;
    }
    const dirs: string[] = [];
    for (const name of names.sort()) {
      if (segmentProblem(name) !== undefined) continue;
      if (await isDir(await guard.resolve([...segments, name]))) dirs.push(name);
    }
    return dirs;
  }
}

async function isDir(resolved: Resolved): Promise<boolean> {
  return resolved.kind === "inside" && (await statKind(resolved.path)) === "dir";
}

async function isFile(resolved: Resolved): Promise<boolean> {
  return resolved.kind === "inside" && (await statKind(resolved.path)) === "file";
}

async function statKind(p: string): Promise<"dir" | "file" | "other" | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : "other";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** The summary, or why the bytes are not one. Only what the API reads is checked. */
function parseSummary(bytes: Uint8Array): RunSetSummary | string {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return errorMessage(e);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const v = value as Record<string, unknown>;
  if (v["schema"] !== 1) return `schema ${JSON.stringify(v["schema"])}, expected 1`;
  if (!Array.isArray(v["observations"])) return 'no "observations" list';
  if (typeof v["counts"] !== "object" || v["counts"] === null) return 'no "counts"';
  return value as RunSetSummary;
}

function findObservation(list: readonly ObservationStats[], name: string): ObservationStats | undefined {
  const lower = name.toLowerCase();
  // PEST treats observation names without regard to case.
  return list.find((o) => o.name === name) ?? list.find((o) => o.name.toLowerCase() === lower);
}

function observationNameProblem(name: string): string | undefined {
  if (name === "") return "it is empty";
  if (name.length > MAX_OBSERVATION_NAME) return `it is longer than ${MAX_OBSERVATION_NAME} characters`;
  if (/[\u0000-\u001f\u007f]/.test(name)) return "it contains a control character";
  return undefined;
}

/** Up to three candidates close enough to `word` to be what was meant, closest first. */
export function closestNames(word: string, candidates: readonly string[]): string[] {
  const lower = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  return candidates
    .map((c) => ({ c, d: editDistance(lower, c.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, 3)
    .map((x) => x.c);
}

function runSetPath(rs: { readonly ref: RunSetRef }): string {
  return `/projects/${encodeURIComponent(rs.ref.project)}/${encodeURIComponent(rs.ref.scenario)}`;
}

function specHint(ref: RunSetRef): string {
  return `the spec is usually projects/${ref.project}/${ref.scenario}.yaml`;
}

/** A name from the request, quoted for a message and cut short if long. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** Store and fs reads return Uint8Arrays over a plain (never shared) ArrayBuffer; Hono's
 * body type wants that said. */
function asBody(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}
