// Runs the CLI when executed directly: `node src/cli/bin.ts <command> ...`.
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2));
