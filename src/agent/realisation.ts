// One realisation, start to finish: a fresh work directory from the model bundle, every
// template written, the model run, success checked, every instruction file read, kept files
// and the log uploaded, and result.json published last. The local engine and the cloud agent
// both run realisations through here.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { constants, copyFile, mkdir, readdir, realpath, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { errorMessage, UserError } from "../errors.ts";
import { modelValues, NO_TRANSFORMS, type ParameterTransforms } from "../params/transforms.ts";
import { type InstructionFile, readObservations } from "../pest/instructions.ts";
import { renderTemplate, type Template, TemplateValues, writeTemplateFile } from "../pest/template.ts";
import { byteString, indexOfText, readableText } from "../pest/text.ts";
import type { BundleFile } from "../plan/bundle.ts";
import { KEY_SCHEME } from "../plan/key.ts";
import { parameterValuesHash } from "../results/parameter-hash.ts";
import type { Failure, FailureReason, KeptFile, RealisationResult } from "../results/realisation-result.ts";
import { isInside } from "../spec/paths.ts";
import type { PublishOutcome, ResultStore } from "../store/result-store.ts";
import { type DiskSpace, formatBytes, isNearlyFull, systemDiskSpace } from "./disk-space.ts";
import { type ModelProcessResult, OUTPUT_LOG, readOutput, runModelProcess } from "./model-process.ts";
import type { ShellLauncher } from "./shell-launcher.ts";
import { modelOutputs, normalRelative, type WorkFolders } from "./work-folders.ts";

/** When a run counts as successful (model.success in the spec). */
export interface SuccessSpec {
  readonly exit_code: number;
  readonly file?: string | undefined;
  readonly contains?: string | undefined;
  readonly not_contains?: string | readonly string[] | undefined;
}

/** Everything a worker needs to run any realisation of a run set. */
export interface RunConfig {
  readonly project: string;
  readonly scenario: string;
  readonly modelDir: string;
  readonly bundle: { readonly files: readonly BundleFile[]; readonly dirs: readonly string[] };
  readonly command: readonly string[] | string;
  readonly shell: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  /** Small templates come parsed (rendered in memory); large ones are streamed from `source`. */
  readonly templates: ReadonlyArray<{
    readonly source: string;
    readonly writes: string;
    readonly parsed?: Template;
  }>;
  readonly instructions: ReadonlyArray<{ readonly parsed: InstructionFile; readonly reads: string }>;
  readonly success: SuccessSpec;
  readonly keep: readonly string[];
  /** Scale and offset: templates write value × scale + offset (none when absent). */
  readonly transforms?: ParameterTransforms;
}

export interface AttemptInput {
  readonly id: string;
  readonly key: string;
  readonly values: ReadonlyMap<string, number>;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The plan generation this attempt runs for (store/plan-record.ts). */
  readonly generation?: number;
  /** With `--retry-failed`: the `attempt` of the published result this one re-runs, which
   * its result replaces. */
  readonly replaces?: string;
  readonly worker: string;
  readonly workdir: string;
  readonly signal?: AbortSignal;
  readonly onSpawn?: (pid: number) => void;
  /** Start the model through this launcher (see shell-launcher.ts) instead of spawning it. */
  readonly launcher?: ShellLauncher;
  /** How full the work folder's disk is (default: the real file system). */
  readonly diskSpace?: DiskSpace;
  /** Work folders used again (work-folders.ts); without, each attempt copies the model folder. */
  readonly folders?: WorkFolders;
}

export interface AttemptOutcome {
  readonly status: "ok" | "failed" | "aborted";
  readonly failure?: Failure;
  readonly process?: ModelProcessResult;
  readonly observations: Record<string, number>;
  readonly startedAt: Date;
  readonly endedAt: Date;
}

const LOG_TAIL_LINES = 40;

/** Runs the model once in `input.workdir`; never throws for a failure of the run itself. */
export async function runAttempt(config: RunConfig, input: AttemptInput): Promise<AttemptOutcome> {
  const startedAt = new Date();
  const failed = await prepareAttempt(config, input);
  if (failed) return { ...failed, startedAt, endedAt: new Date() };
  if (input.signal?.aborted) return { status: "aborted", observations: {}, startedAt, endedAt: new Date() };
  const proc = await executeAttempt(config, input);
  return completeAttempt(config, input, proc, startedAt);
}

type EarlyOutcome = Pick<AttemptOutcome, "status" | "failure" | "observations">;

/** A fresh work folder with every template written; a failure outcome if that failed. The
 * engine prepares the next realisation while the current model runs. */
export async function prepareAttempt(
  config: RunConfig,
  input: AttemptInput,
): Promise<EarlyOutcome | undefined> {
  try {
    if (input.folders) await input.folders.take(input.workdir);
    else await makeWorkdir(config, input.workdir);
  } catch (e) {
    return {
      status: "failed",
      observations: {},
      failure: infraFailure(e, "workdir", `could not create the work directory ${input.workdir}`),
    };
  }
  try {
    // Names checked once for all the templates, not once per template.
    const values = new TemplateValues(modelValues(input.values, config.transforms ?? NO_TRANSFORMS));
    for (const t of config.templates) {
      const out = join(input.workdir, t.writes);
      if (t.parsed) await writeFile(out, renderTemplate(t.parsed, values));
      else await writeTemplateFile(t.source, out, values);
    }
  } catch (e) {
    if (isDiskFull(e)) {
      return {
        status: "failed",
        observations: {},
        failure: infraFailure(e, "disk_full", "disk full while writing templates"),
      };
    }
    return {
      status: "failed",
      observations: {},
      failure: { kind: "model", reason: "template", message: errorMessage(e) },
    };
  }
  return undefined;
}

/** Runs the model command in a prepared work folder. */
export function executeAttempt(config: RunConfig, input: AttemptInput): Promise<ModelProcessResult> {
  return runModelProcess({
    command: config.command,
    shell: config.shell,
    cwd: input.workdir,
    env: config.env,
    timeoutMs: config.timeoutSeconds * 1000,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.onSpawn ? { onSpawn: input.onSpawn } : {}),
    ...(input.launcher ? { launcher: input.launcher, deferOutput: true } : {}),
  });
}

/** Classifies a finished process, checks success, and reads every instruction file. */
export async function completeAttempt(
  config: RunConfig,
  input: AttemptInput,
  exited: ModelProcessResult,
  startedAt: Date,
): Promise<AttemptOutcome> {
  const proc = await readOutput(exited);
  const done = (o: EarlyOutcome): AttemptOutcome => ({ ...o, process: proc, startedAt, endedAt: new Date() });
  if (proc.aborted) return done({ status: "aborted", observations: {} });
  const processFailure = classifyProcess(config, proc);
  if (processFailure) return done(await failedOnFullDisk(input, processFailure, proc.outputTail));
  const successFailure = await checkSuccess(config, input.workdir);
  if (successFailure) return done(await failedOnFullDisk(input, successFailure, proc.outputTail));

  const observations: Record<string, number> = {};
  for (const ins of config.instructions) {
    let bytes: Buffer;
    try {
      // Synchronous: the model has just written it (it is in the page cache), and the parse
      // that follows holds the event loop longer than the read; readFile would cost four
      // trips through the thread pool.
      bytes = readFileSync(join(input.workdir, ins.reads));
    } catch {
      return done(
        await failedOnFullDisk(
          input,
          {
            kind: "model",
            reason: "instructions",
            message: `the model did not write ${ins.reads}, which ${ins.parsed.file} reads`,
          },
          proc.outputTail,
        ),
      );
    }
    try {
      for (const [name, value] of readObservations(ins.parsed, bytes, ins.reads)) observations[name] = value;
    } catch (e) {
      return done(
        await failedOnFullDisk(
          input,
          { kind: "model", reason: "instructions", message: errorMessage(e) },
          proc.outputTail,
        ),
      );
    }
  }
  return done({ status: "ok", observations });
}

/**
 * A model failure on a (nearly) full disk is the disk's doing: "exited with code 1" or a
 * missing output file are what a model that could not write says. Such a failure is an
 * infrastructure failure, retried, with the model's own message kept.
 */
async function failedOnFullDisk(
  input: AttemptInput,
  failure: Failure,
  outputTail: string,
): Promise<EarlyOutcome> {
  const failed = { status: "failed" as const, observations: {} };
  if (failure.kind !== "model" || failure.reason === "timeout" || failure.reason === "spawn") {
    return { ...failed, failure };
  }
  const usage = await (input.diskSpace ?? systemDiskSpace).usage(input.workdir);
  if (!usage || !isNearlyFull(usage, outputTail)) return { ...failed, failure };
  return {
    ...failed,
    failure: {
      kind: "infrastructure",
      reason: "disk_full",
      message: `the disk of the work folder was full (${formatBytes(usage.availableBytes)} free of ${formatBytes(usage.totalBytes)}) when the model failed: ${failure.message}. It runs again; free space there, or give --work-dir on a larger disk`,
    },
  };
}

function classifyProcess(config: RunConfig, proc: ModelProcessResult): Failure | undefined {
  const cmd = typeof config.command === "string" ? config.command : config.command[0];
  if (proc.spawnError) {
    const code = proc.spawnError.code;
    // The machine's doing, not the parameters': once the program is installed (or made
    // executable) the next run runs it, as for any infrastructure failure.
    if (code === "ENOENT")
      return {
        kind: "infrastructure",
        reason: "spawn",
        message: `command \`${cmd}\` not found; check model.command (is it on PATH, or in the model folder as ./${cmd}?)`,
      };
    if (code === "EACCES")
      return {
        kind: "infrastructure",
        reason: "spawn",
        message: `command \`${cmd}\` is not executable; chmod +x it, or run it through its interpreter`,
      };
    return {
      kind: "infrastructure",
      reason: "spawn",
      message: `could not start \`${cmd}\`: ${errorMessage(proc.spawnError)}`,
    };
  }
  if (proc.launcherLost) {
    return {
      kind: "infrastructure",
      reason: "worker_lost",
      message:
        "the shell that started the model died while it ran (killed from outside the engine); the model was ended and runs again",
    };
  }
  if (proc.timedOut) {
    return {
      kind: "model",
      reason: "timeout",
      message: `timed out after ${config.timeoutSeconds}s; the process tree was killed (raise model.timeout if runs need longer: the next run runs it again with the longer timeout)`,
    };
  }
  if (proc.signal !== null) {
    if (proc.signal === "SIGKILL" && !proc.killedByUs) {
      return {
        kind: "infrastructure",
        reason: "out_of_memory",
        message: `killed by SIGKILL, most likely the out-of-memory killer${
          proc.peakMemoryMb ? ` (peak memory seen ${proc.peakMemoryMb} MB)` : ""
        }; give each model more memory: fewer models at once on this machine (--workers), or a larger resources.memory_gb for cloud workers`,
      };
    }
    return { kind: "model", reason: "killed", message: `the model was killed by ${proc.signal}` };
  }
  if (proc.exitCode !== config.success.exit_code) {
    return {
      kind: "model",
      reason: "exit_code",
      message: `exited with code ${proc.exitCode}${config.success.exit_code !== 0 ? ` (expected ${config.success.exit_code})` : ""}: ${lastLine(proc.outputTail)}`,
    };
  }
  return undefined;
}

async function checkSuccess(config: RunConfig, workdir: string): Promise<Failure | undefined> {
  const s = config.success;
  if (s.file === undefined) return undefined;
  let text: string;
  try {
    text = byteString(readFileSync(join(workdir, s.file))); // as the instruction files' outputs
  } catch {
    return {
      kind: "model",
      reason: "success_check",
      message: `the model did not write ${s.file} (model.success.file)`,
    };
  }
  if (s.contains !== undefined && indexOfText(text, s.contains) < 0) {
    return { kind: "model", reason: "success_check", message: `${s.file} does not contain "${s.contains}"` };
  }
  const forbidden =
    s.not_contains === undefined
      ? []
      : typeof s.not_contains === "string"
        ? [s.not_contains]
        : s.not_contains;
  for (const f of forbidden) {
    const at = indexOfText(text, f);
    if (at >= 0) {
      const lineNo = text.slice(0, at).split("\n").length;
      const line = readableText(text.split("\n")[lineNo - 1] ?? f).trim();
      return {
        kind: "model",
        reason: "success_check",
        message: `${s.file}:${lineNo} contains "${f}": ${line.slice(0, 200)}`,
      };
    }
  }
  return undefined;
}

/** Uploads kept files and the log, then publishes result.json (last). */
export async function publishAttempt(
  store: ResultStore,
  config: RunConfig,
  input: AttemptInput,
  outcome: AttemptOutcome,
  extra: { keptWorkdir?: string } = {},
): Promise<{ result: RealisationResult; publish: PublishOutcome }> {
  const runSet = { project: config.project, scenario: config.scenario };
  // Everything this attempt stores goes under a folder of its own, named in its result.
  const attempt = attemptName(input);
  const at = { runSet, id: input.id, attempt };
  const files: KeptFile[] = [];
  const kept = await matchKept(config.keep, input.workdir);
  const notKept = [...kept.skipped];
  let log: string | undefined;
  try {
    for (const rel of kept.files) {
      try {
        const put = await store.putFile({ ...at, path: rel, localPath: join(input.workdir, rel) });
        files.push({ path: rel, stored: put.stored, size: put.size, sha256: put.sha256 });
      } catch (e) {
        // A file this store can never hold (its name) is noted, not retried: running the model
        // again would give the same name. Anything else fails the publish, to be tried again.
        if (!isUnstorableName(e)) throw e;
        notKept.push({ path: rel, reason: errorMessage(e) });
      }
    }
    const tail = outcome.process?.outputTail ?? "";
    log = tail === "" ? undefined : await store.putLog({ ...at, text: tail });
  } catch (e) {
    // Nothing of an attempt that cannot be published stays in the results.
    await store.discardAttempt(at).catch(() => {});
    throw e;
  }
  const p = outcome.process;
  const result: RealisationResult = {
    schema: 1,
    project: config.project,
    scenario: config.scenario,
    id: input.id,
    key: input.key,
    status: outcome.status === "ok" ? "ok" : "failed",
    ...(outcome.failure ? { failure: outcome.failure } : {}),
    attempts: input.attempt,
    attempt,
    ...(input.generation === undefined ? {} : { generation: input.generation }),
    worker: input.worker,
    startedAt: outcome.startedAt.toISOString(),
    endedAt: outcome.endedAt.toISOString(),
    wallSeconds: round(p?.wallSeconds ?? (outcome.endedAt.getTime() - outcome.startedAt.getTime()) / 1000),
    cpuSeconds: p?.cpuSeconds ?? null,
    peakMemoryMb: p?.peakMemoryMb ?? null,
    exitCode: p?.exitCode ?? null,
    signal: p?.signal ?? null,
    timeoutSeconds: config.timeoutSeconds,
    parametersHash: parameterValuesHash(input.values),
    keyScheme: KEY_SCHEME,
    observations: outcome.observations,
    files,
    ...(notKept.length > 0 ? { notKept } : {}),
    logTail: tailLines(outcome.process?.outputTail ?? "", LOG_TAIL_LINES),
    ...(log === undefined ? {} : { log }),
    ...(extra.keptWorkdir ? { workdir: extra.keptWorkdir } : {}),
  };
  let publish: PublishOutcome;
  try {
    publish = await store.publishResult(
      result,
      input.replaces === undefined ? {} : { replaces: input.replaces },
    );
  } catch (e) {
    // Unless the write went through after all (an answer lost on the way back), nothing of
    // this attempt stays in the results.
    const published = await store.getResult(runSet, input.id).catch(() => undefined);
    if (published?.attempt !== attempt) await store.discardAttempt(at).catch(() => {});
    throw e;
  }
  return { result, publish };
}

/** `g<generation>-a<attempt>-<random>`: unique, and telling for a person who lists the folder. */
function attemptName(input: AttemptInput): string {
  // The first 8 hex digits of a v4 UUID are random; randomUUID draws from a pool, where
  // randomBytes asks the system each time.
  return `g${input.generation ?? 0}-a${input.attempt}-${randomUUID().slice(0, 8)}`;
}

async function makeWorkdir(config: RunConfig, workdir: string) {
  try {
    await mkdir(workdir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") await rm(workdir, { recursive: true, force: true }); // a leftover
    if (code !== "EEXIST" && code !== "ENOENT") throw e;
    await mkdir(workdir, { recursive: true });
  }
  for (const d of config.bundle.dirs) await mkdir(join(workdir, d), { recursive: true });
  // The files the model must write are left out (see modelOutputs).
  const outputs = modelOutputs(config);
  // Copies, not links: a model that writes to one of its inputs must not change the bundle.
  // FICLONE makes the copy a cheap reflink where the file system supports it.
  await Promise.all(
    config.bundle.files
      .filter((f) => !outputs.has(normalRelative(f.path)))
      .map((f) => copyFile(join(config.modelDir, f.path), join(workdir, f.path), constants.COPYFILE_FICLONE)),
  );
}

/** The files `keep` matches: regular files, and links to regular files inside the work
 * folder (kept with their target's content); anything else it matches is noted, with why. */
async function matchKept(
  patterns: readonly string[],
  workdir: string,
): Promise<{ files: string[]; skipped: Array<{ path: string; reason: string }> }> {
  const files: string[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  if (patterns.length === 0) return { files, skipped };
  const isMatch = picomatch(patterns as string[], { dot: true });
  const entries = await readdir(workdir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isDirectory()) continue;
    const full = join(e.parentPath, e.name);
    const rel = relative(workdir, full).split(sep).join("/");
    if (rel === OUTPUT_LOG || !isMatch(rel)) continue;
    if (e.isFile()) {
      files.push(rel);
      continue;
    }
    if (e.isSymbolicLink()) {
      const target = await realpath(full).catch(() => undefined);
      const inside = target !== undefined && isInside(await realpath(workdir), target);
      const isFile =
        inside &&
        (await stat(full).then(
          (s) => s.isFile(),
          () => false,
        ));
      if (isFile) files.push(rel);
      else {
        skipped.push({
          path: rel,
          reason:
            target === undefined
              ? "a link to nothing (broken)"
              : inside
                ? "a link to a folder"
                : "a link to a file outside the work folder",
        });
      }
      continue;
    }
    skipped.push({ path: rel, reason: "not a regular file (a pipe, socket or device)" });
  }
  return { files: files.sort(), skipped: skipped.sort((a, b) => a.path.localeCompare(b.path)) };
}

/** A kept file's name the store cannot hold, now or ever (too long, or refused as a path). */
function isUnstorableName(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    if (c instanceof UserError) return true;
    const code = (c as NodeJS.ErrnoException).code;
    if (code === "ENAMETOOLONG" || code === "EILSEQ") return true;
  }
  return false;
}

function infraFailure(e: unknown, reason: FailureReason, what: string): Failure {
  if (isDiskFull(e))
    return {
      kind: "infrastructure",
      reason: "disk_full",
      message: `${what}: disk full (${errorMessage(e)})`,
    };
  return { kind: "infrastructure", reason, message: `${what}: ${errorMessage(e)}` };
}

function isDiskFull(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split("\n");
  const last = lines[lines.length - 1]?.trim() ?? "";
  return last === "" ? "(no output)" : last.slice(0, 300);
}

function tailLines(text: string, n: number): string {
  const lines = text.trimEnd().split("\n");
  return lines.slice(-n).join("\n");
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
