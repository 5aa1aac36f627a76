// The run lock in S3, against the fake S3 whose proxy decides conditional writes as S3 does.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeS3, startFakeS3 } from "../../test/fake-cloud/s3-proxy.ts";
import { waitFor } from "../../test/helpers/wait.ts";
import { createFakeClock } from "../engine/fake-clock.ts";
import { UserError } from "../errors.ts";
import { RUN_LOCKED_EXIT_CODE } from "./run-lock.ts";
import { acquireCloudLock, type CloudLockOptions, readCloudLock } from "./s3-lock.ts";
import { createS3Client, type S3Target } from "./s3-store.ts";

let s3: FakeS3;
let client: S3Client;
let target: S3Target;
beforeAll(async () => {
  s3 = await startFakeS3({ bucket: "lock-test" });
  client = createS3Client({ endpoint: s3.endpoint, region: s3.region, credentials: s3.credentials });
  target = { client, bucket: s3.bucket };
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

let seq = 0;
const freshKey = () => `t${++seq}/demo/base/run.lock`;

function options(key: string, extra: Partial<CloudLockOptions> = {}): CloudLockOptions {
  return {
    target,
    key,
    command: "modelfleet run base.yaml --executor ecs",
    unlockHint: "follow it with `modelfleet status base.yaml --executor ecs`",
    ...extra,
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

async function body(key: string): Promise<Record<string, unknown>> {
  const out = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
}

describe("the run lock in S3", () => {
  it("lets one of two runs at once take it; the other refuses, naming the holder and how to go on", async () => {
    const key = freshKey();
    const outcomes = await Promise.allSettled([
      acquireCloudLock(options(key, { command: "modelfleet run A" })),
      acquireCloudLock(options(key, { command: "modelfleet run B" })),
    ]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o) => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const lock = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireCloudLock>>>).value;
    const error = (lost[0] as PromiseRejectedResult).reason as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.exitCode).toBe(RUN_LOCKED_EXIT_CODE);
    const holder = lock.holder;
    expect(error.message).toBe(
      [
        `another run holds s3://lock-test/${key}: \`${holder.command}\`, pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}; its lock is renewed while it runs and expires at ${holder.expiresAt} if it stops renewing.`,
        "Wait for it to end (follow it with `modelfleet status base.yaml --executor ecs`), or wait until the lock expires, or, after checking that it is not running, take the lock over now with --force.",
      ].join("\n"),
    );
    await lock.release();
    expect(await readCloudLock(target, key)).toBeUndefined();
  });

  it("an expired lock is taken over by exactly one of two runs", async () => {
    const key = freshKey();
    const clock = createFakeClock(Date.parse("2030-01-01T00:00:00Z"));
    const dead = await acquireCloudLock(
      options(key, { clock, ttlMs: 60_000, command: "modelfleet run dead" }),
    );
    dead.abandon(); // the process died: no renewals, no release
    await clock.advance(61_000);
    const outcomes = await Promise.allSettled([
      acquireCloudLock(options(key, { clock, command: "modelfleet run C" })),
      acquireCloudLock(options(key, { clock, command: "modelfleet run D" })),
    ]);
    const won = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as Error] : []));
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(won[0]!.tookOver).toMatchObject({ command: "modelfleet run dead" });
    expect(refused[0]!.message).toContain(`\`${won[0]!.holder.command}\``);
    expect((await body(key)).command).toBe(won[0]!.holder.command);
    await won[0]!.release();
  });

  it("renews itself while held, so it does not expire under a live run", async () => {
    const key = freshKey();
    const clock = createFakeClock(Date.parse("2030-01-01T00:00:00Z"));
    const lock = await acquireCloudLock(options(key, { clock, ttlMs: 60_000 }));
    // Five lifetimes, a renewal (every quarter of one) at a time.
    for (let i = 0; i < 20; i++) {
      await clock.advance(15_000);
      await waitFor("the renewal", async () =>
        Date.parse(String((await body(key)).expiresAt)) === clock.now() + 60_000 ? true : undefined,
      );
    }
    expect(lock.lost.aborted).toBe(false);
    const error = await rejection(acquireCloudLock(options(key, { clock, command: "modelfleet run late" })));
    expect(error.message).toContain("another run holds");
    await lock.release();
  });

  it("--force takes a live lock over; the old holder learns it at its next renewal and leaves the new lock alone", async () => {
    const key = freshKey();
    const clock = createFakeClock(Date.parse("2030-01-01T00:00:00Z"));
    const first = await acquireCloudLock(
      options(key, { clock, ttlMs: 60_000, command: "modelfleet run first" }),
    );
    const stop = await acquireCloudLock(
      options(key, { clock, ttlMs: 60_000, force: true, command: "modelfleet stop base.yaml" }),
    );
    expect(stop.tookOver).toMatchObject({ command: "modelfleet run first" });
    await clock.advance(25_000);
    await waitFor("the first holder to notice", async () => (first.lost.aborted ? true : undefined));
    expect(first.lost.reason).toMatchObject({ holder: { command: "modelfleet stop base.yaml" } });
    await first.release();
    expect((await body(key)).command).toBe("modelfleet stop base.yaml");
    await stop.release();
    expect(await readCloudLock(target, key)).toBeUndefined();
  });

  it("takes over a lock object that is not a lock (unreadable), and says so", async () => {
    const key = freshKey();
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: "not json" }));
    const lock = await acquireCloudLock(options(key));
    expect(lock.tookOver).toEqual({ unreadable: true });
    await lock.release();
  });
});
