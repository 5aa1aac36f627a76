// GitHub runs JavaScript; Node 24 runs main.ts as it is (types stripped).
import { run } from "./main.ts";

await run();
