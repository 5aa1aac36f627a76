import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SCHEMA_FILE, specJsonSchemaText } from "./json-schema.ts";

describe("projects/project.schema.json", () => {
  it("is the schema generated from the zod schema (run `npm run schema` when this fails)", async () => {
    const committed = await readFile(join(import.meta.dirname, "..", "..", SCHEMA_FILE), "utf8");
    expect(committed).toBe(specJsonSchemaText());
  });

  it("describes the top-level keys editors complete", () => {
    const schema = JSON.parse(specJsonSchemaText());
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "project",
        "scenario",
        "model",
        "parameters",
        "resources",
        "retries",
        "alerts",
        "cloud",
      ]),
    );
    expect(schema.required).toEqual(expect.arrayContaining(["project", "scenario", "model", "parameters"]));
    expect(schema.additionalProperties).toBe(false);
  });
});
