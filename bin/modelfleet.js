#!/usr/bin/env node
// The installed `modelfleet` command: checks the Node version first (plain JavaScript, so an
// old Node gets a sentence, not a stack trace), then runs the compiled CLI in dist/, which
// `npm run build` makes. In a checkout, `node src/cli/bin.ts <command> ...` runs the sources.
import { existsSync } from "node:fs";
import { exitUnlessNodeSupported } from "./check-node.js";

exitUnlessNodeSupported();
const compiled = new URL("../dist/cli/bin.js", import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write(
    "modelfleet: the compiled command is missing (dist/cli/bin.js): run `npm run build` in the " +
      "modelfleet folder, or run the sources there with `npm run modelfleet -- <command>`.\n",
  );
  process.exit(1);
}
await import(compiled.href);
