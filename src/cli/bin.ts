// Runs the CLI when executed directly: `node src/cli/bin.ts <command> ...`.
import { exitWhenDone } from "./exit.ts";
import { main } from "./main.ts";

exitWhenDone(await main(process.argv.slice(2)));
