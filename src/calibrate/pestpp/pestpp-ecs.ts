// `modelfleet calibrate --engine pestpp-ies --executor ecs`: PEST++'s manager as one Fargate task
// and its agents as tasks in the same VPC that reach it by its private IP on PESTPP_PORT (the
// workers' security group opens that port to its own members alone: no EC2 instance, no public
// port). The workspace travels through the results bucket; agents that stop (Spot) are replaced
// while the manager runs (PANTHER takes agents joining and leaving); the manager's own loss stops
// the calibration with a plain account of what it left in the bucket.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ECSClient } from "@aws-sdk/client-ecs";
import * as tar from "tar";
import { cloudPieces } from "../../cloud/aws-wiring.ts";
import type { InfrastructureOutputs } from "../../cloud/cloud-config.ts";
import type { WorkerState } from "../../cloud/launcher.ts";
import { UserError } from "../../errors.ts";
import { runSetOf } from "../../plan/plan.ts";
import { calibrationRunSet } from "../iteration-run-set.ts";
import { CalibrationStopped } from "../local-evaluator.ts";
import type { CalibrationSetup } from "../run-calibration.ts";
import { collectOutputs, type PestppRun } from "./pestpp-local.ts";
import { PESTPP_PORT } from "./pestpp-port.ts";
import { MANAGER_FILES, MANAGER_INDEX, PESTPP_ENV, WORKSPACE_ARCHIVE } from "./pestpp-task.ts";
import { prepareManager } from "./pestpp-workspace.ts";
import { describeTaskAddress } from "./task-address.ts";

export interface PestppEcsOptions {
  readonly setup: CalibrationSetup;
  readonly infra: InfrastructureOutputs;
  readonly agents: number;
  readonly spot: boolean;
  readonly stop?: AbortSignal;
  readonly onLine?: (line: string) => void;
  /** The manager's port (default the one the security group opens). */
  readonly port?: number;
  /** How often the tasks are looked at (default 5 s). */
  readonly pollMs?: number;
  readonly ecs?: ECSClient;
}

export class ManagerLost extends UserError {}

export async function runPestppOnEcs(options: PestppEcsOptions): Promise<PestppRun> {
  const { setup, infra } = options;
  const say = options.onLine ?? (() => {});
  const started = Date.now();
  const pollMs = options.pollMs ?? 5_000;
  const port = options.port ?? PESTPP_PORT;
  const pieces = cloudPieces(infra, { spot: options.spot, idleSeconds: 60 });
  const { store, launcher } = pieces;
  const ecs = options.ecs ?? new ECSClient({ region: infra.region });
  const folder = calibrationRunSet(runSetOf(setup.resolved));
  const location = store.runSetLocation(folder);
  const local = await mkdtemp(join(tmpdir(), "mf-pestpp-ecs-"));
  try {
    const workspace = await prepareManager(setup, join(local, "workspace"));
    const archive = join(local, "workspace.tar.gz");
    await tar.c({ file: archive, cwd: workspace.manager, gzip: true, portable: true, follow: true }, ["."]);
    await store.putRunSetFile(folder, WORKSPACE_ARCHIVE, await readFile(archive));
    const run = randomUUID();
    const environment = {
      ...pieces.workerEnvironment,
      [PESTPP_ENV.project]: folder.project,
      [PESTPP_ENV.scenario]: setup.resolved.spec.scenario,
      [PESTPP_ENV.caseName]: workspace.caseName,
      [PESTPP_ENV.port]: String(port),
    };
    let launches = 0;
    const launch = async (role: "manager" | "agent", count: number, extra: Record<string, string> = {}) => {
      const out = await launcher.launch({
        count,
        environment: { ...environment, [PESTPP_ENV.role]: role, ...extra },
        token: `pestpp-${run}-${launches++}`,
      });
      for (const f of out.failures) say(`a ${role} task did not start: ${f.reason}`);
      return out.started.map((w) => w.id);
    };

    const [manager] = await launch("manager", 1);
    if (!manager) throw new UserError("calibrate: the PEST++ manager task did not start (see above)");
    say(`manager task ${manager}`);
    const agents: string[] = [];
    const stopAll = async (reason: string) => {
      await launcher.stop([manager, ...agents], reason).catch(() => undefined);
    };
    try {
      const address = await waitForAddress({
        ecs,
        cluster: infra.cluster,
        task: manager,
        pollMs,
        stop: options.stop,
      });
      say(`manager at ${address}:${port}; starting ${options.agents} agent(s)`);
      const agentEnv = { [PESTPP_ENV.manager]: `${address}:${port}` };
      agents.push(...(await launch("agent", options.agents, agentEnv)));
      const seen = new Set<string>();
      let end: WorkerState | undefined;
      while (!end) {
        await pause(pollMs, options.stop);
        if (options.stop?.aborted) {
          await stopAll("modelfleet calibrate stopped");
          throw new CalibrationStopped(
            "stopped the PEST++ manager and agent tasks; PEST++ cannot resume part way through a calibration: run the same command again to start it over",
          );
        }
        const states = await launcher.describe([manager, ...agents]);
        end = states.find((s) => s.id === manager && s.status === "stopped");
        if (end) break;
        // An agent that exits 0 was told to by the manager, which is finishing: not a loss.
        const lost = states.filter(
          (s) => s.id !== manager && s.status === "stopped" && s.exitCode !== 0 && !seen.has(s.id),
        );
        for (const s of lost) {
          seen.add(s.id);
          say(
            `agent ${s.id} stopped (${s.end ?? "stopped"}${s.reason ? `: ${s.reason}` : ""}); starting a replacement`,
          );
        }
        if (lost.length > 0) agents.push(...(await launch("agent", lost.length, agentEnv)));
      }
      await stopAll("the PEST++ manager ended");
      if (end.exitCode !== 0) {
        throw new ManagerLost(
          await managerLostMessage({ end, store, folder, location, caseName: workspace.caseName }),
        );
      }
      const outputs = join(local, "outputs");
      await mkdir(outputs, { recursive: true });
      for (const name of await managerFileNames(store, folder)) {
        const bytes = await store.getRunSetFile(folder, `${MANAGER_FILES}/${name}`);
        if (bytes) await writeFile(join(outputs, name), bytes);
      }
      return await collectOutputs({
        setup,
        store,
        workspace: { caseName: workspace.caseName, manager: outputs },
        wallSeconds: () => (Date.now() - started) / 1000,
        engine: `pestpp-ies on ECS: a manager task and ${options.agents} agent task(s) (${agents.length - options.agents} replaced)`,
      });
    } catch (e) {
      await stopAll("modelfleet calibrate ended");
      throw e;
    }
  } finally {
    await rm(local, { recursive: true, force: true });
  }
}

async function waitForAddress(o: {
  ecs: ECSClient;
  cluster: string;
  task: string;
  pollMs: number;
  stop: AbortSignal | undefined;
}): Promise<string> {
  for (;;) {
    const { address, lastStatus } = await describeTaskAddress(o.ecs, o.cluster, o.task);
    if (lastStatus === "STOPPED" || lastStatus === "DEPROVISIONING")
      throw new ManagerLost(
        `calibrate: the PEST++ manager task ${o.task} stopped before it had a network address; its log says why`,
      );
    if (address && lastStatus === "RUNNING") return address;
    await pause(Math.min(o.pollMs, 2_000), o.stop);
    if (o.stop?.aborted) throw new CalibrationStopped("stopped before the PEST++ manager started");
  }
}

async function managerFileNames(
  store: CalibrationStore,
  folder: { project: string; scenario: string },
): Promise<string[]> {
  const index = await store.getRunSetFile(folder, MANAGER_INDEX);
  return index ? (JSON.parse(Buffer.from(index).toString("utf8")) as string[]) : [];
}

type CalibrationStore = ReturnType<typeof cloudPieces>["store"];

/** What the manager's loss leaves: the iterations whose ensembles it had copied to the bucket. */
async function managerLostMessage(o: {
  end: WorkerState;
  store: CalibrationStore;
  folder: { project: string; scenario: string };
  location: string;
  caseName: string;
}): Promise<string> {
  const names = await managerFileNames(o.store, o.folder);
  const finished = names
    .map((n) => new RegExp(`^${escapeRegExp(o.caseName)}\\.(\\d+)\\.par\\.csv$`).exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const why = `${o.end.end ?? "stopped"}${o.end.reason ? `: ${o.end.reason}` : ""}${o.end.exitCode !== undefined ? `, exit code ${o.end.exitCode}` : ""}`;
  const kept =
    finished.length === 0
      ? "It had finished no iteration: nothing to resume from."
      : `It had finished iteration(s) ${finished.join(", ")}: their files are in ${o.location}/${MANAGER_FILES}/ (${o.caseName}.${finished.at(-1)}.par.csv is the last ensemble; as \`parameters: { csv: ... }\` it starts a new calibration where this one stopped).`;
  return `calibrate: the PEST++ manager task ${o.end.id} was lost (${why}), so the calibration stopped and its agent tasks were stopped. PEST++ cannot resume part way through a calibration. ${kept} Run the same command again to start over.`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function pause(ms: number, stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (stop?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      stop?.removeEventListener("abort", done);
      resolve();
    }
    stop?.addEventListener("abort", done, { once: true });
  });
}
