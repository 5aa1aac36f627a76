// The cloud worker (`modelfleet agent`): receive a realisation from the queue, run it with the
// same code the local engine uses, publish it, delete the message; until the queue has stayed
// empty for the idle time. On SIGTERM (Fargate Spot gives two minutes) it kills the model,
// puts the message back on the queue at once, and exits.
//
// Under an ECS service (the service keeps its desired count, so a worker that exits is
// replaced), a worker holds task scale-in protection while it holds a realisation, and does not
// exit when it idles: once the queue has stayed empty (nothing waiting, nothing in flight) for
// the idle time, it sets its own service to zero workers, and ECS stops the others (idle, so
// unprotected) with it. A region thus costs nothing once the work is done, with no client.
import { mkdir, mkdtemp, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { CloudRunConfig, WorkMessage } from "../cloud/cloud-config.ts";
import { judgeMessage, parseRunRecord } from "../cloud/run-record.ts";
import {
  noTaskProtection,
  protectionMinutes,
  protectionRenewalMs,
  type TaskProtection,
} from "../cloud/task-protection.ts";
import { type Clock, systemClock } from "../engine/clock.ts";
import type { Lease, WorkQueue } from "../engine/work-queue.ts";
import { errorMessage } from "../errors.ts";
import { transformsFromList } from "../params/transforms.ts";
import { parseInstructions } from "../pest/instructions.ts";
import { parseTemplate } from "../pest/template.ts";
import { hashModelBundle } from "../plan/bundle.ts";
import { extractBundleArchive } from "../plan/bundle-archive.ts";
import type { ResultStore } from "../store/result-store.ts";
import { type AttemptInput, publishAttempt, type RunConfig, runAttempt } from "./realisation.ts";
import { createWorkFolders, type WorkFolders } from "./work-folders.ts";
import { workdirName } from "./workdir-name.ts";

/** Where run configurations and bundles are fetched from (S3 in the cloud). */
export interface ObjectSource {
  getText(key: string): Promise<string>;
  /** The object's text, or undefined when there is no such object. */
  getTextIfExists(key: string): Promise<string | undefined>;
  download(key: string, localPath: string): Promise<void>;
}

export type AgentEvent =
  | { type: "received"; id: string; attempt: number }
  | { type: "published"; id: string; status: "ok" | "failed"; duplicate: boolean }
  | { type: "released"; id: string; why: string }
  /** Deleted without running: its run was stopped, or a later run queued it again. */
  | { type: "dropped"; id: string; why: string }
  | { type: "idle-exit"; idleSeconds: number; why?: string }
  /** Under a service: the queue stayed empty, so the worker set its service to zero. */
  | { type: "scaled-to-zero"; service: string; idleSeconds: number }
  /** Under a service: idle, but other workers still hold realisations (or the scaling failed). */
  | { type: "idle-waiting"; why: string }
  | { type: "protection-failed"; message: string }
  | { type: "stopping" };

export interface AgentOptions {
  readonly queue: WorkQueue<WorkMessage>;
  readonly store: ResultStore;
  readonly objects: ObjectSource;
  readonly workRoot: string;
  /** Exit when no message has arrived for this long. */
  readonly idleMs: number;
  readonly worker: string;
  /** Aborted on SIGTERM: kill the model, return the message, exit. */
  readonly stop: AbortSignal;
  readonly clock?: Clock;
  readonly visibilityMs?: number;
  /** Scale-in protection while a realisation is held (ECS; a no-op elsewhere). */
  readonly protection?: TaskProtection;
  /** Set when the worker runs under an ECS service: idle, it sets that service to zero. */
  readonly service?: {
    readonly name: string;
    readonly region: string;
    scaleToZero(): Promise<void>;
  };
  readonly onEvent?: (e: AgentEvent) => void;
}

export interface AgentSummary {
  readonly received: number;
  readonly published: number;
  /** Run, but another worker had published the realisation first (a duplicate delivery). */
  readonly alreadyPublished: number;
  readonly released: number;
  readonly dropped: number;
  readonly stoppedBySignal: boolean;
}

const DEFAULT_VISIBILITY_MS = 5 * 60_000;
/** Protection from receipt until the model's timeout is known (its configuration loaded). */
const PROVISIONAL_PROTECTION_MINUTES = 15;
const LONG_POLL_MS = 20_000;
/** Before a message whose handling failed is delivered again: doubled per delivery, capped. */
const RETRY_DELAY_MS = 5_000;
const MAX_RETRY_DELAY_MS = 120_000;

export async function runAgent(options: AgentOptions): Promise<AgentSummary> {
  const clock = options.clock ?? systemClock;
  const emit = options.onEvent ?? (() => {});
  const visibilityMs = options.visibilityMs ?? DEFAULT_VISIBILITY_MS;
  const protection = options.protection ?? noTaskProtection;
  const configs = new Map<string, Promise<{ cloud: CloudRunConfig; run: RunConfig }>>();
  let received = 0;
  let published = 0;
  let alreadyPublished = 0;
  let released = 0;
  let dropped = 0;
  let idleSince = clock.now();

  // A worker's work folder is restored for its next realisation rather than copied again
  // (work-folders.ts); one pool, for the run configuration of the latest message.
  let pool: { key: string; folders: WorkFolders } | undefined;
  const foldersFor = async (key: string, run: RunConfig): Promise<WorkFolders> => {
    if (pool?.key === key) return pool.folders;
    await pool?.folders.close().catch(() => {});
    pool = {
      key,
      folders: createWorkFolders({ config: run, root: join(options.workRoot, "work"), spare: 1 }),
    };
    return pool.folders;
  };

  const configFor = (key: string) => {
    let c = configs.get(key);
    if (!c) {
      c = loadRunConfig(options, key);
      c.catch(() => configs.delete(key));
      configs.set(key, c);
    }
    return c;
  };

  while (!options.stop.aborted) {
    const waitMs = Math.min(LONG_POLL_MS, Math.max(0, options.idleMs - (clock.now() - idleSince)));
    const lease = await options.queue.lease({ visibilityMs, waitMs, signal: options.stop });
    if (!lease) {
      if (options.stop.aborted) break;
      if (clock.now() - idleSince >= options.idleMs) {
        if (!options.service) {
          emit({ type: "idle-exit", idleSeconds: options.idleMs / 1000 });
          break;
        }
        const idle = await idleUnderService(options.service);
        if (idle === "exit") break;
        // Others still run realisations (or the scaling failed): ask again an idle time later.
        idleSince = clock.now();
      }
      continue;
    }
    received++;
    emit({ type: "received", id: lease.item.id, attempt: lease.receiveCount });
    const outcome = await handle(lease);
    if (outcome === "published") published++;
    else if (outcome === "already-published") alreadyPublished++;
    else if (outcome === "released") released++;
    else dropped++;
    // Deleting stopped work is not work: a worker that only finds such messages idles out.
    if (outcome !== "dropped") idleSince = clock.now();
  }
  if (options.stop.aborted) emit({ type: "stopping" });
  await pool?.folders.close().catch(() => {});
  return { received, published, alreadyPublished, released, dropped, stoppedBySignal: options.stop.aborted };

  /** The queue stayed empty for this worker: is it empty for every worker? Then this region's
   * work is done and its service goes to zero; the worker exits (the count is already zero,
   * so ECS does not replace it). */
  async function idleUnderService(service: NonNullable<AgentOptions["service"]>): Promise<"exit" | "wait"> {
    const idleSeconds = options.idleMs / 1000;
    let counts: { visible: number; inFlight: number };
    try {
      counts = await options.queue.counts();
    } catch (e) {
      // The queue cannot be read: exit as an idle worker does (an error exit when it never
      // answered at all, which the run counts as a worker dying).
      emit({ type: "idle-exit", idleSeconds, why: `the queue could not be read (${errorMessage(e)})` });
      return "exit";
    }
    if (counts.visible + counts.inFlight > 0) {
      emit({
        type: "idle-waiting",
        why: `${counts.visible} realisation(s) waiting and ${counts.inFlight} held by other workers`,
      });
      return "wait";
    }
    try {
      await service.scaleToZero();
    } catch (e) {
      emit({ type: "idle-waiting", why: `could not set ${service.name} to zero: ${errorMessage(e)}` });
      return "wait";
    }
    emit({ type: "scaled-to-zero", service: service.name, idleSeconds });
    return "exit";
  }

  async function handle(
    lease: Lease<WorkMessage>,
  ): Promise<"published" | "already-published" | "released" | "dropped"> {
    const message = lease.item;
    const heartbeat = setInterval(
      () => options.queue.heartbeat(lease, visibilityMs).catch(() => {}),
      visibilityMs / 3,
    );
    const workdir = join(options.workRoot, "work", workdirName(message.id, lease.receiveCount));
    let renewal: ReturnType<typeof setInterval> | undefined;
    /** Set once the model ran well: its folder is restored for the next realisation. */
    let reuseIn: WorkFolders | undefined;
    const protect = (minutes: number) =>
      protection.protect(minutes).catch((e: unknown) => {
        emit({ type: "protection-failed", message: errorMessage(e) });
      });
    // Protected from scale-in from the moment the message is held until it is deleted or put
    // back: at once for a while, then for the model's timeout once its configuration is known.
    await protect(PROVISIONAL_PROTECTION_MINUTES);
    try {
      // Before each realisation: is its run still wanted (not stopped, not replaced)?
      if (message.run) {
        const text = await options.objects.getTextIfExists(message.run.record);
        const verdict = judgeMessage(message.run, text === undefined ? undefined : parseRunRecord(text));
        if (!verdict.take) {
          await options.queue.ack(lease);
          emit({ type: "dropped", id: message.id, why: verdict.why });
          return "dropped";
        }
      }
      const { cloud, run } = await configFor(message.runConfigKey);
      // Renewed while a long model runs: protection lapses by itself after its minutes.
      const minutes = protectionMinutes(cloud.timeoutSeconds);
      await protect(minutes);
      renewal = setInterval(() => void protect(minutes), protectionRenewalMs(minutes));
      const folders = await foldersFor(message.runConfigKey, run);
      const input: AttemptInput = {
        id: message.id,
        key: message.key,
        values: new Map(Object.entries(message.values)),
        attempt: lease.receiveCount,
        worker: options.worker,
        workdir,
        signal: options.stop,
        ...(message.generation === undefined ? {} : { generation: message.generation }),
        ...(message.replaces === undefined ? {} : { replaces: message.replaces }),
        folders,
      };
      const outcome = await runAttempt(run, input);
      if (outcome.status === "ok") reuseIn = folders;
      if (outcome.status === "aborted") {
        await options.queue.release(lease, 0);
        emit({ type: "released", id: message.id, why: "the worker is stopping" });
        return "released";
      }
      const failure = outcome.failure;
      const allowed = failure?.kind === "infrastructure" ? cloud.retries.infrastructure : cloud.retries.model;
      if (failure && lease.receiveCount <= allowed) {
        await options.queue.release(lease, 0);
        emit({ type: "released", id: message.id, why: `${failure.reason}: retrying` });
        return "released";
      }
      const { result, publish } = await publishAttempt(options.store, run, input, outcome);
      await options.queue.ack(lease);
      emit({
        type: "published",
        id: message.id,
        status: result.status,
        duplicate: publish === "already-published",
      });
      return publish;
    } catch (e) {
      // Could not fetch the configuration or publish: let another attempt (or worker) try,
      // after a pause that grows with each delivery, so a blip in S3 does not use up the
      // message's deliveries (and send it to the dead-letter queue) within seconds.
      const delayMs = Math.min(MAX_RETRY_DELAY_MS, RETRY_DELAY_MS * 2 ** (lease.receiveCount - 1));
      await options.queue.release(lease, delayMs).catch(() => {});
      emit({
        type: "released",
        id: message.id,
        why: `${errorMessage(e)}; trying again in ${delayMs / 1000} s`,
      });
      return "released";
    } finally {
      clearInterval(heartbeat);
      clearInterval(renewal);
      const reused = reuseIn ? await reuseIn.giveBack(workdir).catch(() => false) : false;
      if (!reused) await rm(workdir, { recursive: true, force: true }).catch(() => {});
      // Released last: a worker that may be scaled in holds nothing, not even a work folder.
      await protection.release().catch((e: unknown) => {
        emit({ type: "protection-failed", message: errorMessage(e) });
      });
    }
  }
}

/** Fetches a run configuration and its bundle (once per worker), and builds the RunConfig. */
async function loadRunConfig(
  options: AgentOptions,
  key: string,
): Promise<{ cloud: CloudRunConfig; run: RunConfig }> {
  const cloud = JSON.parse(await options.objects.getText(key)) as CloudRunConfig;
  const modelDir = join(options.workRoot, "bundles", cloud.bundle.hash);
  if (!(await stat(modelDir).catch(() => undefined))) {
    await mkdir(join(options.workRoot, "bundles"), { recursive: true });
    const staging = await mkdtemp(join(options.workRoot, "bundles", ".incoming-"));
    const archive = join(staging, "bundle.tar.gz");
    await options.objects.download(cloud.bundle.key, archive);
    await extractBundleArchive(archive, join(staging, "model"));
    await rename(join(staging, "model"), modelDir).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOTEMPTY" && e.code !== "EEXIST") throw e; // another worker got there first
    });
    await rm(staging, { recursive: true, force: true });
  }
  const bundle = await hashModelBundle(modelDir);
  const templates = await Promise.all(
    cloud.templates.map(async (t) => ({
      source: join(modelDir, t.template),
      writes: t.writes,
      parsed: parseTemplate(await readFile(join(modelDir, t.template)), t.template),
    })),
  );
  const instructions = await Promise.all(
    cloud.instructions.map(async (i) => ({
      reads: i.reads,
      parsed: parseInstructions(await readFile(join(modelDir, i.file)), i.file),
    })),
  );
  const run: RunConfig = {
    project: cloud.project,
    scenario: cloud.scenario,
    modelDir,
    bundle: { files: bundle.files, dirs: bundle.dirs },
    command: cloud.command,
    shell: cloud.shell,
    env: cloud.env,
    timeoutSeconds: cloud.timeoutSeconds,
    templates,
    instructions,
    success: cloud.success,
    keep: cloud.keep,
    transforms: transformsFromList(cloud.transforms ?? []),
  };
  return { cloud, run };
}
