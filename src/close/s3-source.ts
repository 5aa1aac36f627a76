// The project's buckets in S3: their versions (ListObjectVersions, every version and delete
// marker, also of an unversioned bucket, whose objects are version "null"), reading one
// version, and emptying them for good (DeleteObjects with version ids, 1,000 at a time, and
// unfinished multipart uploads aborted). One client per region, built the one way
// (store/s3-store.ts), so the same code talks to AWS or to the fake cloud.
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { describeS3Failure, httpStatus } from "../store/s3-store.ts";
import type { BucketRef, SourceBuckets, SourceVersion, Versioning } from "./ports.ts";

const DELETE_BATCH = 1000;

export function createS3SourceBuckets(clientFor: (region: string) => S3Client): SourceBuckets {
  const target = (b: BucketRef) => ({ client: clientFor(b.region), bucket: b.bucket });
  const fail = async (b: BucketRef, e: unknown, action: "read" | "list" | "write", key = "") =>
    describeS3Failure(target(b), e, { action, key });

  return {
    async versioning(b) {
      try {
        const out = await clientFor(b.region).send(new GetBucketVersioningCommand({ Bucket: b.bucket }));
        return (out.Status ?? "Off") as Versioning;
      } catch (e) {
        throw await fail(b, e, "read");
      }
    },

    async listVersions(b, prefix) {
      const versions: SourceVersion[] = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      for (;;) {
        let page: ListObjectVersionsCommandOutput;
        try {
          page = await clientFor(b.region).send(
            new ListObjectVersionsCommand({
              Bucket: b.bucket,
              KeyMarker,
              VersionIdMarker,
              MaxKeys: 1000,
              ...(prefix ? { Prefix: prefix } : {}),
            }),
          );
        } catch (e) {
          throw await fail(b, e, "list");
        }
        const entries = [
          ...(page.Versions ?? []).map((v) => toVersion(v, false)),
          ...(page.DeleteMarkers ?? []).map((v) => toVersion({ ...v, Size: 0 }, true)),
        ];
        versions.push(...entries);
        if (!page.IsTruncated) return versions;
        KeyMarker = page.NextKeyMarker;
        VersionIdMarker = page.NextVersionIdMarker;
      }
    },

    async countUploads(b) {
      return (await listUploads(clientFor(b.region), b)).length;
    },

    async readText(b, key, version) {
      try {
        const out = await clientFor(b.region).send(
          new GetObjectCommand({ Bucket: b.bucket, Key: key, ...versionParam(version) }),
        );
        return await out.Body!.transformToString();
      } catch (e) {
        throw await fail(b, e, "read", key);
      }
    },

    async readCurrent(b, key) {
      try {
        const out = await clientFor(b.region).send(new GetObjectCommand({ Bucket: b.bucket, Key: key }));
        return await out.Body!.transformToString();
      } catch (e) {
        if (httpStatus(e) === 404) return undefined;
        throw await fail(b, e, "read", key);
      }
    },

    async open(b, key, version) {
      try {
        const out = await clientFor(b.region).send(
          new GetObjectCommand({ Bucket: b.bucket, Key: key, ...versionParam(version) }),
        );
        return out.Body as Readable;
      } catch (e) {
        throw await fail(b, e, "read", key);
      }
    },

    async putText(b, key, text) {
      try {
        await clientFor(b.region).send(
          new PutObjectCommand({ Bucket: b.bucket, Key: key, Body: text, ContentType: "application/json" }),
        );
      } catch (e) {
        throw await fail(b, e, "write", key);
      }
    },

    async deleteVersions(b, versions) {
      const failed: Array<{ key: string; versionId: string; reason: string }> = [];
      for (let i = 0; i < versions.length; i += DELETE_BATCH) {
        const batch = versions.slice(i, i + DELETE_BATCH);
        try {
          const out = await clientFor(b.region).send(
            new DeleteObjectsCommand({
              Bucket: b.bucket,
              Delete: { Objects: batch.map((v) => ({ Key: v.key, VersionId: v.versionId })), Quiet: true },
            }),
          );
          for (const err of out.Errors ?? []) {
            failed.push({
              key: err.Key ?? "",
              versionId: err.VersionId ?? "",
              reason: `${err.Code ?? "Error"}: ${err.Message ?? ""}`,
            });
          }
        } catch (e) {
          throw await fail(b, e, "write", batch[0]?.key ?? "");
        }
      }
      return failed;
    },

    async abortUploads(b) {
      const client = clientFor(b.region);
      const uploads = await listUploads(client, b);
      for (const u of uploads) {
        await client.send(
          new AbortMultipartUploadCommand({ Bucket: b.bucket, Key: u.key, UploadId: u.uploadId }),
        );
      }
      return uploads.length;
    },
  };
}

async function listUploads(
  client: S3Client,
  b: BucketRef,
): Promise<Array<{ key: string; uploadId: string }>> {
  const uploads: Array<{ key: string; uploadId: string }> = [];
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  for (;;) {
    let page: ListMultipartUploadsCommandOutput;
    try {
      page = await client.send(
        new ListMultipartUploadsCommand({ Bucket: b.bucket, KeyMarker, UploadIdMarker }),
      );
    } catch (e) {
      throw await describeS3Failure({ client, bucket: b.bucket }, e, { action: "list", key: "" });
    }
    for (const u of page.Uploads ?? []) {
      if (u.Key !== undefined && u.UploadId !== undefined) uploads.push({ key: u.Key, uploadId: u.UploadId });
    }
    if (!page.IsTruncated) return uploads;
    KeyMarker = page.NextKeyMarker;
    UploadIdMarker = page.NextUploadIdMarker;
  }
}

interface ListedVersion {
  readonly Key?: string | undefined;
  readonly VersionId?: string | undefined;
  readonly IsLatest?: boolean | undefined;
  readonly Size?: number | undefined;
  readonly ETag?: string | undefined;
  readonly LastModified?: Date | undefined;
  readonly StorageClass?: string | undefined;
}

function toVersion(v: ListedVersion, deleteMarker: boolean): SourceVersion {
  return {
    key: v.Key ?? "",
    versionId: v.VersionId ?? "null",
    latest: v.IsLatest === true,
    deleteMarker,
    size: v.Size ?? 0,
    etag: (v.ETag ?? "").replace(/^"(.*)"$/, "$1"),
    lastModified: v.LastModified?.toISOString() ?? "",
    storageClass: v.StorageClass ?? "STANDARD",
  };
}

/** S3 takes "null" as the version of an object written before versioning; leaving it out is the same. */
function versionParam(version: string): { VersionId?: string } {
  return version === "null" ? {} : { VersionId: version };
}
