import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeS3, startFakeS3 } from "../../test/fake-cloud/s3-proxy.ts";
import { storedResult } from "../../test/helpers/realisation-results.ts";
import { describeStoreContract } from "../../test/helpers/store-contract.ts";
import type { Clock } from "../engine/clock.ts";
import { createFakeClock, type FakeClock } from "../engine/fake-clock.ts";
import { UserError } from "../errors.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import type { RunSetRef } from "./result-store.ts";
import {
  createS3Client,
  createS3ResultStore,
  downloadObject,
  type S3ClientProps,
  type S3ResultStoreOptions,
  uploadBundleOnce,
} from "./s3-store.ts";

let s3: FakeS3;
let tmp: string;
const clients: S3Client[] = [];
beforeAll(async () => {
  s3 = await startFakeS3({ bucket: "modelfleet-results" });
  tmp = await mkdtemp(path.join(os.tmpdir(), "modelfleet-s3-store-"));
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await s3?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => s3.resetCounters());

let prefixSeq = 0;
/** A store on the fake S3, under a prefix of its own so tests do not see each other. */
function storeFor(
  options: Partial<S3ResultStoreOptions> = {},
  clientProps: Partial<S3ClientProps> = {},
): ReturnType<typeof createS3ResultStore> {
  const client =
    options.client ??
    createS3Client({
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: s3.credentials,
      ...clientProps,
    });
  clients.push(client);
  return createS3ResultStore({ bucket: s3.bucket, prefix: `t${++prefixSeq}/`, ...options, client });
}

const runSet: RunSetRef = { project: "demo", scenario: "base" };

const result = storedResult;

const infrastructureFailure = (fields: Partial<RealisationResult> = {}) =>
  result({
    status: "failed",
    failure: { kind: "infrastructure", reason: "worker_lost", message: "the worker stopped" },
    ...fields,
  });

async function keysUnder(prefix: string): Promise<string[]> {
  const client = clients[0]!;
  const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((c) => c.Key!).sort();
}

async function objectText(client: S3Client, key: string): Promise<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return object.Body!.transformToString();
}

/** Holds every PutObject until `n` have arrived, then lets them all go: the worst case of a
 * race, where every publisher has read "no result yet" before anyone writes. */
function holdPutsUntil(client: S3Client, n: number): void {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "PutObjectCommand") {
        if (++waiting === n) release();
        await all;
      }
      return next(args);
    },
    { step: "initialize", name: "holdPutsUntil" },
  );
}

/** Runs `work` while moving a fake clock along whenever the code under test sleeps on it. */
async function driving<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  settled.catch(() => {});
  while (!done) {
    if (clock.pendingSleeps() > 0) await clock.advance(60_000);
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return work;
}

function recording(clock: FakeClock): { clock: Clock; sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    clock: {
      now: () => clock.now(),
      sleep: (ms, signal) => {
        sleeps.push(ms);
        return clock.sleep(ms, signal);
      },
    },
  };
}

describeStoreContract(
  "S3 result store",
  async () => {
    const store = storeFor();
    const realisation = (id: string) => `${store.runSetKey(runSet)}/realisations/${id}/`;
    return {
      store,
      read: async (id, stored) => {
        try {
          const o = await store.client.send(
            new GetObjectCommand({ Bucket: s3.bucket, Key: `${realisation(id)}${stored}` }),
          );
          return Buffer.from(await o.Body!.transformToByteArray());
        } catch {
          return undefined;
        }
      },
      list: async (id) => (await keysUnder(realisation(id))).map((k) => k.slice(realisation(id).length)),
    };
  },
  () => tmp,
);

describe("S3 result store: layout", () => {
  it("keeps the filesystem layout under <prefix><project>/<scenario>/", async () => {
    const store = storeFor({ prefix: "runs/team-a" });
    expect(store.location).toBe(`s3://${s3.bucket}/runs/team-a`);
    expect(store.runSetLocation(runSet)).toBe(`s3://${s3.bucket}/runs/team-a/demo/base`);

    const local = path.join(tmp, "heads.out");
    await writeFile(local, "1 2 3\n");
    const kept = await store.putFile({
      runSet,
      id: "7",
      attempt: "a1",
      path: "out/heads.out",
      localPath: local,
    });
    expect(kept).toEqual({
      size: 6,
      sha256: createHash("sha256").update("1 2 3\n").digest("hex"),
      stored: "attempts/a1/files/out/heads.out",
    });
    await store.putLog({ runSet, id: "7", attempt: "a1", text: "model said hello\n" });
    expect(await store.publishResult(result({ files: [{ path: "out/heads.out", ...kept }] }))).toBe(
      "published",
    );
    await store.putRunSetFile(runSet, "summary.json", '{"ok":1}\n');
    await store.putRunSetFile(runSet, "charts/heads.svg", new TextEncoder().encode("<svg/>"));

    expect(await keysUnder("runs/team-a/")).toEqual([
      "runs/team-a/demo/base/charts/heads.svg",
      "runs/team-a/demo/base/realisations/7/attempts/a1/files/out/heads.out",
      "runs/team-a/demo/base/realisations/7/attempts/a1/log.txt",
      "runs/team-a/demo/base/realisations/7/result.json",
      "runs/team-a/demo/base/summary.json",
    ]);
    const text = await objectText(store.client, "runs/team-a/demo/base/realisations/7/result.json");
    expect(JSON.parse(text)).toEqual(result({ files: [{ path: "out/heads.out", ...kept }] }));
    expect(await store.getResult(runSet, "7")).toEqual(JSON.parse(text));
    expect(await store.getResult(runSet, "8")).toBeUndefined();
    expect(new TextDecoder().decode(await store.getRunSetFile(runSet, "summary.json"))).toBe('{"ok":1}\n');
    expect(await store.getRunSetFile(runSet, "report.md")).toBeUndefined();
  });

  it("refuses names that would leave their folder, as the filesystem store does", async () => {
    const store = storeFor();
    const local = path.join(tmp, "x.txt");
    await writeFile(local, "x");
    await expect(store.getResult(runSet, "../7")).rejects.toThrow(UserError);
    await expect(store.getResult({ project: "a/b", scenario: "base" }, "7")).rejects.toThrow(
      /project name "a\/b"/,
    );
    await expect(
      store.putFile({ runSet, id: "7", attempt: "a1", path: "../../etc/passwd", localPath: local }),
    ).rejects.toThrow(/climbs out/);
    await expect(
      store.putFile({ runSet, id: "7", attempt: "a1", path: "/abs", localPath: local }),
    ).rejects.toThrow(/absolute/);
    await expect(store.putRunSetFile(runSet, "a\\b", "x")).rejects.toThrow(/forward slashes/);
    expect(s3.requests.total).toBe(0);
  });

  it("uploads a file larger than 16 MiB in 8 MiB parts, hashing it on the way", async () => {
    const store = storeFor();
    const local = path.join(tmp, "big.bin");
    const bytes = randomBytes(17 * 1024 * 1024 + 123);
    await writeFile(local, bytes);
    const kept = await store.putFile({ runSet, id: "7", attempt: "a1", path: "big.bin", localPath: local });
    expect(kept).toEqual({
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      stored: "attempts/a1/files/big.bin",
    });
    expect(s3.count("CreateMultipartUpload")).toBe(1);
    expect(s3.count("UploadPart")).toBe(3);
    expect(s3.count("CompleteMultipartUpload")).toBe(1);
    expect(s3.count("PutObject")).toBe(0);
    const object = await store.client.send(
      new GetObjectCommand({
        Bucket: s3.bucket,
        Key: `${store.runSetKey(runSet)}/realisations/7/attempts/a1/files/big.bin`,
      }),
    );
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
  });

  it("keeps an empty file", async () => {
    const store = storeFor();
    const local = path.join(tmp, "empty.out");
    await writeFile(local, "");
    expect(
      await store.putFile({ runSet, id: "7", attempt: "a1", path: "empty.out", localPath: local }),
    ).toEqual({
      size: 0,
      sha256: createHash("sha256").digest("hex"),
      stored: "attempts/a1/files/empty.out",
    });
    const key = `${store.runSetKey(runSet)}/realisations/7/attempts/a1/files/empty.out`;
    expect(await objectText(store.client, key)).toBe("");
  });

  it("reports a missing local file in words", async () => {
    const store = storeFor();
    await expect(
      store.putFile({
        runSet,
        id: "7",
        attempt: "a1",
        path: "gone.out",
        localPath: path.join(tmp, "gone.out"),
      }),
    ).rejects.toThrow(/could not keep .*gone\.out as s3:\/\/.*files\/gone\.out: ENOENT/);
  });
});

describe("S3 result store: publishing exactly once", () => {
  it("tells exactly one of 10 concurrent publishers of one id and key that it published", async () => {
    const store = storeFor();
    holdPutsUntil(store.client, 10);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.publishResult(result({ worker: `w${i}` }))),
    );
    expect(outcomes.filter((o) => o === "published")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "already-published")).toHaveLength(9);
    const winner = outcomes.indexOf("published");
    expect((await store.getResult(runSet, "7"))?.worker).toBe(`w${winner}`);
    // Every loser was stopped by the condition, not by reading first.
    expect(s3.requests.preconditionFailed).toBe(9);
  });

  it("would let every publisher overwrite without the condition (and the proxy that enforces it)", async () => {
    const store = storeFor();
    holdPutsUntil(store.client, 10);
    store.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        delete request.headers?.["if-none-match"];
        delete request.headers?.["if-match"];
        return next(args);
      },
      { step: "build", name: "stripConditions" },
    );
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.publishResult(result({ worker: `w${i}` }))),
    );
    expect(outcomes.filter((o) => o === "published")).toHaveLength(10);
    // And a plain PUT simply replaces a published result.
    const key = `${store.runSetKey(runSet)}/realisations/7/result.json`;
    await store.client.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: key,
        Body: JSON.stringify(result({ worker: "plain" })),
      }),
    );
    expect((await store.getResult(runSet, "7"))?.worker).toBe("plain");
  });

  it("replaces a stale result (another key) and keeps a settled one", async () => {
    const store = storeFor();
    expect(await store.publishResult(result({ key: "old" }))).toBe("published");
    expect(await store.publishResult(result({ key: "new", worker: "w2" }))).toBe("published");
    expect(await store.getResult(runSet, "7")).toMatchObject({ key: "new", worker: "w2" });
    expect(await store.publishResult(result({ key: "new", worker: "w3" }))).toBe("already-published");
    expect((await store.getResult(runSet, "7"))?.worker).toBe("w2");
    expect(s3.requests.conditionalWrites).toBe(2);
  });

  it("replaces an infrastructure failure with a settled result, once", async () => {
    const store = storeFor();
    expect(await store.publishResult(infrastructureFailure())).toBe("published");
    // Another infrastructure failure does not replace one.
    expect(await store.publishResult(infrastructureFailure({ worker: "w9" }))).toBe("already-published");
    const again = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.publishResult(result({ worker: `w${i}` }))),
    );
    expect(again.filter((o) => o === "published")).toHaveLength(1);
    const stored = await store.getResult(runSet, "7");
    expect(stored?.status).toBe("ok");
    expect(stored?.worker).toBe(`w${again.indexOf("published")}`);
    // A model failure is settled too: a later success with the same key does not replace it.
    const other = storeFor();
    const modelFailure = result({
      status: "failed",
      failure: { kind: "model", reason: "exit_code", message: "exit 1" },
    });
    expect(await other.publishResult(modelFailure)).toBe("published");
    expect(await other.publishResult(result())).toBe("already-published");
  });

  it("replaces concurrently without two replacers both winning", async () => {
    const store = storeFor();
    await store.publishResult(infrastructureFailure());
    holdPutsUntil(store.client, 10);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.publishResult(result({ worker: `w${i}` }))),
    );
    expect(outcomes.filter((o) => o === "published")).toHaveLength(1);
    expect((await store.getResult(runSet, "7"))?.worker).toBe(`w${outcomes.indexOf("published")}`);
  });

  it("still says published when its write succeeded but the answer was lost and the retry got 412", async () => {
    const fake = createFakeClock();
    const store = storeFor({ clock: fake }, { retry: { clock: fake } });
    s3.failNext(1, { dropResponse: true }, { operation: "PutObject", key: /result\.json$/ });
    expect(await driving(fake, store.publishResult(result()))).toBe("published");
    expect(s3.requests.faults).toBe(1);
    expect(s3.requests.preconditionFailed).toBe(1);
    expect(await store.publishResult(result({ worker: "w2" }))).toBe("already-published");
  });

  it("treats an unreadable result.json as replaceable, and reports it in words when read", async () => {
    const store = storeFor();
    const key = `${store.runSetKey(runSet)}/realisations/7/result.json`;
    await store.client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: '{"schema": 1, "id": ' }),
    );
    await expect(store.getResult(runSet, "7")).rejects.toThrow(
      new RegExp(`s3://${s3.bucket}/${key} is not a readable modelfleet result`),
    );
    expect(await store.publishResult(result())).toBe("published");
    expect(await store.getResult(runSet, "7")).toEqual(result());
  });
});

describe("S3 result store: throttling and errors", () => {
  it("retries 503 SlowDown with exponential backoff on the injected clock", async () => {
    const fake = createFakeClock();
    const { clock, sleeps } = recording(fake);
    const store = storeFor({ clock }, { retry: { clock, random: () => 1 } });
    s3.failNext(3, { status: 503, code: "SlowDown" }, { operation: "PutObject" });
    const started = Date.now();
    expect(await driving(fake, store.publishResult(result()))).toBe("published");
    expect(sleeps).toEqual([500, 1000, 2000]);
    expect(s3.count("PutObject")).toBe(4);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("jitters the backoff and gives up after maxAttempts with a plain sentence", async () => {
    const fake = createFakeClock();
    const { clock, sleeps } = recording(fake);
    const store = storeFor({ clock }, { retry: { clock, maxAttempts: 4 } });
    s3.failNext(4, { status: 503, code: "SlowDown" }, { operation: "GetObject" });
    const error = await driving(fake, store.getResult(runSet, "7")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `S3 kept asking to slow down on s3://${s3.bucket}/${store.runSetKey(runSet)}/realisations/7/result.json ` +
        "(4 attempts): run fewer workers at once, or try again later",
    );
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(500 * 2 ** i);
    });
  });

  it("retries server errors but not client errors", async () => {
    const fake = createFakeClock();
    const store = storeFor({ clock: fake }, { retry: { clock: fake } });
    s3.failNext(2, { status: 500, code: "InternalError" }, { operation: "GetObject" });
    expect(await driving(fake, store.getResult(runSet, "7"))).toBeUndefined();
    expect(s3.count("GetObject")).toBe(3);
    s3.resetCounters();
    s3.failNext(1, { status: 400, code: "InvalidRequest", message: "nope" }, { operation: "GetObject" });
    await expect(store.getResult(runSet, "7")).rejects.toThrow(/InvalidRequest: nope/);
    expect(s3.count("GetObject")).toBe(1);
  });

  it("says which bucket does not exist, in which region", async () => {
    const store = storeFor({ bucket: "no-such-bucket-here" });
    const error = await store.getResult(runSet, "7").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `bucket no-such-bucket-here does not exist in region ${s3.region}: check the infrastructure outputs (bucket and region)`,
    );
    await expect(store.publishResult(result())).rejects.toThrow(/bucket no-such-bucket-here does not exist/);
  });

  it("says what permission access denied is about", async () => {
    const store = storeFor();
    const key = `${store.runSetKey(runSet)}/realisations/7/result.json`;
    s3.failNext(1, { status: 403, code: "AccessDenied" }, { operation: "GetObject" });
    await expect(store.getResult(runSet, "7")).rejects.toThrow(
      `access denied to s3://${s3.bucket}/${key}: the task role (or your AWS credentials) needs s3:GetObject on it`,
    );
    s3.failNext(1, { status: 403, code: "AccessDenied" }, { operation: "PutObject" });
    await expect(store.publishResult(result())).rejects.toThrow(/needs s3:PutObject and s3:GetObject on it/);
    s3.failNext(1, { status: 403, code: "AccessDenied" }, { operation: "ListObjectsV2" });
    await expect(store.listResults(runSet)).rejects.toThrow(/needs s3:ListBucket on the bucket/);
  });

  it("refuses an s3:// URL where a bucket name belongs, saying how to split it", () => {
    expect(() => createS3ResultStore({ bucket: "s3://results/runs/a", client: clients[0]! })).toThrow(
      'give the bucket as a name, not a URL: bucket "results" and prefix "runs/a"',
    );
  });
});

describe("S3 result store: listing", () => {
  it("pages through more than 1,000 keys and reads each result with bounded concurrency", async () => {
    const store = storeFor();
    const base = `${store.runSetKey(runSet)}/realisations`;
    const ids = Array.from({ length: 1010 }, (_, i) => `r${String(i).padStart(4, "0")}`);
    const put = (Key: string, Body: string) =>
      store.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body }));
    const writes = [
      ...ids.map((id) => () => put(`${base}/${id}/result.json`, JSON.stringify(result({ id })))),
      // Logs, kept files (one even named result.json) and a realisation with no result yet.
      ...ids.slice(0, 20).map((id) => () => put(`${base}/${id}/log.txt`, "log")),
      ...ids.slice(0, 5).map((id) => () => put(`${base}/${id}/files/result.json`, "not a result")),
      () => put(`${base}/pending/log.txt`, "running"),
    ];
    for (let i = 0; i < writes.length; i += 64) await Promise.all(writes.slice(i, i + 64).map((w) => w()));

    let inFlight = 0;
    let maxInFlight = 0;
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "GetObjectCommand") return next(args);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: "initialize", name: "countInFlight" },
    );
    s3.resetCounters();
    const all = await store.listResults(runSet);
    expect(all.map((r) => r.id).sort()).toEqual(ids);
    expect(s3.count("ListObjectsV2")).toBe(2); // 1,036 keys: S3's 1,000 a page
    expect(s3.count("GetObject")).toBe(1010);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(32);

    s3.resetCounters();
    const small = createS3ResultStore({
      bucket: s3.bucket,
      prefix: store.prefix,
      client: store.client,
      listPageSize: 97,
      listConcurrency: 4,
    });
    maxInFlight = 0;
    expect((await small.listResults(runSet)).length).toBe(1010);
    expect(s3.count("ListObjectsV2")).toBe(Math.ceil(1036 / 97));
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(await storeFor().listResults(runSet)).toEqual([]);

    // Versions come from the listing alone: no result is read.
    s3.resetCounters();
    const versions = await store.listResultVersions(runSet);
    expect(versions.map((v) => v.id).sort()).toEqual(ids);
    expect(s3.count("GetObject")).toBe(0);
    const before = new Map(versions.map((v) => [v.id, v.version]));
    await put(`${base}/r0003/result.json`, JSON.stringify(result({ id: "r0003", status: "failed" })));
    const after = new Map((await store.listResultVersions(runSet)).map((v) => [v.id, v.version]));
    expect([...after].filter(([id, v]) => before.get(id) !== v).map(([id]) => id)).toEqual(["r0003"]);
  });
});

describe("S3 client from the standard AWS environment", () => {
  it("finds the endpoint, region and credentials where the SDK looks for them", async () => {
    const saved = { ...process.env };
    try {
      for (const name of ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION"]) delete process.env[name];
      Object.assign(process.env, s3.env);
      const client = createS3Client();
      clients.push(client);
      expect(await client.config.region()).toBe(s3.region);
      const store = createS3ResultStore({ bucket: s3.bucket, prefix: "from-env", client });
      expect(await store.publishResult(result())).toBe("published");
      expect(s3.count("PutObject")).toBe(1);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });
});

describe("bundle upload and download", () => {
  it("uploads a bundle once and skips it when present", async () => {
    const store = storeFor();
    const local = path.join(tmp, "bundle.tar");
    await writeFile(local, "bundle bytes");
    const key = `${store.prefix}bundles/abc.tar`;
    expect(await uploadBundleOnce(store, key, local)).toBe("uploaded");
    s3.resetCounters();
    expect(await uploadBundleOnce(store, key, local)).toBe("present");
    expect(s3.count("HeadObject")).toBe(1);
    expect(s3.count("PutObject")).toBe(0);
  });

  it("stores a large bundle once when two uploaders race (multipart, If-None-Match on completion)", async () => {
    const store = storeFor();
    const local = path.join(tmp, "big-bundle.tar");
    const bytes = randomBytes(9 * 1024 * 1024);
    await writeFile(local, bytes);
    const key = `${store.prefix}bundles/big.tar`;
    const outcomes = await Promise.all([
      uploadBundleOnce(store, key, local),
      uploadBundleOnce(store, key, local),
    ]);
    expect(outcomes.sort()).toEqual(["present", "uploaded"]);
    expect(s3.count("CompleteMultipartUpload")).toBe(2);
    expect(s3.requests.preconditionFailed).toBe(1);

    const out = path.join(tmp, "downloaded", "bundle.tar");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    expect(await downloadObject(store, key, out, { sha256 })).toEqual({ size: bytes.length, sha256 });
    expect((await readFile(out)).equals(bytes)).toBe(true);
  });

  it("refuses a download whose content is not the expected one, leaving no file", async () => {
    const store = storeFor();
    const key = `${store.prefix}bundles/x.tar`;
    await store.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: "tampered" }));
    const dir = path.join(tmp, "refused");
    await expect(
      downloadObject(store, key, path.join(dir, "x.tar"), { sha256: "0".repeat(64) }),
    ).rejects.toThrow(/has sha256 [0-9a-f]{64}, expected 0{64}/);
    expect(await readdir(dir)).toEqual([]);
    await expect(
      downloadObject(store, `${store.prefix}bundles/missing.tar`, path.join(dir, "m")),
    ).rejects.toThrow(/^s3:\/\/.*bundles\/missing\.tar does not exist: /);
  });
});
