import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeS3 } from "./s3-proxy.ts";
import { startVersionedFakeS3 } from "./s3-versions.ts";

let s3: FakeS3;
let client: S3Client;
beforeAll(async () => {
  s3 = await startVersionedFakeS3({ bucket: "layer-plain" });
  client = clientFor(s3.endpoint);
  await client.send(new CreateBucketCommand({ Bucket: "layer-versioned" }));
  await client.send(
    new PutBucketVersioningCommand({
      Bucket: "layer-versioned",
      VersioningConfiguration: { Status: "Enabled" },
    }),
  );
  await client.send(new CreateBucketCommand({ Bucket: "layer-archive" }));
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

function clientFor(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: s3.region,
    credentials: s3.credentials,
    forcePathStyle: true,
    maxAttempts: 1,
  });
}

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("base64");
const text = async (out: { Body?: { transformToString(): Promise<string> } }) =>
  out.Body!.transformToString();

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode };
  }
  throw new Error("expected the request to fail");
}

describe("fake S3 layer: what s3rver lacks", () => {
  it("s3rver alone has no versioning, which is why the layer exists", async () => {
    const direct = clientFor(s3.s3rverEndpoint);
    try {
      const refused = await failure(
        direct.send(
          new PutBucketVersioningCommand({
            Bucket: "layer-plain",
            VersioningConfiguration: { Status: "Enabled" },
          }),
        ),
      );
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(
        await failure(direct.send(new ListObjectVersionsCommand({ Bucket: "layer-plain" }))),
      ).toMatchObject({
        status: 405,
      });
    } finally {
      direct.destroy();
    }
  });

  it("keeps every version of a versioned bucket, with delete markers, and lists them newest first", async () => {
    const Bucket = "layer-versioned";
    const first = await client.send(new PutObjectCommand({ Bucket, Key: "a/x.json", Body: "one" }));
    const second = await client.send(new PutObjectCommand({ Bucket, Key: "a/x.json", Body: "two" }));
    expect(first.VersionId).toBeDefined();
    expect(second.VersionId).not.toBe(first.VersionId);
    expect(await text(await client.send(new GetObjectCommand({ Bucket, Key: "a/x.json" })))).toBe("two");
    expect(
      await text(
        await client.send(new GetObjectCommand({ Bucket, Key: "a/x.json", VersionId: first.VersionId })),
      ),
    ).toBe("one");

    const removed = await client.send(new DeleteObjectCommand({ Bucket, Key: "a/x.json" }));
    expect(removed.DeleteMarker).toBe(true);
    expect(await failure(client.send(new GetObjectCommand({ Bucket, Key: "a/x.json" })))).toMatchObject({
      name: "NoSuchKey",
      status: 404,
    });
    const listed = await client.send(new ListObjectVersionsCommand({ Bucket, Prefix: "a/" }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size])).toEqual([
      [second.VersionId, false, 3],
      [first.VersionId, false, 3],
    ]);
    expect(listed.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest])).toEqual([[removed.VersionId, true]]);
    expect((await client.send(new ListObjectsV2Command({ Bucket, Prefix: "a/" }))).KeyCount).toBe(0);
    expect((await client.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe("Enabled");
    expect(await failure(client.send(new DeleteBucketCommand({ Bucket })))).toMatchObject({
      name: "BucketNotEmpty",
      status: 409,
    });

    const gone = await client.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: {
          Objects: [first, second, removed].map((v) => ({ Key: "a/x.json", VersionId: v.VersionId })),
          Quiet: true,
        },
      }),
    );
    expect(gone.Errors ?? []).toEqual([]);
    expect(
      (await client.send(new ListObjectVersionsCommand({ Bucket, Prefix: "a/" }))).Versions,
    ).toBeUndefined();
  });

  it("pages versions with key and version id markers", async () => {
    const Bucket = "layer-versioned";
    for (let i = 0; i < 3; i++)
      await client.send(new PutObjectCommand({ Bucket, Key: "p/k", Body: `v${i}` }));
    await client.send(new PutObjectCommand({ Bucket, Key: "p/l", Body: "l" }));
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await client.send(
        new ListObjectVersionsCommand({ Bucket, Prefix: "p/", MaxKeys: 2, KeyMarker, VersionIdMarker }),
      );
      seen.push(...(page.Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`));
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  it("checks and keeps a SHA-256 sent in a header or in a streamed body's trailer", async () => {
    const Bucket = "layer-plain";
    await client.send(
      new PutObjectCommand({ Bucket, Key: "h", Body: "header", ChecksumAlgorithm: "SHA256" }),
    );
    await client.send(
      new PutObjectCommand({
        Bucket,
        Key: "t",
        Body: Readable.from([Buffer.from("streamed")]),
        ContentLength: 8,
        ChecksumAlgorithm: "SHA256",
      }),
    );
    expect(await text(await client.send(new GetObjectCommand({ Bucket, Key: "t" })))).toBe("streamed");
    const head = await client.send(new HeadObjectCommand({ Bucket, Key: "t", ChecksumMode: "ENABLED" }));
    expect(head.ChecksumSHA256).toBe(sha256("streamed"));
    expect(
      await failure(
        client.send(new PutObjectCommand({ Bucket, Key: "bad", Body: "x", ChecksumSHA256: sha256("not x") })),
      ),
    ).toMatchObject({ name: "BadDigest", status: 400 });
  });

  it("copies a version server-side with a SHA-256 and a storage class, and refuses to read cold objects", async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: "layer-versioned", Key: "c", Body: "copied" }),
    );
    const copy = await client.send(
      new CopyObjectCommand({
        Bucket: "layer-archive",
        Key: "kept/c",
        CopySource: `layer-versioned/c?versionId=${put.VersionId}`,
        ChecksumAlgorithm: "SHA256",
        StorageClass: "DEEP_ARCHIVE",
        CopySourceIfMatch: put.ETag,
      }),
    );
    expect(copy.CopyObjectResult?.ChecksumSHA256).toBe(sha256("copied"));
    expect(copy.CopySourceVersionId).toBe(put.VersionId);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: "layer-archive", Key: "kept/c", ChecksumMode: "ENABLED" }),
    );
    expect(head).toMatchObject({
      ChecksumSHA256: sha256("copied"),
      StorageClass: "DEEP_ARCHIVE",
      ContentLength: 6,
    });
    expect(
      await failure(client.send(new GetObjectCommand({ Bucket: "layer-archive", Key: "kept/c" }))),
    ).toMatchObject({
      name: "InvalidObjectState",
      status: 403,
    });
    expect(
      await failure(
        client.send(
          new CopyObjectCommand({
            Bucket: "layer-archive",
            Key: "kept/d",
            CopySource: "layer-versioned/c",
            CopySourceIfMatch: '"0123"',
          }),
        ),
      ),
    ).toMatchObject({ status: 412 });
  });

  it("copies in parts (UploadPartCopy) into an object whose SHA-256 is composite", async () => {
    const body = Buffer.from("0123456789abcdefghij");
    await client.send(new PutObjectCommand({ Bucket: "layer-plain", Key: "big", Body: body }));
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: "layer-archive", Key: "big", ChecksumAlgorithm: "SHA256" }),
    );
    const parts = [];
    for (const [i, range] of ["bytes=0-7", "bytes=8-15", "bytes=16-19"].entries()) {
      const out = await client.send(
        new UploadPartCopyCommand({
          Bucket: "layer-archive",
          Key: "big",
          UploadId,
          PartNumber: i + 1,
          CopySource: "layer-plain/big",
          CopySourceRange: range,
        }),
      );
      parts.push({
        PartNumber: i + 1,
        ETag: out.CopyPartResult!.ETag!,
        ChecksumSHA256: out.CopyPartResult!.ChecksumSHA256!,
      });
    }
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: "layer-archive",
        Key: "big",
        UploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
    const composite = createHash("sha256")
      .update(
        Buffer.concat(
          [body.subarray(0, 8), body.subarray(8, 16), body.subarray(16)].map((p) =>
            createHash("sha256").update(p).digest(),
          ),
        ),
      )
      .digest("base64");
    expect(done.ChecksumSHA256).toBe(`${composite}-3`);
    expect(await text(await client.send(new GetObjectCommand({ Bucket: "layer-archive", Key: "big" })))).toBe(
      body.toString(),
    );
  });

  it("leaves conditional writes to the proxy in front", async () => {
    await client.send(
      new PutObjectCommand({ Bucket: "layer-versioned", Key: "once", Body: "1", IfNoneMatch: "*" }),
    );
    expect(
      await failure(
        client.send(
          new PutObjectCommand({ Bucket: "layer-versioned", Key: "once", Body: "2", IfNoneMatch: "*" }),
        ),
      ),
    ).toMatchObject({ status: 412 });
  });
});
