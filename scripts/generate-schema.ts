// Writes projects/project.schema.json from the zod schema (npm run schema).
import { writeFileSync } from "node:fs";
import { SCHEMA_FILE, specJsonSchemaText } from "../src/spec/json-schema.ts";

writeFileSync(SCHEMA_FILE, specJsonSchemaText());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
