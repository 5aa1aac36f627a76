// Lock files: the run lock that keeps two `modelfleet run`s of one scenario apart, and the
// short-lived claims the file store takes to replace a stale result.json.
//
// A lock file is written whole to a temp file and then hard-linked into place, which
// fails if the lock exists: it is never seen half-written and only one creator wins.
// A lock whose process is gone (or whose content is unreadable) is stale and may be taken
// over. Takers-over must not both win, and must not replace a lock some other taker-over
// has just made, so each first takes a second lock named after the stale lock's content
// ("<lock>.takeover-<digest>"), checks under it that the stale lock is still in place,
// then renames its own lock over it. That claim is itself a lock file, so a taker-over
// that dies holding it is recovered from the same way.
import { createHash, randomBytes } from "node:crypto";
import { linkSync, readFileSync, renameSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { UserError } from "../errors.ts";

/** What a lock file says about the process that holds it. */
export interface LockOwner {
  readonly pid: number;
  readonly hostname: string;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly command: string;
}

/**
 * held: the process is running on this machine. stale: it is not, or the file is not a
 * lock file; the next run takes it over. unknown: it was written on another machine,
 * whose processes cannot be checked from here.
 */
export type LockState = "held" | "stale" | "unknown";

export interface LockHolder {
  readonly path: string;
  /** Undefined when the file cannot be read as a lock file. */
  readonly owner: LockOwner | undefined;
  readonly state: LockState;
}

export interface RunLock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Removes the lock file if it is still ours. Safe to call more than once. */
  release(): Promise<void>;
}

export const RUN_LOCK_FILE = "run.lock";
/** Exit code of `modelfleet run` when another run holds the lock. */
export const RUN_LOCKED_EXIT_CODE = 3;

/**
 * Takes `<dir>/run.lock` for this process, creating `dir` if needed. Throws a UserError
 * naming the holder if another live run has it; takes over a stale one.
 * `statusCommand` (e.g. "modelfleet status projects/demo/base.yaml") goes in that message.
 */
export async function acquireRunLock(
  dir: string,
  info: { command: string; statusCommand?: string /** What `dir` is, for the message. */; what?: string },
): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const outcome = await tryCreateLockFile(path.join(dir, RUN_LOCK_FILE), info.command);
  if ("lock" in outcome) return outcome.lock;
  const message = runLockedMessage(outcome.holder, info.statusCommand);
  throw new UserError(info.what ? `${message} (${dir} is ${info.what})` : message, {
    exitCode: RUN_LOCKED_EXIT_CODE,
  });
}

/** A run holding the run lock, as `modelfleet status` shows it. */
export interface RunLockHolder extends LockOwner {
  readonly path: string;
  /** held: running on this machine; unknown: written on another machine, so perhaps. */
  readonly state: "held" | "unknown";
}

/**
 * Who is running in `dir`, for `modelfleet status`: undefined when nobody is (no lock, or
 * a stale one left by a run that died, which the next run takes over).
 */
export async function readRunLock(dir: string): Promise<RunLockHolder | undefined> {
  const snapshot = await readLockFile(path.join(dir, RUN_LOCK_FILE));
  if (!snapshot?.owner || snapshot.state === "stale") return undefined;
  return { ...snapshot.owner, path: snapshot.path, state: snapshot.state };
}

function runLockedMessage(holder: LockHolder, statusCommand: string | undefined): string {
  const owner = holder.owner!;
  const started = describeTime(owner.startedAt);
  if (holder.state === "unknown") {
    return (
      `another modelfleet run on ${owner.hostname} (pid ${owner.pid}, started ${started}, \`${owner.command}\`) ` +
      `holds ${holder.path}; wait for it to finish or stop it there. If no run is active on ` +
      `${owner.hostname} any more, delete ${holder.path} and try again`
    );
  }
  return (
    `another modelfleet run (pid ${owner.pid}, started ${started}, \`${owner.command}\`) holds ${holder.path}; ` +
    `wait for it to finish, watch it with \`${statusCommand ?? "modelfleet status"}\`, ` +
    `or stop it with Ctrl-C in its terminal`
  );
}

/** "2026-11-23 18:00 UTC" */
function describeTime(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t)
    ? "at an unknown time"
    : `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

// ---- Lock files ----------------------------------------------------------------------

/** A takeover claim is held for a few file operations; one older than this belongs to a
 * process that died or hung mid-takeover (checked by age too, for claims made on another
 * machine sharing the folder, and for pids reused since). */
export const CLAIM_STALE_MS = 10_000;
/** How long to keep waiting for other processes' takeovers before giving up. */
const MAX_WAIT_MS = 3 * CLAIM_STALE_MS;

export interface LockFile {
  readonly path: string;
  readonly owner: LockOwner;
  release(): Promise<void>;
}

interface LockSnapshot extends LockHolder {
  /** sha256 of the file's bytes: which instance of the lock this is. */
  readonly digest: string;
}

/**
 * Creates the lock file `file` (whose folder must exist), taking over a stale one.
 * Returns the lock, or the live holder (state "held" or "unknown") without waiting for it.
 * With `staleAfterMs`, a lock older than that counts as stale whoever holds it.
 */
export async function tryCreateLockFile(
  file: string,
  command: string,
  options: { staleAfterMs?: number } = {},
): Promise<{ lock: LockFile } | { holder: LockHolder }> {
  const owner: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    command,
  };
  const content = `${JSON.stringify(owner, null, 2)}\n`;
  const lock = lockFile(file, owner, content);
  const tmp = tempPathFor(file);
  await writeFile(tmp, content, { flag: "wx" });
  const giveUpAt = Date.now() + MAX_WAIT_MS;
  try {
    for (;;) {
      if (await linkIfAbsent(tmp, file)) return { lock };
      const current = await readLockFile(file, options.staleAfterMs);
      if (!current) continue; // released between the two calls: try again
      if (current.state !== "stale") return { holder: current };

      const claim = await tryCreateLockFile(
        `${file}.takeover-${current.digest.slice(0, 16)}`,
        `take over ${file}`,
        {
          staleAfterMs: CLAIM_STALE_MS,
        },
      );
      if ("lock" in claim) {
        try {
          // Under the claim, nobody else can replace this instance of the lock; if it is
          // still in place it is ours to replace.
          const again = await readLockFile(file, options.staleAfterMs);
          if (again?.digest === current.digest) {
            await replaceFile(tmp, file);
            return { lock };
          }
        } finally {
          await claim.lock.release();
        }
      } else {
        // Another process is taking over; it will hold the lock in a moment.
        if (Date.now() > giveUpAt) {
          throw new Error(
            `could not take over the stale lock ${file}: another process has been taking it over for ` +
              `${MAX_WAIT_MS / 1000} s; make sure no modelfleet is running, delete ${file} and its ` +
              `.takeover-* files, and try again`,
          );
        }
        await sleep(2 + Math.random() * 10);
      }
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

function lockFile(file: string, owner: LockOwner, content: string): LockFile {
  return {
    path: file,
    owner,
    async release() {
      // Only ours: after a takeover (we were judged dead or hung) the file is someone else's.
      let raw: string;
      try {
        raw = await readFile(file, "utf8");
      } catch (e) {
        if (isErrno(e, "ENOENT")) return;
        throw e;
      }
      if (raw === content) await rm(file, { force: true });
    },
  };
}

async function readLockFile(file: string, staleAfterMs?: number): Promise<LockSnapshot | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if (isErrno(e, "ENOENT")) return undefined;
    throw e;
  }
  const owner = parseOwner(bytes.toString("utf8"));
  return {
    path: file,
    owner,
    state: lockState(owner, staleAfterMs),
    digest: createHash("sha256").update(bytes).digest("hex"),
  };
}

function parseOwner(text: string): LockOwner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (
    typeof v["pid"] !== "number" ||
    !Number.isInteger(v["pid"]) ||
    v["pid"] <= 0 ||
    typeof v["hostname"] !== "string" ||
    typeof v["startedAt"] !== "string" ||
    typeof v["command"] !== "string"
  ) {
    return undefined;
  }
  return { pid: v["pid"], hostname: v["hostname"], startedAt: v["startedAt"], command: v["command"] };
}

function lockState(owner: LockOwner | undefined, staleAfterMs: number | undefined): LockState {
  if (!owner) return "stale";
  if (staleAfterMs !== undefined && Date.now() - Date.parse(owner.startedAt) > staleAfterMs) return "stale";
  if (owner.hostname !== os.hostname()) return "unknown";
  return isProcessAlive(owner.pid) && !startedAfter(owner.pid, Date.parse(owner.startedAt))
    ? "held"
    : "stale";
}

/** Slack for the start time of a process, which Linux gives in whole seconds of boot time. */
const START_SLACK_MS = 5000;

/**
 * True when the process with this pid started after the lock was written (so it reused the
 * pid of the lock's dead owner, after a reboot say). Only Linux tells; elsewhere false.
 */
function startedAfter(pid: number, lockedAt: number): boolean {
  if (process.platform !== "linux" || Number.isNaN(lockedAt)) return false;
  try {
    const bootSeconds = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    // The command name (2nd field) may hold spaces and parentheses: count from its end.
    // Then the 20th field is the start time in ticks of 1/100 s (USER_HZ) since boot.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const startTicks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    if (!Number.isFinite(bootSeconds) || !Number.isFinite(startTicks)) return false;
    return bootSeconds * 1000 + startTicks * 10 > lockedAt + START_SLACK_MS;
  } catch {
    return false;
  }
}

/** True when a process with this pid exists on this machine (EPERM: it exists but is
 * another user's). */
export function isProcessAlive(pid: number): boolean {
  // kill(0) and negative pids signal process groups: never ask about those.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, "EPERM");
  }
}

// ---- Small file-system helpers shared with the file store ----------------------------

/** A unique temp file name beside `file`, hidden, so listings and globs pass it by. */
export function tempPathFor(file: string): string {
  const base = path.basename(file).replace(/^\.+/, "");
  // A file name holds 255 bytes: a long name's temp file is named by a hash of it instead, so
  // a name that fits gets a temp file that fits too.
  const shown =
    Buffer.byteLength(base) <= 64 ? base : createHash("sha256").update(base).digest("hex").slice(0, 16);
  return path.join(path.dirname(file), `.${shown}.${process.pid}.${nextTempId()}.tmp`);
}

/** 48 bits in 12 hex digits, random for each process and counted up from there: one call to
 * the system's random source per process, not per file (files are created exclusively, so a
 * name taken by another process fails rather than overwrites). */
let tempId = randomBytes(6).readUIntBE(0, 6);
function nextTempId(): string {
  tempId = (tempId + 1) % 2 ** 48;
  return tempId.toString(16).padStart(12, "0");
}

/** Atomically creates `target` as another name of `source`; false if `target` exists. */
export async function linkIfAbsent(source: string, target: string): Promise<boolean> {
  try {
    linkSync(source, target); // metadata only: synchronous, as writeDurably's calls are (fs-store.ts)
    return true;
  } catch (e) {
    if (isErrno(e, "EEXIST")) return false;
    if (isErrno(e, "EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EMLINK")) {
      throw new UserError(
        `cannot create ${target}: the file system of ${path.dirname(target)} does not support hard links, ` +
          `which modelfleet needs to publish files atomically; keep results and run state on a local ` +
          `disk (NTFS, APFS, ext4, XFS, ...), not on FAT/exFAT or a network share`,
        { cause: e },
      );
    }
    throw e;
  }
}

/** rename() over an existing file. On Windows a reader (a virus scanner, an editor) can
 * hold the target open for a moment, so retry briefly there. */
export async function replaceFile(source: string, target: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(source, target); // metadata only, as linkIfAbsent
      return;
    } catch (e) {
      if (process.platform !== "win32" || attempt >= 20 || !isErrno(e, "EPERM", "EACCES", "EBUSY")) throw e;
      await sleep(10 * (attempt + 1));
    }
  }
}

export function isErrno(e: unknown, ...codes: string[]): boolean {
  return typeof e === "object" && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? "");
}
