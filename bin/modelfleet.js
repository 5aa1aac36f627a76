#!/usr/bin/env node
// The installed `modelfleet` command: checks the Node version first (plain JavaScript, so an
// old Node gets a sentence, not a stack trace), then runs the compiled CLI in dist/, which
// `npm run build` makes. In a checkout, `node src/cli/bin.ts <command> ...` runs the sources.
import { exitUnlessNodeSupported } from "./check-node.js";

exitUnlessNodeSupported();
await import("../dist/cli/bin.js");
