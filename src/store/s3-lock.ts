// The run lock of a cloud run set: one object in the run set's S3 folder that keeps two
// `modelfleet run --executor ecs` (or a run and a `stop`) of one scenario apart.
//
// S3's conditional writes make every step single-winner:
// - take: PUT with `If-None-Match: *`; only one creator of the key succeeds.
// - renew (every ttl/4 while held): PUT with `If-Match: <our ETag>`; a 412 means someone took the
//   lock over, and the holder is told through `lost`.
// - take over (the lock has expired, or --force): PUT with `If-Match: <the ETag read>`; of two
//   takers of the same expired lock, only the first matches.
// - release: DELETE with `If-Match: <our ETag>`, so a lock taken over meanwhile is left alone.
// The holder (host, pid, start, command, expiry) is the object's JSON body. Expiry is judged
// on the reader's clock against the time the holder wrote: clocks must agree to well within the
// lock's lifetime (2 minutes by default), which NTP gives.
import { randomUUID } from "node:crypto";
import os from "node:os";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type Clock, systemClock } from "../engine/clock.ts";
import { errorMessage, UserError } from "../errors.ts";
import { RUN_LOCKED_EXIT_CODE } from "./run-lock.ts";
import { describeS3Failure, httpStatus, type S3Target } from "./s3-store.ts";

/** The lock object's name in the run set's folder. */
export const CLOUD_LOCK_FILE = "run.lock";
const DEFAULT_TTL_MS = 2 * 60_000;
/** Rounds of "changed under us" before giving up (each means another writer succeeded). */
const MAX_ROUNDS = 5;

export interface CloudLockHolder {
  readonly host: string;
  readonly pid: number;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly command: string;
  /** ISO 8601: after this, the lock may be taken over. */
  readonly expiresAt: string;
  /** Tells this holder's writes from another's with the same host and pid. */
  readonly token: string;
}

/** Why a held lock was lost, as `lost.reason`. */
export interface CloudLockLoss {
  readonly message: string;
  /** Who holds it now, when known. */
  readonly holder?: CloudLockHolder;
}

export interface CloudLock {
  readonly key: string;
  readonly holder: CloudLockHolder;
  /** The previous holder, when this lock was taken over. */
  readonly tookOver?: CloudLockHolder | { readonly unreadable: true };
  /** Aborts (reason: CloudLockLoss) when the lock was taken over or could not be renewed. */
  readonly lost: AbortSignal;
  /** Stops renewing and deletes the lock if it is still ours. Never throws; safe to repeat. */
  release(): Promise<void>;
  /** Stops renewing without deleting: what a killed process leaves. For tests. */
  abandon(): void;
}

export interface CloudLockOptions {
  readonly target: S3Target;
  readonly key: string;
  /** The command line, for the holder. */
  readonly command: string;
  /** How the refusal message tells the user to follow the holder's run. */
  readonly unlockHint: string;
  /** Take the lock over even though its holder is alive. */
  readonly force?: boolean;
  readonly ttlMs?: number;
  readonly clock?: Clock;
}

interface Read {
  readonly etag: string;
  /** Undefined when the object is not a readable lock. */
  readonly holder: CloudLockHolder | undefined;
}

/** The lock object as it is now, or undefined when there is none. */
export async function readCloudLock(target: S3Target, key: string): Promise<Read | undefined> {
  let text: string;
  let etag: string;
  try {
    const out = await target.client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    text = await out.Body!.transformToString();
    etag = out.ETag ?? "";
  } catch (e) {
    if (httpStatus(e) === 404) return undefined;
    throw await describeS3Failure(target, e, { action: "read", key });
  }
  return { etag, holder: parseHolder(text) };
}

/** Takes the lock, taking over an expired one (or any, with `force`); refuses otherwise. */
export async function acquireCloudLock(options: CloudLockOptions): Promise<CloudLock> {
  const { target, key } = options;
  const clock = options.clock ?? systemClock;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const base = {
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date(clock.now()).toISOString(),
    command: options.command,
    token: randomUUID(),
  };
  const holderNow = (): CloudLockHolder => ({
    ...base,
    expiresAt: new Date(clock.now() + ttlMs).toISOString(),
  });

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const holder = holderNow();
    const created = await put(target, key, holder, { IfNoneMatch: "*" });
    if (created !== "changed") return hold({ options, clock, ttlMs, holder, etag: created });
    const current = await readCloudLock(target, key);
    if (current === undefined) continue; // released meanwhile: try to create it again
    const expired = current.holder === undefined || Date.parse(current.holder.expiresAt) <= clock.now();
    if (!expired && !options.force) {
      throw new UserError(lockedMessage(target, key, current.holder!, options.unlockHint), {
        exitCode: RUN_LOCKED_EXIT_CODE,
      });
    }
    const taken = await put(target, key, holder, { IfMatch: current.etag });
    if (taken === "changed") continue; // another taker was first: look again
    return hold({
      options,
      clock,
      ttlMs,
      holder,
      etag: taken,
      tookOver: current.holder ?? { unreadable: true },
    });
  }
  throw new UserError(
    `could not take the run lock s3://${target.bucket}/${key}: it changed under ${MAX_ROUNDS} attempts in a row; is another run starting? Try again.`,
    { exitCode: RUN_LOCKED_EXIT_CODE },
  );
}

function hold(args: {
  options: CloudLockOptions;
  clock: Clock;
  ttlMs: number;
  holder: CloudLockHolder;
  etag: string;
  tookOver?: CloudLockHolder | { readonly unreadable: true };
}): CloudLock {
  const { options, clock, ttlMs } = args;
  const { target, key } = options;
  let holder = args.holder;
  let etag = args.etag;
  const lostController = new AbortController();
  const ended = new AbortController();
  const lose = (loss: CloudLockLoss) => {
    if (!lostController.signal.aborted) lostController.abort(loss);
  };

  const renewing = (async () => {
    while (!ended.signal.aborted && !lostController.signal.aborted) {
      await clock.sleep(ttlMs / 4, ended.signal);
      if (ended.signal.aborted) return;
      const next: CloudLockHolder = { ...holder, expiresAt: new Date(clock.now() + ttlMs).toISOString() };
      try {
        const outcome = await put(target, key, next, { IfMatch: etag });
        if (outcome === "changed") {
          const now = await readCloudLock(target, key).catch(() => undefined);
          lose({
            message: now?.holder
              ? `the run lock s3://${target.bucket}/${key} was taken over by \`${now.holder.command}\` (pid ${now.holder.pid} on ${now.holder.host})`
              : `the run lock s3://${target.bucket}/${key} was removed by someone else`,
            ...(now?.holder ? { holder: now.holder } : {}),
          });
          return;
        }
        holder = next;
        etag = outcome;
      } catch (e) {
        // Tried again at the next renewal, unless the lock runs out first.
        if (clock.now() + ttlMs / 4 >= Date.parse(holder.expiresAt)) {
          lose({
            message: `the run lock s3://${target.bucket}/${key} could not be renewed before it expired: ${errorMessage(e)}`,
          });
          return;
        }
      }
    }
  })();

  let released: Promise<void> | undefined;
  return {
    key,
    get holder() {
      return holder;
    },
    ...(args.tookOver ? { tookOver: args.tookOver } : {}),
    lost: lostController.signal,
    release() {
      released ??= (async () => {
        ended.abort();
        await renewing;
        if (lostController.signal.aborted) return;
        try {
          await target.client.send(
            new DeleteObjectCommand({ Bucket: target.bucket, Key: key, IfMatch: etag }),
          );
        } catch {
          // Taken over meanwhile (412), or S3 unreachable: the lock then expires by itself.
        }
      })();
      return released;
    },
    abandon() {
      ended.abort();
    },
  };
}

/** PUTs the holder under a condition: its new ETag, or "changed" when the condition failed. */
async function put(
  target: S3Target,
  key: string,
  holder: CloudLockHolder,
  condition: { readonly IfNoneMatch: "*" } | { readonly IfMatch: string },
): Promise<string | "changed"> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await target.client.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: key,
          Body: `${JSON.stringify({ schema: 1, ...holder }, null, 2)}\n`,
          ContentType: "application/json",
          ...condition,
        }),
      );
      return out.ETag ?? "";
    } catch (e) {
      const status = httpStatus(e);
      // 404 answers If-Match on a key that is gone.
      if (status === 412 || status === 404) return "changed";
      // 409: concurrent conditional writes; S3 asks for another try.
      if (status === 409 && attempt < 3) continue;
      throw await describeS3Failure(target, e, { action: "write", key });
    }
  }
}

function parseHolder(text: string): CloudLockHolder | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (
      typeof v.host === "string" &&
      typeof v.pid === "number" &&
      typeof v.startedAt === "string" &&
      typeof v.command === "string" &&
      typeof v.expiresAt === "string" &&
      !Number.isNaN(Date.parse(v.expiresAt)) &&
      typeof v.token === "string"
    ) {
      return {
        host: v.host,
        pid: v.pid,
        startedAt: v.startedAt,
        command: v.command,
        expiresAt: v.expiresAt,
        token: v.token,
      };
    }
  } catch {
    // not JSON
  }
  return undefined;
}

function lockedMessage(target: S3Target, key: string, holder: CloudLockHolder, hint: string): string {
  return [
    `another run holds s3://${target.bucket}/${key}: \`${holder.command}\`, pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}; its lock is renewed while it runs and expires at ${holder.expiresAt} if it stops renewing.`,
    `Wait for it to end (${hint}), or wait until the lock expires, or, after checking that it is not running, take the lock over now with --force.`,
  ].join("\n");
}
