import { describe, expect, it } from "vitest";
import { siblingModule } from "./worker-url.ts";

describe("siblingModule", () => {
  it("names the sibling with the extension of the module asking: source or built", () => {
    expect(siblingModule("file:///app/src/pest/a.ts", "b-worker").href).toBe(
      "file:///app/src/pest/b-worker.ts",
    );
    expect(siblingModule("file:///app/dist/pest/a.js", "b-worker").href).toBe(
      "file:///app/dist/pest/b-worker.js",
    );
  });
});
