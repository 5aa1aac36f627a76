#!/usr/bin/env node
// Installed entry point: runs the compiled CLI (npm run build). In a checkout,
// `node src/cli/main.ts` runs the TypeScript directly on Node >= 22.18.
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
