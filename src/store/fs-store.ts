// The result store on a local disk, in the layout of result-store.ts.
//
// Every file is written to a hidden temp file beside its target, fsynced, and renamed into
// place, so a reader (or a run after a crash or SIGKILL) sees the old file or the whole new
// one, never part of one. Leftover temp files are hidden and never read.
//
// publishResult is exactly once per result, across threads and processes:
// - No result.json yet: the new one is hard-linked into place, which fails if another
//   publisher got there first; then we compare keys with theirs.
// - A result.json this one supersedes (another key, or an infrastructure failure that a
//   settled result now replaces): the publisher first takes a claim named after the
//   existing file's content (a lock file, see run-lock.ts), checks under it that the file
//   is unchanged, and renames the new result over it. Publishers that lose the claim wait
//   for the winner and then find its result in place.
// So of any number of concurrent publishers of one id and key, exactly one is told
// "published". Afterwards the files of the attempt that lost, or of the result replaced,
// are removed. (A publisher stalled for over 10 s while holding a claim, e.g. a laptop
// suspended mid-publish, is presumed dead and may be overtaken.)
import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsync,
  open,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { mkdir, open as openHandle, readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import pLimit from "p-limit";
import { errorMessage, UserError } from "../errors.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import { type NewPlan, nextPlanRecord, PLAN_FILE, type PlanRecord, parsePlanRecord } from "./plan-record.ts";
import { readAhead } from "./read-ahead.ts";
import {
  attemptFolder,
  checkRelativePath,
  checkScenarioPath,
  checkSegment,
  type PublishOptions,
  parseResult,
  storedPath,
  supersedes,
} from "./result-rules.ts";
import type {
  AttemptFile,
  PublishOutcome,
  ResultStore,
  ResultVersion,
  RunSetFileContent,
  RunSetRef,
  StoredFile,
} from "./result-store.ts";
import {
  CLAIM_STALE_MS,
  isErrno,
  linkIfAbsent,
  replaceFile,
  tempPathFor,
  tryCreateLockFile,
} from "./run-lock.ts";
import { type PublishAttemptOutcome, tidyAfterPublish } from "./tidy-after-publish.ts";

const RESULT_FILE = "result.json";
/** Files read at once by listResults: enough to hide latency, well under fd limits. */
const LIST_CONCURRENCY = 64;
/** A publisher holding a replace claim needs a few file operations; give up waiting for
 * one after this long. */
const PUBLISH_WAIT_MS = 60_000;

export function createFsResultStore(root: string): ResultStore {
  return new FsResultStore(root);
}

export class FsResultStore implements ResultStore {
  readonly location: string;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  runSetLocation(runSet: RunSetRef): string {
    return path.join(
      this.location,
      checkSegment(runSet.project, "project name"),
      ...checkScenarioPath(runSet.scenario),
    );
  }

  async getResult(runSet: RunSetRef, id: string): Promise<RealisationResult | undefined> {
    return readResult(path.join(this.realisationDir(runSet, id), RESULT_FILE));
  }

  async listResults(runSet: RunSetRef): Promise<RealisationResult[]> {
    const results: RealisationResult[] = [];
    for await (const r of this.eachResult(runSet)) results.push(r);
    return results;
  }

  async *eachResult(runSet: RunSetRef): AsyncGenerator<RealisationResult> {
    const dir = this.realisationsDir(runSet);
    yield* readAhead(await realisationFolders(dir), LIST_CONCURRENCY, (name) =>
      readResult(path.join(dir, name, RESULT_FILE)),
    );
  }

  async listResultVersions(runSet: RunSetRef): Promise<ResultVersion[]> {
    const dir = this.realisationsDir(runSet);
    const versions = await pLimit(LIST_CONCURRENCY).map(await realisationFolders(dir), async (id) => {
      try {
        const s = await stat(path.join(dir, id, RESULT_FILE), { bigint: true });
        // A result.json is only ever replaced (a new file renamed over it): a new inode.
        return { id, version: `${s.ino}:${s.size}:${s.mtimeNs}` };
      } catch (e) {
        if (isErrno(e, "ENOENT")) return undefined;
        throw e;
      }
    });
    return versions.filter((v) => v !== undefined);
  }

  async putFile(
    file: AttemptFile & { readonly path: string; readonly localPath: string },
  ): Promise<StoredFile> {
    const { runSet, id, localPath } = file;
    const stored = `${attemptFolder(file.attempt)}/files/${storedPath(file.path, `kept file "${file.path}" of realisation ${file.id}`)}`;
    const segments = checkRelativePath(stored, `kept file "${file.path}" of realisation ${id}`);
    const target = path.join(this.realisationDir(runSet, id), ...segments);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    const hash = createHash("sha256");
    let size = 0;
    try {
      await pipeline(
        createReadStream(localPath, { highWaterMark: 1 << 20 }),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp, { flags: "wx", flush: true }),
      );
      await replaceFile(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new Error(`could not keep ${localPath} as ${target}: ${errorMessage(e)}`, { cause: e });
    }
    return { size, sha256: hash.digest("hex"), stored };
  }

  async putLog(log: AttemptFile & { readonly text: string }): Promise<string> {
    const stored = `${attemptFolder(log.attempt)}/log.txt`;
    await writeFileAtomic(path.join(this.realisationDir(log.runSet, log.id), ...stored.split("/")), log.text);
    return stored;
  }

  async discardAttempt(attempt: AttemptFile): Promise<void> {
    const realisation = this.realisationDir(attempt.runSet, attempt.id);
    const dir = path.join(realisation, ...attemptFolder(attempt.attempt).split("/"));
    await rm(dir, { recursive: true, force: true });
    // Folders left empty go too (rmdir refuses a folder with anything in it).
    for (const parent of [path.dirname(dir), realisation]) {
      await rmdir(parent).catch(() => {});
    }
  }

  async startPlan(runSet: RunSetRef, plan: NewPlan): Promise<PlanRecord> {
    const record = nextPlanRecord(await this.currentPlan(runSet), plan, new Date());
    await writeFileAtomic(path.join(this.runSetLocation(runSet), PLAN_FILE), `${JSON.stringify(record)}\n`);
    return record;
  }

  async currentPlan(runSet: RunSetRef): Promise<PlanRecord | undefined> {
    return readRecord(
      path.join(this.runSetLocation(runSet), PLAN_FILE),
      parsePlanRecord,
      "plan",
      "Delete it: the next `modelfleet run` writes it again",
    );
  }

  async publishResult(result: RealisationResult, options: PublishOptions = {}): Promise<PublishOutcome> {
    return tidyAfterPublish(result, await this.#publish(result, options), (r) => this.#discardFilesOf(r));
  }

  async #discardFilesOf(result: RealisationResult): Promise<void> {
    if (result.attempt !== undefined) {
      await this.discardAttempt({ runSet: result, id: result.id, attempt: result.attempt });
      return;
    }
    // A result written before attempts had folders of their own.
    const dir = this.realisationDir(result, result.id);
    await rm(path.join(dir, "files"), { recursive: true, force: true });
    await rm(path.join(dir, "log.txt"), { force: true });
  }

  async #publish(result: RealisationResult, options: PublishOptions): Promise<PublishAttemptOutcome> {
    const dir = this.realisationDir(result, result.id);
    const final = path.join(dir, RESULT_FILE);
    // The common repeat (a re-run of a settled realisation) needs no temp file or fsync. A
    // realisation folder made just now holds no result to look for (looking is only a shortcut:
    // the link below is what decides). Looked for through the thread pool: a name not there is
    // looked up in the realisations' folder, which waits while another publish makes a folder
    // in it.
    const made = (await mkdir(dir, { recursive: true })) !== undefined;
    const existing = made ? undefined : readSnapshot(await readIfThere(final));
    if (existing && !supersedes(result, existing.result, options))
      return { published: false, current: existing.result };
    const tmp = tempPathFor(final);
    await writeDurably(tmp, `${JSON.stringify(result, null, 2)}\n`);
    const giveUpAt = Date.now() + PUBLISH_WAIT_MS;
    try {
      for (;;) {
        if (await linkIfAbsent(tmp, final)) {
          await syncDir(dir);
          return { published: true, replaced: undefined };
        }
        const current = readSnapshot(readIfThereNow(final));
        if (!current) continue; // deleted by hand meanwhile: try again
        if (!supersedes(result, current.result, options))
          return { published: false, current: current.result };

        const claim = await tryCreateLockFile(
          path.join(dir, `.${RESULT_FILE}.replace-${current.digest.slice(0, 16)}`),
          `publish ${result.project}/${result.scenario}/${result.id}`,
          { staleAfterMs: CLAIM_STALE_MS },
        );
        if ("lock" in claim) {
          try {
            // Only a holder of this claim may replace this content, so if it is still in
            // place it stays until our rename.
            const again = readSnapshot(readIfThereNow(final));
            if (again?.digest === current.digest) {
              await replaceFile(tmp, final);
              await syncDir(dir);
              return { published: true, replaced: current.result };
            }
          } finally {
            await claim.lock.release();
          }
        } else {
          if (Date.now() > giveUpAt) {
            throw new Error(
              `could not publish ${final}: another process has been replacing it for ${PUBLISH_WAIT_MS / 1000} s ` +
                `(${claim.holder.owner?.command ?? "unknown"}, pid ${claim.holder.owner?.pid ?? "unknown"})`,
            );
          }
          await sleep(2 + Math.random() * 10);
        }
      }
    } finally {
      removeIfThere(tmp);
    }
  }

  async putRunSetFile(runSet: RunSetRef, name: string, content: RunSetFileContent): Promise<void> {
    const segments = checkRelativePath(name, `run set file "${name}"`);
    await writeFileAtomic(path.join(this.runSetLocation(runSet), ...segments), content);
  }

  async getRunSetFile(runSet: RunSetRef, name: string): Promise<Uint8Array | undefined> {
    const segments = checkRelativePath(name, `run set file "${name}"`);
    try {
      const bytes = await readFile(path.join(this.runSetLocation(runSet), ...segments));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (e) {
      if (isErrno(e, "ENOENT")) return undefined;
      throw e;
    }
  }

  private realisationsDir(runSet: RunSetRef): string {
    return path.join(this.runSetLocation(runSet), "realisations");
  }

  private realisationDir(runSet: RunSetRef, id: string): string {
    return path.join(this.runSetLocation(runSet), "realisations", checkSegment(id, "realisation id"));
  }
}

/** The realisations' folders (their ids), none when the run set has none yet. */
async function realisationFolders(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => !name.startsWith("."));
  } catch (e) {
    if (isErrno(e, "ENOENT")) return [];
    throw e;
  }
}

function readResult(file: string): Promise<RealisationResult | undefined> {
  return readRecord(
    file,
    parseResult,
    "result",
    "Delete it and the realisation will run again on the next `modelfleet run`",
    "edited or truncated",
  );
}

/** A JSON record the store wrote (a result, the plan), or undefined when there is none; one
 * that cannot be read says so, with what to do. */
async function readRecord<T>(
  file: string,
  parse: (text: string) => T | string,
  what: string,
  fix: string,
  damage = "edited",
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    // ENOTDIR: a stray file where a realisation folder belongs.
    if (isErrno(e, "ENOENT", "ENOTDIR")) return undefined;
    throw e;
  }
  const parsed = parse(text);
  if (typeof parsed === "string") {
    throw new UserError(
      `${file} is not a readable modelfleet ${what} (${parsed}); it was probably ${damage} by hand. ${fix}`,
    );
  }
  return parsed;
}

interface Snapshot {
  /** sha256 of the bytes: which version of the file this is. */
  readonly digest: string;
  readonly result: RealisationResult | undefined;
}

/** A file's bytes, or undefined when there is none. */
async function readIfThere(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    if (isErrno(e, "ENOENT")) return undefined;
    throw e;
  }
}

/** readIfThere at once, for a file just found there (our link failed on it): one read of a
 * file in the page cache. */
function readIfThereNow(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if (isErrno(e, "ENOENT")) return undefined;
    throw e;
  }
}

function readSnapshot(bytes: Buffer | undefined): Snapshot | undefined {
  if (bytes === undefined) return undefined;
  const parsed = parseResult(bytes.toString("utf8"));
  return {
    digest: createHash("sha256").update(bytes).digest("hex"),
    result: typeof parsed === "string" ? undefined : parsed,
  };
}

/** Writes `target` via a temp file beside it, so it is replaced whole or not at all. */
async function writeFileAtomic(target: string, content: RunSetFileContent): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeDurably(tmp, content);
    await replaceFile(tmp, target);
  } catch (e) {
    removeIfThere(tmp);
    throw e;
  }
}

const openFd = promisify(open);
const fsyncFd = promisify(fsync);

/**
 * Creates `file` and flushes it to disk, so a rename after it cannot leave an empty file
 * after a power cut. Of the calls this takes, those that make a file or folder and those that
 * wait on the disk go through the thread pool: while other files are flushed, making one can
 * wait on the file system's journal for most of a millisecond, and the event loop must not.
 * Writing one piece into the page cache and closing are synchronous calls of microseconds,
 * where each trip through the thread pool costs the event loop some 20 µs (an engine
 * publishes hundreds of results a second).
 */
async function writeDurably(file: string, content: RunSetFileContent): Promise<void> {
  if (typeof content !== "string" && !(content instanceof Uint8Array)) {
    const handle = await openHandle(file, "wx");
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return;
  }
  const fd = await openFd(file, "wx");
  try {
    writeFileSync(fd, content);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries, so a published result.json survives a power cut. Not
 * possible everywhere (Windows cannot open folders); there, the rename is all we have. */
async function syncDir(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    await fsyncFd(fd);
  } catch (e) {
    if (!isErrno(e, "EISDIR", "EPERM", "EACCES", "EINVAL", "ENOTSUP", "EBADF")) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Deletes a file of ours if it is there (a temp file left by a publish that failed). */
function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // not there, or not ours to delete any more
  }
}
