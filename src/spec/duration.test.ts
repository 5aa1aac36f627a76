import { describe, expect, it } from "vitest";
import { durationLimitProblem, formatDuration, parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  it.each([
    ["90s", 90],
    ["10m", 600],
    ["1h30m", 5400],
    ["2d", 172800],
    ["1.5h", 5400],
    ["500ms", 0.5],
    ["45", 45],
    [30, 30],
  ])("%s is %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["soon", "10x", "", "m10", "-5s", "1h 30m"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("rejects zero and negative numbers", () => {
    expect(parseDuration(0)).toBeUndefined();
    expect(parseDuration(-1)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it("is short and readable", () => {
    expect(formatDuration(0.25)).toBe("250ms");
    expect(formatDuration(4.25)).toBe("4.3s");
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(125)).toBe("2m05s");
    expect(formatDuration(3900)).toBe("1h05m");
  });
  it("never shows 60 of a unit: it rounds before it picks the form", () => {
    expect(formatDuration(0.9996)).toBe("1.0s");
    expect(formatDuration(9.96)).toBe("10s");
    expect(formatDuration(59.6)).toBe("1m00s");
    expect(formatDuration(119.7)).toBe("2m00s");
    expect(formatDuration(3599.6)).toBe("1h00m");
    expect(formatDuration(7199)).toBe("2h00m");
  });
});

describe("durationLimitProblem", () => {
  it("shows a duration just past the limit exactly, or as written", () => {
    expect(durationLimitProblem(30 * 86400)).toBeUndefined();
    expect(durationLimitProblem(30 * 86400 + 1)).toBe("at most 30d (30 days), got 30d1s");
    expect(durationLimitProblem(30 * 86400 + 0.25)).toBe("at most 30d (30 days), got 30d0.25s");
    expect(durationLimitProblem(31 * 86400 + 3661)).toBe("at most 30d (30 days), got 31d1h1m1s");
    expect(durationLimitProblem(30 * 86400 + 1, "720h1s")).toBe("at most 30d (30 days), got 720h1s");
    expect(durationLimitProblem(2592001, 2592001)).toBe("at most 30d (30 days), got 2592001 seconds (30d1s)");
    expect(durationLimitProblem(Number.POSITIVE_INFINITY)).toBe("at most 30d (30 days), got an endless one");
  });
});
