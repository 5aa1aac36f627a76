// `modelfleet calibrate --engine pestpp-ies` on this machine: PEST++'s own manager
// (`pestpp-ies case.pst /h :PORT`) and N agents (`pestpp-ies case.pst /h 127.0.0.1:PORT`),
// each in its own copy of the model folder, as processes here. The manager's files go to the
// calibration's folder, in the same layout as a built-in calibration's, with the same report.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { DEFAULT_RESULTS_ROOT, DEFAULT_WORK_ROOT } from "../../engine/local-run.ts";
import { UserError } from "../../errors.ts";
import { runSetOf } from "../../plan/plan.ts";
import { createFsResultStore } from "../../store/fs-store.ts";
import type { ResultStore } from "../../store/result-store.ts";
import { acquireRunLock } from "../../store/run-lock.ts";
import { calibrationRunSet } from "../iteration-run-set.ts";
import { CalibrationStopped } from "../local-evaluator.ts";
import { writeCalibrationReport } from "../report/write-report.ts";
import type { CalibrationSetup } from "../run-calibration.ts";
import { observationsPlusNoise } from "../smoother.ts";
import { findPestppIes } from "./find-pestpp.ts";
import { readPestppResult } from "./pestpp-outputs.ts";
import { type PestppWorkspace, prepareAgent, prepareManager } from "./pestpp-workspace.ts";

export interface PestppLocalOptions {
  readonly setup: CalibrationSetup;
  readonly resultsRoot?: string;
  readonly workRoot?: string;
  readonly agents: number;
  readonly command: string;
  readonly stop?: AbortSignal;
  /** Lines of the manager's output worth showing (iterations, phi). */
  readonly onLine?: (line: string) => void;
  /** The pestpp-ies program (default: MODELFLEET_PESTPP_IES, else pestpp-ies on PATH). */
  readonly executable?: string;
}

export interface PestppRun {
  readonly location: string;
  readonly posterior: string;
  readonly wallSeconds: number;
  readonly totalRuns: number;
  readonly iterations: number;
}

export async function runPestppLocal(options: PestppLocalOptions): Promise<PestppRun> {
  const { setup } = options;
  const executable = options.executable ?? (await findPestppIes());
  const started = Date.now();
  const store = createFsResultStore(resolve(options.resultsRoot ?? DEFAULT_RESULTS_ROOT));
  const runSet = runSetOf(setup.resolved);
  const folder = calibrationRunSet(runSet);
  const location = store.runSetLocation(folder);
  const lock = await acquireRunLock(location, { command: options.command, what: "the calibration" });
  try {
    const root = resolve(options.workRoot ?? DEFAULT_WORK_ROOT, runSet.project, runSet.scenario, "pestpp");
    const workspace = await prepareManager(setup, root);
    const port = await freePort();
    const manager = startPestpp(
      executable,
      workspace.pst,
      ["/h", `:${port}`],
      workspace.manager,
      options.onLine,
    );
    const agents: Started[] = [];
    try {
      for (let k = 1; k <= options.agents; k++) {
        const dir = join(root, `agent-${k}`);
        await prepareAgent(setup, workspace, dir);
        agents.push(startPestpp(executable, workspace.pst, ["/h", `127.0.0.1:${port}`], dir));
      }
      const code = await Promise.race([
        manager.exited,
        new Promise<"stopped">((r) =>
          options.stop?.addEventListener("abort", () => r("stopped"), { once: true }),
        ),
      ]);
      if (code === "stopped") {
        throw new CalibrationStopped(
          `pestpp-ies stopped; PEST++ cannot resume a run part way through an iteration: run the same command again to start it over`,
        );
      }
      if (code !== 0) {
        throw new UserError(
          `pestpp-ies (the manager) ended with exit code ${code}; its record is ${join(workspace.manager, `${workspace.caseName}.rec`)} and its output ${join(workspace.manager, "pestpp-ies.log")}`,
        );
      }
    } finally {
      for (const p of [manager, ...agents]) p.stop();
      await Promise.all(agents.map((a) => a.exited));
    }
    return await collectOutputs({
      setup,
      store,
      workspace,
      wallSeconds: () => (Date.now() - started) / 1000,
      engine: `pestpp-ies with ${options.agents} agent(s) on this machine`,
    });
  } finally {
    await lock.release();
  }
}

/** Copies the manager's outputs into the calibration's folder and writes the report. */
export async function collectOutputs(o: {
  setup: CalibrationSetup;
  store: ResultStore;
  workspace: Pick<PestppWorkspace, "caseName" | "manager">;
  wallSeconds: () => number;
  engine: string;
}): Promise<PestppRun> {
  const { setup, store, workspace } = o;
  const folder = calibrationRunSet(runSetOf(setup.resolved));
  const names = (await readdir(workspace.manager)).filter(
    (f) => f.startsWith(`${workspace.caseName}.`) && !f.endsWith(".input.csv") && !f.endsWith(".prior.csv"),
  );
  for (const name of names)
    await store.putRunSetFile(folder, name, await readFile(join(workspace.manager, name)));
  const reals = setup.resolved.realisations.realisations.map((r) => r.id);
  const result = await readPestppResult(
    workspace.caseName,
    (name) => readFile(join(workspace.manager, name)).catch(() => undefined),
    observationsPlusNoise(setup.targets, reals, setup.settings),
  );
  const wallSeconds = o.wallSeconds();
  await writeCalibrationReport({ store, runSet: folder, setup, result, wallSeconds, engine: o.engine });
  const location = store.runSetLocation(folder);
  const last = result.iterations.at(-1)!;
  return {
    location,
    posterior: `${location}/${workspace.caseName}.${last.iteration}.par.csv`,
    wallSeconds,
    totalRuns: result.totalRuns,
    iterations: last.iteration,
  };
}

interface Started {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  stop(): void;
}

/** pestpp-ies in its own process group (so a stop ends whatever the model started too), its
 * output in pestpp-ies.log of its folder. */
export function startPestpp(
  executable: string,
  pst: string,
  args: readonly string[],
  cwd: string,
  onLine?: (line: string) => void,
): Started {
  const proc = spawn(executable, [pst, ...args], { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const log = createWriteStream(join(cwd, "pestpp-ies.log"));
  let pending = "";
  const forward = (b: Buffer) => {
    log.write(b);
    if (!onLine) return;
    pending += b.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines)
      if (/starting solve for iteration|phi summary|current lambda/i.test(line)) onLine(line.trim());
  };
  proc.stdout!.on("data", forward);
  proc.stderr!.on("data", forward);
  const exited = new Promise<number | null>((r) => {
    proc.on("error", () => r(-1));
    proc.on("exit", (code) => {
      log.end();
      r(code);
    });
  });
  return {
    proc,
    exited,
    stop: () => {
      if (proc.exitCode !== null || proc.pid === undefined) return;
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

/** A TCP port nothing listens on now (the manager takes it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}
