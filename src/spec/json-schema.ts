// The JSON Schema editors use to check and complete project files, generated from the zod
// schema so the two never disagree.
import { z } from "zod";
import { projectSpecSchema } from "./schema.ts";

export const SCHEMA_FILE = "projects/project.schema.json";

export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(projectSpecSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: "https://modelfleet.dev/project.schema.json",
    title: "modelfleet project/scenario",
  };
}

export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}
