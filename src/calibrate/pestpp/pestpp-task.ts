// One task of a PEST++ calibration on ECS, inside the worker image: `modelfleet agent` started
// with MODELFLEET_PESTPP_ROLE runs this instead of the queue loop. The manager
// (`pestpp-ies case.pst /h :PORT`) and every agent (`pestpp-ies case.pst /h IP:PORT`) unpack
// the same workspace from the calibration's folder in the bucket; the manager copies its files
// back there as it goes (every few seconds and when it ends), so whatever it finished outlives
// the task.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tar from "tar";
import { UserError } from "../../errors.ts";
import type { ResultStore, RunSetRef } from "../../store/result-store.ts";
import { calibrationFolder } from "../iteration-run-set.ts";
import { findPestppIes } from "./find-pestpp.ts";
import { startPestpp } from "./pestpp-local.ts";
import { PESTPP_PORT } from "./pestpp-port.ts";

export const PESTPP_ENV = {
  role: "MODELFLEET_PESTPP_ROLE",
  project: "MODELFLEET_PESTPP_PROJECT",
  scenario: "MODELFLEET_PESTPP_SCENARIO",
  caseName: "MODELFLEET_PESTPP_CASE",
  port: "MODELFLEET_PESTPP_PORT",
  manager: "MODELFLEET_PESTPP_MANAGER",
  /** How often the manager copies its files to the bucket, in seconds (default 10). */
  syncSeconds: "MODELFLEET_PESTPP_SYNC_SECONDS",
} as const;

/** Names inside the calibration's folder. */
export const WORKSPACE_ARCHIVE = "pestpp/workspace.tar.gz";
export const MANAGER_FILES = "pestpp/manager";
export const MANAGER_INDEX = `${MANAGER_FILES}/files.json`;

export interface PestppTaskSettings {
  readonly role: "manager" | "agent";
  readonly folder: RunSetRef;
  readonly caseName: string;
  readonly port: number;
  /** The manager's address (IP:PORT), for an agent. */
  readonly manager: string | undefined;
  readonly syncMs: number;
}

export function pestppTaskSettings(env: NodeJS.ProcessEnv): PestppTaskSettings {
  const role = env[PESTPP_ENV.role];
  if (role !== "manager" && role !== "agent")
    throw new UserError(`${PESTPP_ENV.role} must be manager or agent, got "${role ?? ""}"`);
  const missing: string[] = [PESTPP_ENV.project, PESTPP_ENV.scenario, PESTPP_ENV.caseName].filter(
    (k) => !env[k],
  );
  if (role === "agent" && !env[PESTPP_ENV.manager]) missing.push(PESTPP_ENV.manager);
  if (missing.length > 0)
    throw new UserError(
      `a PEST++ ${role} task needs ${missing.join(", ")} (modelfleet calibrate --engine pestpp-ies --executor ecs sets them)`,
    );
  const port = Number(env[PESTPP_ENV.port] ?? PESTPP_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UserError(`${PESTPP_ENV.port} must be a TCP port, got "${env[PESTPP_ENV.port]}"`);
  return {
    role,
    folder: { project: env[PESTPP_ENV.project]!, scenario: calibrationFolder(env[PESTPP_ENV.scenario]!) },
    caseName: env[PESTPP_ENV.caseName]!,
    port,
    manager: env[PESTPP_ENV.manager],
    syncMs: (Number(env[PESTPP_ENV.syncSeconds]) > 0 ? Number(env[PESTPP_ENV.syncSeconds]) : 10) * 1000,
  };
}

export interface PestppTaskOptions {
  readonly settings: PestppTaskSettings;
  readonly store: ResultStore;
  readonly workRoot: string;
  readonly stop: AbortSignal;
  readonly log: (line: string) => void;
  readonly executable?: string;
}

/** Runs the task's pestpp-ies to its end; the exit code is pestpp-ies's (143 when stopped). */
export async function runPestppTask(options: PestppTaskOptions): Promise<number> {
  const { settings, store } = options;
  const executable = options.executable ?? (await findPestppIes());
  const archive = await store.getRunSetFile(settings.folder, WORKSPACE_ARCHIVE);
  if (!archive)
    throw new UserError(
      `${store.runSetLocation(settings.folder)}/${WORKSPACE_ARCHIVE} not found: the calibration that started this task has not uploaded its workspace`,
    );
  const dir = join(options.workRoot, "pestpp");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(options.workRoot, "workspace.tar.gz"), archive);
  await tar.x({ file: join(options.workRoot, "workspace.tar.gz"), cwd: dir, strict: true });
  const pst = `${settings.caseName}.pst`;
  const host = settings.role === "manager" ? `:${settings.port}` : settings.manager!;
  options.log(`pestpp-ies ${pst} /h ${host} (${settings.role})`);
  const proc = startPestpp(executable, pst, ["/h", host], dir, options.log);
  const onStop = () => proc.stop();
  options.stop.addEventListener("abort", onStop, { once: true });
  let sync: ReturnType<typeof setInterval> | undefined;
  let syncing = Promise.resolve();
  const copyOut = () => {
    syncing = syncing
      .then(() => copyManagerFiles(store, settings, dir))
      .catch((e: unknown) => options.log(`copying the manager's files: ${String(e)}`));
    return syncing;
  };
  if (settings.role === "manager") sync = setInterval(copyOut, settings.syncMs);
  try {
    const code = await proc.exited;
    if (settings.role === "manager") await copyOut();
    return options.stop.aborted ? 143 : (code ?? 1);
  } finally {
    if (sync) clearInterval(sync);
    options.stop.removeEventListener("abort", onStop);
  }
}

/** The manager's case files and its output, with an index of their names. */
async function copyManagerFiles(store: ResultStore, settings: PestppTaskSettings, dir: string) {
  const names = (await readdir(dir)).filter(
    (f) => f.startsWith(`${settings.caseName}.`) || f === "pestpp-ies.log",
  );
  for (const name of names)
    await store.putRunSetFile(settings.folder, `${MANAGER_FILES}/${name}`, await readFile(join(dir, name)));
  await store.putRunSetFile(settings.folder, MANAGER_INDEX, JSON.stringify(names));
}
