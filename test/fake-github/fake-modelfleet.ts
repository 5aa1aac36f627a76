// A stand-in for the modelfleet CLI's cloud commands, for the watch action's tests: `watch …
// --once --json` prints the next of the JSON states listed in $FAKE_MODELFLEET (the last one
// again once they run out), and `run … --json` waits until it is interrupted (SIGINT), then
// prints the object a client that ended early prints. Every call is appended to <file>.calls.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

const file = process.env["FAKE_MODELFLEET"];
if (!file) throw new Error("FAKE_MODELFLEET names the file of states");
const script = JSON.parse(readFileSync(file, "utf8")) as { watch: unknown[] };
const [command] = process.argv.slice(2);
appendFileSync(`${file}.calls`, `${process.argv.slice(2).join(" ")}\n`);

if (command === "watch") {
  let n = 0;
  try {
    n = Number(readFileSync(`${file}.count`, "utf8"));
  } catch {}
  writeFileSync(`${file}.count`, String(n + 1));
  process.stdout.write(`${JSON.stringify(script.watch[Math.min(n, script.watch.length - 1)])}\n`);
} else if (command === "run") {
  process.stderr.write("demo/base: 48 realisations, 0 done, 48 to run on ECS Fargate\n");
  const timer = setInterval(() => {}, 1000);
  process.on("SIGINT", () => {
    clearInterval(timer);
    process.stdout.write(
      `${JSON.stringify({ project: "demo", scenario: "base", realisations: 48, done: 40, pending: 8, workersStillRunning: 4, ended: "client-stopped" })}\n`,
    );
    process.exit(130);
  });
} else {
  process.stderr.write(`fake modelfleet: no ${command}\n`);
  process.exit(2);
}
