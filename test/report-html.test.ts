// The HTML report opened in a real headless Chromium: it loads with no console errors, shows
// its charts, escapes user text, and draws a page with content (not a blank screenshot).
// Chromium is a test dependency (.ci/apt-packages); without it this fails rather than skips.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../src/report/html.ts";
import { buildSummary } from "./helpers/summary-builder.ts";

const CHROMIUM = "/usr/bin/chromium";
const run = promisify(execFile);

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function requireChromium(path = CHROMIUM): void {
  if (!existsSync(path)) {
    throw new Error(
      `${path} not found: the HTML report tests need Chromium. Install it with ` +
        "`apt-get install -y chromium` (listed in .ci/apt-packages, which .ci/run installs).",
    );
  }
}

let dir: string;
let htmlPath: string;
let html: string;
let chartCount: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "mf-report-"));
  const { summary, matrices } = buildSummary({ rename: { h_w2: "<script>alert(1)</script>" } });
  html = await renderHtmlReport(summary, matrices);
  chartCount = (html.match(/<figure class="chart /g) ?? []).length;
  htmlPath = join(dir, "report.html");
  await writeFile(htmlPath, html);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function chromium(args: string[]): Promise<{ stdout: string; stderr: string }> {
  requireChromium();
  const profile = await mkdtemp(join(dir, "profile-"));
  return run(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
}

describe("HTML report (static)", () => {
  it("is one self-contained file: no external scripts, styles, fonts or images", () => {
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/@import|@font-face|url\(\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/href="(https?:)?\/\//i);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(chartCount).toBe(21);
  });

  it("escapes an observation named <script>", () => {
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("renders a run set where nothing ran yet", async () => {
    const { summary } = buildSummary();
    const none = { count: 0, mean: null, std: null, min: null, max: null, quantiles: {} };
    const page = await renderHtmlReport(
      {
        ...summary,
        counts: { realisations: 10, ok: 0, failedModel: 0, failedInfrastructure: 0, notRun: 10 },
        runtime: none,
        observations: [],
        groups: [],
        series: [],
        failures: [],
        sensitivities: [],
        alerts: [],
        realisations: [],
      },
      {
        observations: { ids: [], names: [], columns: [] },
        parameters: { ids: [], names: [], columns: [] },
      },
    );
    expect(page).toContain("Incomplete: 10 of 10 without a final result");
    expect(page).toContain(
      '<p class="incomplete" role="note">Incomplete run set: 10 of 10 realisations have no final result (10 not run); statistics and alerts cover the 0 that succeeded.</p>',
    );
    expect(page).not.toContain("<figure");
  });

  it("says at the top that a run set is incomplete, and in every alert on how much it was judged", async () => {
    const { summary, matrices } = buildSummary({ notRun: 147 });
    const page = await renderHtmlReport(summary, matrices);
    const top = page.slice(page.indexOf('<header class="top">'), page.indexOf("</header>"));
    expect(top).toContain("Incomplete: 148 of 200 without a final result");
    expect(top).toContain(
      "Incomplete run set: 148 of 200 realisations have no final result (147 not run, 1 infrastructure failure to run again); statistics and alerts cover the 50 that succeeded.",
    );
    const alerts = page.slice(page.indexOf('<section id="alerts">'), page.indexOf('<section id="key">'));
    expect(alerts.match(/\(on 50 of 200 realisations\)/g)).toHaveLength(2);
  });

  it("calls model failures model failures, not realisations without a result", async () => {
    const { summary, matrices } = buildSummary();
    const complete = { ...summary, counts: { ...summary.counts, ok: 198, failedInfrastructure: 0 } };
    const top = (await renderHtmlReport(complete, matrices)).split("</header>")[0]!;
    expect(top).toContain('<span class="pill pill-warn">2 model failures</span>');
    expect(top).not.toContain("Incomplete");
    expect(top).not.toContain("without a result");
  });

  it("keeps SVG ids unique across the page", () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("HTML report in headless Chromium", () => {
  it("needs Chromium, and says how to install it when it is missing", () => {
    expect(() => requireChromium("/nonexistent/chromium")).toThrow(/apt-get install -y chromium/);
    // Every browser test below runs this check first: a missing Chromium fails them, never skips.
    requireChromium();
  });

  it("renders a screenshot with content: many colours, a fair share of non-white pixels", async () => {
    const png = join(dir, "report.png");
    await chromium([`--screenshot=${png}`, "--window-size=1200,3000", pathToFileURL(htmlPath).href]);
    const image = PNG.sync.read(await readFile(png));
    expect(image.width).toBe(1200);
    expect(image.height).toBe(3000);
    const colours = new Set<number>();
    let ink = 0;
    let red = 0;
    const d = image.data;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = [d[i]!, d[i + 1]!, d[i + 2]!];
      colours.add((r << 16) | (g << 8) | b);
      // The page background is a pale grey and cards are white: neither counts as content.
      if (0.299 * r + 0.587 * g + 0.114 * b < 235) ink++;
      if (r > 150 && g < 60 && b < 60) red++;
    }
    const pixels = image.width * image.height;
    expect(colours.size).toBeGreaterThan(500);
    expect(ink / pixels).toBeGreaterThan(0.04);
    expect(ink / pixels).toBeLessThan(0.6);
    // The fired alert is highlighted in red near the top.
    expect(red).toBeGreaterThan(500);
  });

  it("loads the DOM with every chart as inline SVG", async () => {
    const { stdout } = await chromium(["--dump-dom", pathToFileURL(htmlPath).href]);
    expect((stdout.match(/<svg[^>]*class="marks"/g) ?? []).length).toBe(chartCount);
    expect(stdout).toContain("<h1>demo / base</h1>");
    expect(stdout).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(stdout).toContain('id="chart-timeline"');
  });

  it("has no console errors or exceptions, fits the width, and its filter works", async () => {
    const page = await devtoolsPage();
    try {
      await page.open(pathToFileURL(htmlPath).href);
      const state = await page.evaluate(`(() => {
        const input = document.querySelector("input[data-filter]");
        input.value = "h_well3";
        input.dispatchEvent(new Event("input"));
        const rows = [...document.querySelectorAll("#all-observations tbody tr")];
        return {
          svgs: document.querySelectorAll("figure.chart svg").length,
          overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          shown: rows.filter((r) => !r.hidden).length,
          rows: rows.length,
          firedAlerts: document.querySelectorAll(".alert-fired").length,
          title: document.title,
        };
      })()`);
      expect(page.errors).toEqual([]);
      expect(state).toEqual({
        svgs: chartCount,
        overflow: 0,
        shown: 12,
        rows: 23,
        firedAlerts: 1,
        title: "demo / base · modelfleet report",
      });
    } finally {
      await page.close();
    }
  });
});

interface DevtoolsPage {
  readonly errors: string[];
  open(url: string): Promise<void>;
  // biome-ignore lint/suspicious/noExplicitAny: values come back from the page as JSON
  evaluate(expression: string): Promise<any>;
  close(): Promise<void>;
}

/** A page in a fresh headless Chromium driven over the DevTools protocol, collecting every
 * exception, console.error and error-level log entry. */
async function devtoolsPage(): Promise<DevtoolsPage> {
  requireChromium();
  const profile = await mkdtemp(join(dir, "profile-"));
  const browser: ChildProcess = spawn(
    CHROMIUM,
    [
      ...FLAGS,
      `--user-data-dir=${profile}`,
      "--remote-debugging-port=0",
      "--window-size=1200,3000",
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`Chromium did not start DevTools:\n${text}`)), 30_000);
    browser.stderr!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    browser.on("exit", (code) => reject(new Error(`Chromium exited (${code}):\n${text}`)));
  });
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let nextId = 1;
  // biome-ignore lint/suspicious/noExplicitAny: DevTools protocol messages are JSON
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  // biome-ignore lint/suspicious/noExplicitAny: DevTools protocol messages are JSON
  const listeners: Array<(msg: any) => void> = [];
  const errors: string[] = [];
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data));
    if (msg.id && pending.has(msg.id)) {
      const p = pending.get(msg.id)!;
      pending.delete(msg.id);
      if (msg.error) p.reject(new Error(JSON.stringify(msg.error)));
      else p.resolve(msg.result);
      return;
    }
    for (const l of listeners) l(msg);
  };
  // biome-ignore lint/suspicious/noExplicitAny: DevTools protocol messages are JSON
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });

  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  listeners.push((msg) => {
    if (msg.sessionId !== sessionId) return;
    if (msg.method === "Runtime.exceptionThrown") {
      const d = msg.params.exceptionDetails;
      errors.push(`exception: ${d.exception?.description ?? d.text}`);
    } else if (msg.method === "Runtime.consoleAPICalled" && ["error", "assert"].includes(msg.params.type)) {
      errors.push(
        `console.${msg.params.type}: ${msg.params.args.map((a: { value?: unknown }) => a.value).join(" ")}`,
      );
    } else if (msg.method === "Log.entryAdded" && msg.params.entry.level === "error") {
      errors.push(`log: ${msg.params.entry.text} ${msg.params.entry.url ?? ""}`);
    }
  });
  await send("Runtime.enable", {}, sessionId);
  await send("Log.enable", {}, sessionId);
  await send("Page.enable", {}, sessionId);

  return {
    errors,
    async open(url) {
      const loaded = new Promise<void>((resolve) => {
        listeners.push((msg) => {
          if (msg.sessionId === sessionId && msg.method === "Page.loadEventFired") resolve();
        });
      });
      await send("Page.navigate", { url }, sessionId);
      await loaded;
      // Late errors (timers, deferred scripts) get a moment to arrive.
      await new Promise((r) => setTimeout(r, 300));
    },
    async evaluate(expression) {
      const r = await send("Runtime.evaluate", { expression, returnByValue: true }, sessionId);
      if (r.exceptionDetails)
        throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
      return r.result.value;
    },
    async close() {
      await send("Browser.close").catch(() => {});
      ws.close();
      if (browser.exitCode === null) {
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            browser.kill("SIGKILL");
            resolve(undefined);
          }, 5_000);
          browser.on("exit", () => {
            clearTimeout(timer);
            resolve(undefined);
          });
        });
      }
    },
  };
}
