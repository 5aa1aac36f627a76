import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeS3, startFakeS3 } from "./s3-proxy.ts";

let s3: FakeS3;
let client: S3Client;
beforeAll(async () => {
  s3 = await startFakeS3({ bucket: "proxy-test" });
  client = clientFor(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});
beforeEach(() => s3.resetCounters());

function clientFor(endpoint: string, maxAttempts = 1): S3Client {
  return new S3Client({
    endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
    maxAttempts,
  });
}

const put = (Key: string, Body: string, condition: { IfNoneMatch?: string; IfMatch?: string } = {}) =>
  client.send(new PutObjectCommand({ Bucket: s3.bucket, Key, Body, ...condition }));
const read = async (Key: string) =>
  (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key }))).Body!.transformToString();

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode };
  }
  throw new Error("expected the request to fail");
}

describe("fake S3 proxy: conditional writes", () => {
  it("s3rver alone ignores If-None-Match, which is why the proxy exists", async () => {
    const direct = clientFor(s3.s3rverEndpoint);
    try {
      await direct.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: "direct", Body: "first", IfNoneMatch: "*" }),
      );
      await direct.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: "direct", Body: "second", IfNoneMatch: "*" }),
      );
      expect(await read("direct")).toBe("second");
    } finally {
      direct.destroy();
    }
  });

  it("If-None-Match: * creates a missing key and refuses an existing one with 412", async () => {
    await put("inm", "first", { IfNoneMatch: "*" });
    expect(await failure(put("inm", "second", { IfNoneMatch: "*" }))).toEqual({
      name: "PreconditionFailed",
      status: 412,
    });
    expect(await read("inm")).toBe("first");
    // Without the condition, a PUT replaces: the proxy only refuses when asked to.
    await put("inm", "third");
    expect(await read("inm")).toBe("third");
    expect(s3.requests.preconditionFailed).toBe(1);
  });

  it("If-Match writes only over the ETag given; 404 NoSuchKey when there is no object", async () => {
    const first = await put("im", "first");
    expect(await failure(put("im", "x", { IfMatch: '"0123456789abcdef0123456789abcdef"' }))).toEqual({
      name: "PreconditionFailed",
      status: 412,
    });
    expect(await read("im")).toBe("first");
    const second = await put("im", "second", { IfMatch: first.ETag! });
    expect(second.ETag).not.toBe(first.ETag);
    expect(await read("im")).toBe("second");
    // The old ETag no longer matches.
    expect((await failure(put("im", "x", { IfMatch: first.ETag! }))).status).toBe(412);
    expect(await failure(put("missing", "x", { IfMatch: first.ETag! }))).toEqual({
      name: "NoSuchKey",
      status: 404,
    });
  });

  it("deletes with If-Match only over the ETag given", async () => {
    const first = await put("delete-if-match", "one");
    await put("delete-if-match", "two");
    const del = (IfMatch: string) =>
      client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: "delete-if-match", IfMatch }));
    expect(await failure(del(first.ETag!))).toEqual({ name: "PreconditionFailed", status: 412 });
    expect(await read("delete-if-match")).toBe("two");
    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: "delete-if-match" }));
    await del(head.ETag!);
    expect(await failure(read("delete-if-match"))).toMatchObject({ name: "NoSuchKey" });
  });

  it("decides concurrent conditional PUTs of one key one at a time: exactly one wins", async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => put("race", `writer ${i}`, { IfNoneMatch: "*" })),
    );
    const winners = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(await read("race")).toBe(`writer ${winners[0]}`);
    expect(s3.requests.preconditionFailed).toBe(19);
  });

  it("holds CompleteMultipartUpload to If-None-Match", async () => {
    await put("mpu", "already here");
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: "mpu" }),
    );
    const part = await client.send(
      new UploadPartCommand({ Bucket: s3.bucket, Key: "mpu", UploadId, PartNumber: 1, Body: "only part" }),
    );
    const complete = client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: "mpu",
        UploadId,
        IfNoneMatch: "*",
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
      }),
    );
    expect((await failure(complete)).status).toBe(412);
    expect(await read("mpu")).toBe("already here");
    expect(s3.count("CompleteMultipartUpload")).toBe(1);
  });
});

describe("fake S3 proxy: listing and faults", () => {
  it("pages ListObjectsV2 with continuation tokens (s3rver's own tokens fail on Node 24)", async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `list/${String(i).padStart(2, "0")} & <${i}>`);
    await Promise.all(keys.map((k) => put(k, "x")));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: s3.bucket,
          Prefix: "list/",
          MaxKeys: 10,
          ContinuationToken: token,
        }),
      );
      pages++;
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...keys].sort());
  });

  it("answers the next matching requests with an injected fault, then behaves", async () => {
    await put("fault", "x");
    s3.failNext(2, { status: 503, code: "SlowDown" }, { operation: "GetObject", key: "fault" });
    expect(await failure(read("fault"))).toEqual({ name: "SlowDown", status: 503 });
    // Another operation does not match and passes.
    await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: "fault" }));
    expect(await failure(read("fault"))).toEqual({ name: "SlowDown", status: 503 });
    expect(await read("fault")).toBe("x");
    expect(s3.requests.faults).toBe(2);
    expect(s3.count("GetObject")).toBe(3);
  });

  it("can let a write take effect and lose its answer", async () => {
    s3.failNext(1, { dropResponse: true }, { operation: "PutObject" });
    const lost = await failure(put("dropped", "stored anyway"));
    expect(lost.status).toBeUndefined();
    expect(await read("dropped")).toBe("stored anyway");
  });
});
