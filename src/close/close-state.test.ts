import { describe, expect, it } from "vitest";
import { batchText, emptyState, parseState, stateText } from "./close-state.ts";

describe("the close's state", () => {
  it("reads back what was written, later progress batches over earlier ones, a batch cut short skipped", () => {
    const state = emptyState("demo");
    state.frozen = { at: "2030-01-01T00:00:00.000Z", by: "modelfleet close demo --yes" };
    state.recopy.add("objects/b/v1/k");
    state.destroyed.buckets.push("b");
    const first = batchText(new Map([["objects/b/v1/k", { size: 1, sha256: "a" }]]));
    const second = batchText(new Map([["objects/b/v1/k", { size: 1, sha256: "b" }]]));
    const back = parseState("demo", stateText(state), [first, second, '{"objects/b/v2/k": {"si']);
    expect("problem" in back).toBe(false);
    if ("problem" in back) return;
    expect(back.frozen).toEqual(state.frozen);
    expect(back.copied.get("objects/b/v1/k")).toEqual({ size: 1, sha256: "b" });
    expect(back.copied.size).toBe(1);
    expect(back.batches).toBe(3);
    expect([...back.recopy]).toEqual(["objects/b/v1/k"]);
    expect(back.destroyed).toEqual({ buckets: ["b"], stacks: [], images: [] });
  });

  it("refuses a file that is not this project's state", () => {
    expect(parseState("demo", "{", [])).toEqual({ problem: expect.stringMatching(/^not JSON/) });
    expect(parseState("demo", stateText(emptyState("other")), [])).toEqual({
      problem: "not the close state of project demo",
    });
  });
});
