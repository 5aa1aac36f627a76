// An archive bucket: the backup of a project under `<prefix><project>/`, possibly in another
// account or region, in a cold storage class. Objects are copied server-side (CopyObject, or
// UploadPartCopy in parts above 5 GiB) with `ChecksumAlgorithm: SHA256`, so S3 computes the
// copy's SHA-256 from the source's bytes and nothing passes through this machine; the copy is
// made only of the version planned (`x-amz-copy-source-if-match` its ETag). Verification reads
// each copy's stored SHA-256 back (HeadObject with ChecksumMode). The backup's own files
// (state, progress, manifest) and image archives carry SHA-256 checksums too, the small ones
// in STANDARD so they can be read back at once; the close's lock is the run lock's pattern
// (store/s3-lock.ts) on `close.lock`.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { errorMessage } from "../errors.ts";
import { acquireCloudLock } from "../store/s3-lock.ts";
import { describeS3Failure, httpStatus } from "../store/s3-store.ts";
import { type ArchiveRoot, COLD_STORAGE_CLASSES, describeArchiveRoot } from "./archive-target.ts";
import { base64ToHex, hexToBase64, isPlainMd5, s3Sha256OfFile } from "./checksums.ts";
import type { StoredChecksum } from "./manifest.ts";
import { sha256Hex } from "./manifest.ts";
import { checkImageArchive } from "./oci-verify.ts";
import type { Archive, EntryCheck } from "./ports.ts";

/** S3's largest single CopyObject. */
const MAX_SINGLE_COPY = 5 * 1024 ** 3;
const MIN_COPY_PART = 512 * 1024 ** 2;
const MAX_PARTS = 10_000;
/** Image archives are uploaded in parts of this size (a whole one when smaller). */
const IMAGE_PART_SIZE = 64 * 1024 ** 2;

export interface S3ArchiveOptions {
  readonly root: Extract<ArchiveRoot, { kind: "s3" }>;
  /** An S3 client for a region (the archive's, and the sources' for multipart copies). */
  readonly clientFor: (region: string) => S3Client;
  /** Objects larger than this are copied in parts (default 5 GiB, S3's limit for one copy). */
  readonly multipartAbove?: number;
  /** The parts' size (default 512 MiB, more when 10,000 would not hold the object). */
  readonly copyPartSize?: number;
  /** Take the close's lock over even though its holder seems alive. */
  readonly force?: boolean;
}

export function createS3Archive(options: S3ArchiveOptions): Archive {
  const { root } = options;
  const client = options.clientFor(root.region);
  const target = { client, bucket: root.bucket };
  const key = (path: string) => `${root.prefix}${path}`;
  const multipartAbove = options.multipartAbove ?? MAX_SINGLE_COPY;
  const where = (path: string) => `s3://${root.bucket}/${key(path)}`;

  const head = async (path: string): Promise<HeadObjectCommandOutput | undefined> => {
    try {
      return await client.send(
        new HeadObjectCommand({ Bucket: root.bucket, Key: key(path), ChecksumMode: "ENABLED" }),
      );
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw await describeS3Failure(target, e, { action: "check", key: key(path) });
    }
  };

  return {
    location: describeArchiveRoot(root),
    where,

    async lock(command) {
      const lock = await acquireCloudLock({
        target,
        key: key("close.lock"),
        command,
        unlockHint: "it ends by itself; follow it where it runs",
        ...(options.force ? { force: true } : {}),
      });
      return { lost: lock.lost, release: () => lock.release() };
    },

    async readText(path) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: root.bucket, Key: key(path) }));
        return await out.Body!.transformToString();
      } catch (e) {
        if (httpStatus(e) === 404) return undefined;
        throw await describeS3Failure(target, e, { action: "read", key: key(path) });
      }
    },

    async writeText(path, text) {
      const sha256 = sha256Hex(text);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: root.bucket,
            Key: key(path),
            Body: text,
            ContentType: "application/json",
            ChecksumSHA256: hexToBase64(sha256),
            StorageClass: "STANDARD",
          }),
        );
      } catch (e) {
        throw await describeS3Failure(target, e, { action: "write", key: key(path) });
      }
      return { sha256 };
    },

    async listCopies() {
      const copies = new Map<string, number>();
      let ContinuationToken: string | undefined;
      for (;;) {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new ListObjectsV2Command({ Bucket: root.bucket, Prefix: key("objects/"), ContinuationToken }),
          );
        } catch (e) {
          throw await describeS3Failure(target, e, { action: "list", key: key("objects/") });
        }
        for (const o of page.Contents ?? []) {
          if (o.Key !== undefined) copies.set(o.Key.slice(root.prefix.length), o.Size ?? 0);
        }
        if (!page.IsTruncated) return copies;
        ContinuationToken = page.NextContinuationToken;
      }
    },

    async copy(object) {
      const source = `${encodeURIComponent(object.bucket)}/${object.key.split("/").map(encodeURIComponent).join("/")}${object.versionId === "null" ? "" : `?versionId=${encodeURIComponent(object.versionId)}`}`;
      const ifMatch = `"${object.etag}"`;
      try {
        if (object.size <= multipartAbove) {
          const out = await client.send(
            new CopyObjectCommand({
              Bucket: root.bucket,
              Key: key(object.path),
              CopySource: source,
              CopySourceIfMatch: ifMatch,
              ChecksumAlgorithm: "SHA256",
              StorageClass: root.storageClass,
              MetadataDirective: "COPY",
            }),
          );
          const checksum = out.CopyObjectResult?.ChecksumSHA256;
          if (!checksum) throw new Error("the archive bucket returned no SHA-256 for the copy");
          return { size: object.size, sha256: base64ToHex(checksum), checksumSHA256: checksum };
        }
        return await copyInParts(object, source, ifMatch);
      } catch (e) {
        const what = `copying s3://${object.bucket}/${object.key} (version ${object.versionId}) to ${where(object.path)}`;
        if (httpStatus(e) === 412) {
          throw new Error(
            `${what}: the version no longer has the ETag listed (${object.etag}); run the close again to plan it afresh`,
          );
        }
        const described = await describeS3Failure(target, e, { action: "write", key: key(object.path) });
        throw Object.assign(described, { message: `${what}: ${described.message}` });
      }
    },

    async adopt(object) {
      const out = await head(object.path);
      if (!out || out.ContentLength !== object.size || !out.ChecksumSHA256) return undefined;
      const etag = (out.ETag ?? "").replace(/^"(.*)"$/, "$1");
      if (isPlainMd5(object.etag) && isPlainMd5(etag) && etag !== object.etag) return undefined;
      return stored(object.size, out.ChecksumSHA256);
    },

    async putImage(path, file, sha256) {
      const { size } = await stat(file);
      const expected =
        size <= IMAGE_PART_SIZE ? hexToBase64(sha256) : await s3Sha256OfFile(file, IMAGE_PART_SIZE);
      try {
        const upload = new Upload({
          client,
          params: {
            Bucket: root.bucket,
            Key: key(path),
            Body: createReadStream(file, { highWaterMark: 1 << 20 }),
            ChecksumAlgorithm: "SHA256",
            StorageClass: root.storageClass,
            ContentType: "application/x-tar",
          },
          partSize: IMAGE_PART_SIZE,
          queueSize: 4,
        });
        await upload.done();
      } catch (e) {
        throw await describeS3Failure(target, e, { action: "write", key: key(path) });
      }
      const out = await head(path);
      if (out?.ChecksumSHA256 !== expected) {
        throw new Error(
          `${where(path)}: stored with SHA-256 ${out?.ChecksumSHA256 ?? "(none)"}, expected ${expected}`,
        );
      }
    },

    async checkObject(object): Promise<EntryCheck> {
      let out: HeadObjectCommandOutput | undefined;
      try {
        out = await head(object.path);
      } catch (e) {
        return { ok: false, problem: `could not be read: ${errorMessage(e)}` };
      }
      if (!out) return { ok: false, problem: "is missing from the archive" };
      if (out.ContentLength !== object.size) {
        return { ok: false, problem: `has ${out.ContentLength} bytes, the manifest says ${object.size}` };
      }
      if (!out.ChecksumSHA256) return { ok: false, problem: "has no SHA-256 stored" };
      if (out.ChecksumSHA256 !== object.checksumSHA256) {
        return {
          ok: false,
          problem: `has SHA-256 ${out.ChecksumSHA256}, the manifest says ${object.checksumSHA256 ?? "(none)"}`,
        };
      }
      return { ok: true };
    },

    async checkImage(image): Promise<EntryCheck> {
      let out: HeadObjectCommandOutput | undefined;
      try {
        out = await head(image.path);
      } catch (e) {
        return { ok: false, problem: `could not be read: ${errorMessage(e)}` };
      }
      if (!out) return { ok: false, problem: "is missing from the archive" };
      if (out.ContentLength !== image.size) {
        return { ok: false, problem: `has ${out.ContentLength} bytes, the manifest says ${image.size}` };
      }
      const expected = image.size <= IMAGE_PART_SIZE ? hexToBase64(image.sha256) : undefined;
      if (expected !== undefined && out.ChecksumSHA256 !== expected) {
        return {
          ok: false,
          problem: `has SHA-256 ${out.ChecksumSHA256 ?? "(none)"}, the manifest says ${expected}`,
        };
      }
      // A cold copy cannot be read back without a restore: its stored checksum has to do.
      if (COLD_STORAGE_CLASSES.has(out.StorageClass ?? "STANDARD")) return { ok: true };
      let body: Readable;
      try {
        const got = await client.send(new GetObjectCommand({ Bucket: root.bucket, Key: key(image.path) }));
        body = got.Body as Readable;
      } catch (e) {
        return { ok: false, problem: `could not be read: ${errorMessage(e)}` };
      }
      const check = await checkImageArchive(body, image);
      if (check.sha256 !== image.sha256)
        check.problems.unshift(`has sha256 ${check.sha256}, the manifest says ${image.sha256}`);
      return check.problems.length === 0 ? { ok: true } : { ok: false, problem: check.problems.join("; ") };
    },
  };

  /** A copy above S3's single-copy limit: parts copied by range, each with its SHA-256. */
  async function copyInParts(
    object: Parameters<Archive["copy"]>[0],
    source: string,
    ifMatch: string,
  ): Promise<StoredChecksum> {
    const sourceHead = await options.clientFor(object.region).send(
      new HeadObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        ...(object.versionId === "null" ? {} : { VersionId: object.versionId }),
      }),
    );
    const partSize = Math.max(options.copyPartSize ?? MIN_COPY_PART, Math.ceil(object.size / MAX_PARTS));
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({
        Bucket: root.bucket,
        Key: key(object.path),
        ChecksumAlgorithm: "SHA256",
        StorageClass: root.storageClass,
        ...(sourceHead.ContentType ? { ContentType: sourceHead.ContentType } : {}),
        ...(sourceHead.Metadata ? { Metadata: sourceHead.Metadata } : {}),
      }),
    );
    try {
      const parts: Array<{ PartNumber: number; ETag: string; ChecksumSHA256: string }> = [];
      for (let start = 0, n = 1; start < object.size; start += partSize, n++) {
        const end = Math.min(object.size, start + partSize) - 1;
        const out = await client.send(
          new UploadPartCopyCommand({
            Bucket: root.bucket,
            Key: key(object.path),
            UploadId,
            PartNumber: n,
            CopySource: source,
            CopySourceIfMatch: ifMatch,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        const etag = out.CopyPartResult?.ETag;
        const checksum = out.CopyPartResult?.ChecksumSHA256;
        if (!etag || !checksum) throw new Error(`part ${n}: the archive bucket returned no ETag or SHA-256`);
        parts.push({ PartNumber: n, ETag: etag, ChecksumSHA256: checksum });
      }
      const done = await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: root.bucket,
          Key: key(object.path),
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      if (!done.ChecksumSHA256) throw new Error("the archive bucket returned no SHA-256 for the copy");
      return stored(object.size, done.ChecksumSHA256);
    } catch (e) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: root.bucket, Key: key(object.path), UploadId }))
        .catch(() => undefined);
      throw e;
    }
  }
}

/** S3's stored SHA-256 as the manifest keeps it: the whole object's (hex) when not composite. */
function stored(size: number, checksumSHA256: string): StoredChecksum {
  return checksumSHA256.includes("-")
    ? { size, checksumSHA256 }
    : { size, sha256: base64ToHex(checksumSHA256), checksumSHA256 };
}
