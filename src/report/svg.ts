// Renders a Vega-Lite spec to an SVG string in Node (no browser, no canvas), with ids made
// unique so many charts can sit inline in one HTML page without their clip paths and
// gradients referring to each other's definitions.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface RenderSvgOptions {
  /** Prefix for every id in the SVG; default: a fresh one per call. */
  readonly idPrefix?: string;
  /** Receives Vega and Vega-Lite warnings (dropped otherwise: a library should not print). */
  readonly onWarning?: (message: string) => void;
}

let renders = 0;

export async function renderSvg(vlSpec: TopLevelSpec, options: RenderSvgOptions = {}): Promise<string> {
  useFontMetrics();
  const warn = options.onWarning ?? (() => {});
  const logger = vega.logger(vega.Warn, undefined, (method, _level, args) => {
    if (method !== "log") warn(args.map(String).join(" "));
  });
  const { spec } = compile(vlSpec, { logger });
  // A loader that loads nothing: report specs carry their data inline, and a spec naming a URL
  // must not make report rendering fetch from the network or read local files.
  const loader = vega.loader();
  loader.load = async (uri: string) => {
    throw new Error(`charts must carry their data inline; refusing to load ${uri}`);
  };
  const view = new vega.View(vega.parse(spec), { renderer: "none", logger, loader });
  try {
    const svg = await view.toSVG();
    renders += 1;
    return uniqueIds(roundGeometry(svg), options.idPrefix ?? `vg${renders}-`);
  } finally {
    view.finalize();
  }
}

// Helvetica/Arial advance widths (1/1000 em) for ASCII 32..126, from the standard AFM files;
// Liberation Sans and Arimo share them, so this matches what browsers draw the SVG with.
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
  556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
  500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
  556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
  278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const OTHER: Record<string, number> = {
  "·": 278,
  "−": 584,
  "–": 556,
  "—": 1000,
  "…": 1000,
  ρ: 570,
  "×": 584,
};

/** Width in pixels of text in Helvetica at `size`, bold about 8% wider. */
export function textWidth(text: string, size: number, bold = false): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? HELVETICA[code - 32]! : (OTHER[ch] ?? 556);
  }
  return (units * size * (bold ? 1.08 : 1)) / 1000;
}

interface TextItem {
  readonly text?: unknown;
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
  readonly limit?: number;
}
interface TextMetrics {
  width: (item: TextItem, text?: unknown) => number;
  estimateWidth: (item: TextItem, text?: unknown) => number;
}

/**
 * Without a canvas (Node), Vega guesses every character at 0.8 em: a 40-character subtitle
 * counts as twice its real width and squeezes the plot beside it. Measuring with real font
 * metrics gives layouts like a browser's. Only the guess is replaced, never a canvas measure.
 */
function useFontMetrics(): void {
  const metrics = (vega as unknown as { textMetrics?: TextMetrics }).textMetrics;
  if (!metrics || metrics.width !== metrics.estimateWidth) return;
  metrics.width = (item, text) => {
    const t = String(text ?? (Array.isArray(item.text) ? item.text.join(" ") : (item.text ?? ""))).trim();
    const size = item.fontSize ?? 11;
    const weight = item.fontWeight;
    const bold = weight === "bold" || (typeof weight === "number" && weight >= 600) || Number(weight) >= 600;
    const w = textWidth(t, size, bold);
    return item.limit && item.limit > 0 ? Math.min(w, item.limit) : w;
  };
}

/** Prefixes every id and every reference to one (url(#id), href="#id"). */
export function uniqueIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  const fix = (id: string) => (ids.has(id) ? prefix + id : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, lead: string, id: string) => `${lead}${fix(id)}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${fix(id)})`)
    .replace(/(href=")#([^"]+)"/g, (_, lead: string, id: string) => `${lead}#${fix(id)}"`);
}

/** Geometry to two decimals (a hundredth of a pixel): Vega writes 15 digits, which makes a
 * 2,000-point scatter plot several times larger than it needs to be. Text is left alone. */
export function roundGeometry(svg: string): string {
  return svg.replace(
    / (d|transform|points|x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g,
    (_, name: string, value: string) => {
      const rounded = value.replace(/(-?\d+\.\d{2})\d+/g, "$1");
      return ` ${name}="${rounded}"`;
    },
  );
}
