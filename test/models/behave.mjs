// A model for engine tests whose behaviour its parameters choose: reads model.in
// ("x <value>" and "mode <n>") and writes out.txt.
//   mode 0: normal; 1: exits 1; 2: hangs (and starts a child that hangs too);
//   3: writes garbage; 4: hangs in its first attempt's folder only (a straggler);
//   5: writes FAILED into out.txt; 6: sleeps 300 ms then succeeds; 7: killed by SIGKILL,
//   as the out-of-memory killer would; 8: sleeps 1.5 s then succeeds; 9: fails while the file
//   named by MF_BEHAVE_FAIL_WHILE exists (outside the model's inputs: the same key fails,
//   then succeeds); 10: also writes `run\heads.out`, a file name with a backslash, as models
//   under Wine do; 11: exits 0 without writing anything (a wrapper that hides a failure);
//   12: also makes links and a pipe beside out.txt (link.out -> out.txt, host.out -> a file
//   outside the work folder, pipe.out a FIFO).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename } from "node:path";

const values = Object.fromEntries(
  readFileSync("model.in", "utf8")
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/)),
);
const x = Number(values.x);
const mode = Math.round(Number(values.mode));
process.stdout.write(`behave: x=${x} mode=${mode}\n`);
const hang = () => {
  spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  setInterval(() => {}, 1000);
};
if (mode === 1) {
  process.stderr.write("behave: cannot continue, exiting with 1\n");
  process.exit(1);
} else if (mode === 2) {
  hang();
} else if (mode === 3) {
  writeFileSync("out.txt", "RESULTS\ny ***********\n");
} else if (mode === 4 && basename(process.cwd()).endsWith("-a1")) {
  hang();
} else if (mode === 7) {
  process.kill(process.pid, "SIGKILL");
} else if (mode === 8) {
  setTimeout(() => writeFileSync("out.txt", `RESULTS\ny ${x * 2}\nz ${x + 1}\n`), 1500);
} else if (mode === 9 && existsSync(process.env.MF_BEHAVE_FAIL_WHILE ?? "")) {
  process.stderr.write("behave: the flaky condition holds, exiting with 1\n");
  process.exit(1);
} else if (mode === 12) {
  writeFileSync("out.txt", `RESULTS\ny ${x * 2}\nz ${x + 1}\n`);
  symlinkSync("out.txt", "link.out");
  symlinkSync(process.execPath, "host.out");
  spawnSync("mkfifo", ["pipe.out"]);
} else if (mode === 11) {
  process.stdout.write("behave: wrote nothing\n");
} else if (mode === 10) {
  writeFileSync("run\\heads.out", `heads ${x}\n`);
  writeFileSync("out.txt", `RESULTS\ny ${x * 2}\nz ${x + 1}\n`);
} else if (mode === 6) {
  setTimeout(() => writeFileSync("out.txt", `RESULTS\ny ${x * 2}\nz ${x + 1}\n`), 300);
} else {
  writeFileSync("out.txt", mode === 5 ? "RESULTS\nFAILED\n" : `RESULTS\ny ${x * 2}\nz ${x + 1}\n`);
}
