// Runs the CLI: `node src/cli/bin.ts <command> ...` in a checkout, dist/cli/bin.js (through
// bin/modelfleet.js) when installed. The Node version is checked before any other module
// loads, so the imports below run only on a Node that can run them.
import { exitUnlessNodeSupported } from "../../bin/check-node.js";

exitUnlessNodeSupported();
const { exitWhenDone } = await import("./exit.ts");
const { exitQuietlyOnBrokenPipe } = await import("./io.ts");
const { main } = await import("./main.ts");
exitQuietlyOnBrokenPipe();
exitWhenDone(await main(process.argv.slice(2)));
