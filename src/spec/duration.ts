// Durations as people write them in a spec ("90s", "10m", "1h30m", "2d") or plain seconds.

/** The longest duration accepted anywhere (spec timeouts, --grace, --poll): 30 days. The
 * engine's timers are exact up to it; a longer limit is more often a typo than a plan. */
export const MAX_DURATION_SECONDS = 30 * 86_400;
export const MAX_DURATION_TEXT = "30d";

/** What is wrong with a duration of `seconds` beyond its form, or undefined. `written` is the
 * value as the user gave it, shown as such; otherwise the duration is shown exactly (a value just
 * past the limit must not read as the limit itself). */
export function durationLimitProblem(seconds: number, written?: string | number): string | undefined {
  if (seconds <= MAX_DURATION_SECONDS) return undefined;
  const got =
    typeof written === "string"
      ? written.trim()
      : typeof written === "number"
        ? `${written} seconds (${exactDuration(seconds)})`
        : exactDuration(seconds);
  return `at most ${MAX_DURATION_TEXT} (30 days), got ${got}`;
}

/** Every unit of a duration, none rounded away: 2592001 s is "30d1s". */
function exactDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "an endless one";
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ];
  let rest = seconds;
  let out = "";
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  const s = Number(rest.toFixed(3));
  return s > 0 || out === "" ? `${out}${s}s` : out;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** Seconds in a duration, or undefined when the text is not one. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text > 0 ? text : undefined;
  const s = text.trim().toLowerCase();
  if (s === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(s); m !== null; m = PART.exec(s)) {
    total += Number(m[1]) * (UNIT_SECONDS[m[2]!] ?? Number.NaN);
    consumed = PART.lastIndex;
  }
  return consumed === s.length && total > 0 ? total : undefined;
}

/** A short human form of a number of seconds: "45s", "12m", "1h05m". Rounded to what is shown
 * before the form is chosen, so 59.6 s is "1m00s", never "60s" or "1m60s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const ms = Math.round(seconds * 1000);
  if (ms < 1000) return `${ms}ms`;
  const tenths = Math.round(seconds * 10);
  if (tenths < 100) return `${(tenths / 10).toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}
