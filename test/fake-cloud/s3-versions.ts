// What the fake cloud's S3 needs for closing a project and s3rver lacks: bucket versioning,
// SHA-256 (and CRC32) checksums, server-side copies with checksums, and multipart copies.
// A layer between the conditional-write proxy (s3-proxy.ts) and s3rver:
//
//   client → conditional-write proxy → this layer → s3rver
//
// s3rver only keeps the bytes: every version of every object is one s3rver object under
// `.fake-s3-versions/<uuid>` in its bucket. This layer keeps the index (which versions a key
// has, delete markers, ETags, checksums, storage classes, metadata) and answers every object
// and listing request from it, as S3 does:
// - GetBucketVersioning / PutBucketVersioning; a versioned bucket gives each write a version
//   id, DELETE without a version id adds a delete marker, DELETE with one removes that version.
// - ListObjectVersions (key and version-id markers), ListObjects (version 1, which the proxy
//   turns into version 2), DeleteObjects with version ids, ListMultipartUploads.
// - GET and HEAD of a version; checksum headers with `x-amz-checksum-mode: ENABLED`; GET of an
//   object in GLACIER or DEEP_ARCHIVE is refused (InvalidObjectState), as it is before a restore.
// - PUT with a checksum in a header or in an aws-chunked trailer (what the SDK sends for a
//   streamed body): the body is decoded and the checksum checked (BadDigest on a mismatch).
// - CopyObject (any version, `x-amz-checksum-algorithm`, storage class, metadata directive,
//   `x-amz-copy-source-if-match`), multipart uploads with UploadPart and UploadPartCopy (byte
//   ranges), and the composite checksum of a multipart object (SHA-256 of the parts' SHA-256s,
//   "-N"). Parts may be of any size (S3 wants 5 MiB but the last), so tests stay small.
// Conditional writes stay the proxy's: it asks this layer (HEAD) what is current.
import { createHash, randomUUID } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { crc32 } from "node:zlib";
import { type FakeS3, type FakeS3Options, startFakeS3 } from "./s3-proxy.ts";
import { escapeXml, unescapeXml } from "./xml-text.ts";

export interface VersionsLayerOptions {
  /** Each CopyObject and UploadPartCopy waits this long first: a window to kill a copier in. */
  readonly copyDelayMs?: number;
}

export interface VersionedFakeS3 extends FakeS3 {
  /** Every object a copy (CopyObject, or a multipart upload of copied parts) wrote, in order. */
  readonly copies: ReadonlyArray<{ readonly bucket: string; readonly key: string }>;
}

/** The fake S3 with versions and checksums: s3rver, this layer, and the proxy in front. */
export async function startVersionedFakeS3(
  options: Omit<FakeS3Options, "layer"> & VersionsLayerOptions = {},
): Promise<VersionedFakeS3> {
  const copies: Array<{ bucket: string; key: string }> = [];
  const s3 = await startFakeS3({
    ...options,
    layer: (backend) => startVersionsLayer(backend, { ...options, copies }),
  });
  return Object.assign(s3, { copies });
}

type ChecksumAlgorithm = "SHA256" | "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1";

interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Base64, as S3 shows it; "-N" ends a composite one. */
  readonly value: string;
  readonly type: "FULL_OBJECT" | "COMPOSITE";
}

interface StoredVersion {
  readonly versionId: string;
  readonly deleteMarker: boolean;
  /** The s3rver key of the bytes (none for a delete marker). */
  readonly blob?: string;
  readonly size: number;
  /** Quoted, as S3 sends it. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly storageClass: string;
  readonly checksum?: Checksum;
}

interface UploadPartState {
  readonly bytes: Buffer;
  readonly etag: string;
  readonly sha256: Buffer;
}

interface MultipartUpload {
  readonly key: string;
  /** Some part was copied (UploadPartCopy): the completed object counts as a copy. */
  copied?: boolean;
  readonly initiated: Date;
  readonly checksumAlgorithm?: ChecksumAlgorithm;
  readonly storageClass: string;
  readonly contentType?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly parts: Map<number, UploadPartState>;
}

interface BucketState {
  versioning: "Enabled" | "Suspended" | undefined;
  /** Oldest first. */
  readonly keys: Map<string, StoredVersion[]>;
  readonly uploads: Map<string, MultipartUpload>;
}

const BLOB_PREFIX = ".fake-s3-versions/";
const COLD = new Set(["GLACIER", "DEEP_ARCHIVE"]);
const XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

class S3Failure extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, code: string, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Starts the layer in front of s3rver at `backend`; the proxy is pointed at its port. */
export async function startVersionsLayer(
  backend: { readonly host: string; readonly port: number },
  options: VersionsLayerOptions & { readonly copies?: Array<{ bucket: string; key: string }> } = {},
): Promise<{ readonly port: number; close(): Promise<void> }> {
  const copyDelay = () =>
    options.copyDelayMs
      ? new Promise((resolve) => setTimeout(resolve, options.copyDelayMs))
      : Promise.resolve();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const buckets = new Map<string, BucketState>();

  const s3rver = (
    method: string,
    path: string,
    body?: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      // Unsigned: s3rver serves anonymous requests.
      const headers: http.OutgoingHttpHeaders = {};
      if (body) headers["content-length"] = body.length;
      const up = http.request(
        { host: backend.host, port: backend.port, method, path, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on("error", reject);
        },
      );
      up.on("error", reject);
      up.end(body);
    });

  const blobPath = (bucket: string, blob: string) => `/${encodeURIComponent(bucket)}/${blob}`;
  async function writeBlob(bucket: string, bytes: Buffer): Promise<string> {
    const blob = `${BLOB_PREFIX}${randomUUID()}`;
    const out = await s3rver("PUT", blobPath(bucket, blob), bytes);
    if (out.status !== 200)
      throw new S3Failure(500, "InternalError", `s3rver refused a write (${out.status})`);
    return blob;
  }
  async function readBlob(bucket: string, blob: string): Promise<Buffer> {
    const out = await s3rver("GET", blobPath(bucket, blob));
    if (out.status !== 200) throw new S3Failure(500, "InternalError", `s3rver lost ${blob} (${out.status})`);
    return out.body;
  }
  async function deleteBlob(bucket: string, version: StoredVersion): Promise<void> {
    if (version.blob) await s3rver("DELETE", blobPath(bucket, version.blob));
  }

  async function bucketState(name: string): Promise<BucketState> {
    const known = buckets.get(name);
    if (known) return known;
    const head = await s3rver("HEAD", `/${encodeURIComponent(name)}`);
    if (head.status !== 200) {
      throw new S3Failure(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: name });
    }
    const state: BucketState = { versioning: undefined, keys: new Map(), uploads: new Map() };
    buckets.set(name, state);
    return state;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Not `new URL`: it would resolve `.` and `..` segments, which are part of S3 keys.
    const [pathname = "/", search = ""] = (req.url ?? "/").split("?");
    const url = {
      pathname,
      search: search === "" ? "" : `?${search}`,
      searchParams: new URLSearchParams(search),
    };
    const [, rawBucket = "", ...rest] = url.pathname.split("/");
    const bucket = rawBucket === "" ? undefined : decodeURIComponent(rawBucket);
    const key =
      rest.length === 0 || (rest.length === 1 && rest[0] === "")
        ? undefined
        : decodeURIComponent(rest.join("/"));
    const q = url.searchParams;
    const method = req.method ?? "GET";
    if (bucket === undefined) return forward(req, res);
    if (key === undefined) return bucketRequest(req, res, method, bucket, q);
    const state = await bucketState(bucket);
    if (method === "PUT" && q.has("uploadId")) {
      return req.headers["x-amz-copy-source"] !== undefined
        ? uploadPartCopy(req, res, state, q)
        : uploadPart(req, res, state, q);
    }
    if (method === "PUT" && [...q.keys()].every((k) => k === "x-id")) {
      return req.headers["x-amz-copy-source"] !== undefined
        ? copyObject(req, res, bucket, state, key)
        : putObject(req, res, bucket, state, key);
    }
    if (method === "POST" && q.has("uploads")) return createUpload(req, res, bucket, state, key);
    if (method === "POST" && q.has("uploadId")) return completeUpload(req, res, bucket, state, key, q);
    if (method === "DELETE" && q.has("uploadId")) {
      await drain(req);
      state.uploads.delete(q.get("uploadId") ?? "");
      return send(res, 204);
    }
    if (method === "DELETE")
      return deleteObject(req, res, bucket, state, key, q.get("versionId") ?? undefined);
    if (
      (method === "GET" || method === "HEAD") &&
      [...q.keys()].every((k) => k === "versionId" || k === "x-id")
    ) {
      return getObject(req, res, bucket, state, key, q.get("versionId") ?? undefined);
    }
    await drain(req);
    throw new S3Failure(501, "NotImplemented", `the fake S3 does not implement ${method} ${url.search}`);
  }

  async function bucketRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    method: string,
    bucket: string,
    q: URLSearchParams,
  ): Promise<void> {
    const bare = [...q.keys()].every((k) => k === "x-id");
    if (method === "PUT" && bare) {
      await forward(req, res);
      if (res.statusCode === 200 && !buckets.has(bucket)) {
        buckets.set(bucket, { versioning: undefined, keys: new Map(), uploads: new Map() });
      }
      return;
    }
    if (method === "DELETE" && bare) {
      const state = await bucketState(bucket);
      if (state.keys.size > 0 || state.uploads.size > 0) {
        await drain(req);
        throw new S3Failure(409, "BucketNotEmpty", "The bucket you tried to delete is not empty", {
          BucketName: bucket,
        });
      }
      await forward(req, res);
      if (res.statusCode === 204) buckets.delete(bucket);
      return;
    }
    if (method === "HEAD" || (method === "GET" && q.has("location"))) return forward(req, res);
    const state = await bucketState(bucket);
    if (method === "PUT" && q.has("versioning")) {
      const status = /<Status>(\w+)<\/Status>/.exec((await readBody(req)).data.toString("utf8"))?.[1];
      if (status !== "Enabled" && status !== "Suspended") {
        throw new S3Failure(400, "MalformedXML", "Status must be Enabled or Suspended");
      }
      state.versioning = status;
      return send(res, 200);
    }
    if (method === "POST" && q.has("delete")) return deleteObjects(req, res, bucket, state);
    await drain(req);
    if (method === "GET" && q.has("versioning")) {
      const status = state.versioning ? `<Status>${state.versioning}</Status>` : "";
      return sendXml(res, 200, `<VersioningConfiguration ${XMLNS}>${status}</VersioningConfiguration>`);
    }
    if (method === "GET" && q.has("versions")) return listVersions(res, bucket, state, q);
    if (method === "GET" && q.has("uploads")) return listUploads(res, bucket, state);
    if (
      method === "GET" &&
      [...q.keys()].every((k) => ["prefix", "marker", "max-keys", "delimiter", "encoding-type"].includes(k))
    ) {
      return listObjects(res, bucket, state, q);
    }
    throw new S3Failure(
      501,
      "NotImplemented",
      `the fake S3 does not implement ${method} ?${q.toString()} on a bucket`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Objects

  async function putObject(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    key: string,
  ): Promise<void> {
    const body = await readBody(req);
    const checksum = checkedChecksum(req, body);
    const version = await addVersion(bucket, state, key, {
      bytes: body.data,
      etag: `"${md5(body.data)}"`,
      ...(req.headers["content-type"] ? { contentType: String(req.headers["content-type"]) } : {}),
      metadata: metadataOf(req),
      storageClass: String(req.headers["x-amz-storage-class"] ?? "STANDARD"),
      ...(checksum ? { checksum } : {}),
    });
    send(res, 200, {
      etag: version.etag,
      ...versionHeader(state, version),
      ...checksumHeaders(version.checksum),
    });
  }

  async function copyObject(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    key: string,
  ): Promise<void> {
    await drain(req);
    await copyDelay();
    const { source, bytes } = await readCopySource(req);
    const algorithm = checksumAlgorithmHeader(req);
    const replace = String(req.headers["x-amz-metadata-directive"] ?? "COPY").toUpperCase() === "REPLACE";
    const checksum: Checksum | undefined = algorithm
      ? { algorithm, value: checksumOf(algorithm, bytes), type: "FULL_OBJECT" }
      : source.checksum?.type === "FULL_OBJECT"
        ? source.checksum
        : undefined;
    const contentType = replace ? req.headers["content-type"] : source.contentType;
    const version = await addVersion(bucket, state, key, {
      bytes,
      etag: `"${md5(bytes)}"`,
      ...(contentType ? { contentType: String(contentType) } : {}),
      metadata: replace ? metadataOf(req) : source.metadata,
      storageClass: String(req.headers["x-amz-storage-class"] ?? "STANDARD"),
      ...(checksum ? { checksum } : {}),
    });
    options.copies?.push({ bucket, key });
    const checksumXml = checksum
      ? `<Checksum${checksum.algorithm}>${checksum.value}</Checksum${checksum.algorithm}><ChecksumType>${checksum.type}</ChecksumType>`
      : "";
    sendXml(
      res,
      200,
      `<CopyObjectResult><ETag>${escapeXml(version.etag)}</ETag><LastModified>${version.lastModified.toISOString()}</LastModified>${checksumXml}</CopyObjectResult>`,
      {
        ...versionHeader(state, version),
        ...(source.versionId !== "null" ? { "x-amz-copy-source-version-id": source.versionId } : {}),
      },
    );
  }

  /** The version `x-amz-copy-source` names, and its bytes (a range of them, if asked). */
  async function readCopySource(
    req: http.IncomingMessage,
  ): Promise<{ source: StoredVersion; bytes: Buffer }> {
    const header = String(req.headers["x-amz-copy-source"]);
    const [rawPath = "", query = ""] = header.split("?");
    const path = decodeURIComponent(rawPath).replace(/^\//, "");
    const slash = path.indexOf("/");
    if (slash < 1) throw new S3Failure(400, "InvalidArgument", `bad x-amz-copy-source: ${header}`);
    const sourceBucket = path.slice(0, slash);
    const sourceKey = path.slice(slash + 1);
    const versionId = new URLSearchParams(query).get("versionId") ?? undefined;
    const state = await bucketState(sourceBucket);
    const source = findVersion(state, sourceKey, versionId);
    if (source.deleteMarker) {
      throw new S3Failure(
        400,
        "InvalidRequest",
        "The source of a copy request may not specifically refer to a delete marker by version id.",
      );
    }
    if (COLD.has(source.storageClass)) {
      throw new S3Failure(
        403,
        "InvalidObjectState",
        "The operation is not valid for the object's storage class",
        {
          StorageClass: source.storageClass,
        },
      );
    }
    const ifMatch = req.headers["x-amz-copy-source-if-match"];
    if (ifMatch !== undefined && normalizeEtag(String(ifMatch)) !== normalizeEtag(source.etag)) {
      throw new S3Failure(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        {
          Condition: "x-amz-copy-source-If-Match",
        },
      );
    }
    let bytes = await readBlob(sourceBucket, source.blob!);
    const range = req.headers["x-amz-copy-source-range"];
    if (range !== undefined) {
      const m = /^bytes=(\d+)-(\d+)$/.exec(String(range));
      if (!m || Number(m[2]) < Number(m[1]) || Number(m[2]) >= bytes.length) {
        throw new S3Failure(
          400,
          "InvalidArgument",
          `The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy (got ${String(range)} of ${bytes.length} bytes)`,
        );
      }
      bytes = bytes.subarray(Number(m[1]), Number(m[2]) + 1);
    }
    return { source, bytes };
  }

  async function getObject(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    key: string,
    versionId: string | undefined,
  ): Promise<void> {
    await drain(req);
    const version = findVersion(state, key, versionId);
    if (version.deleteMarker) {
      const headers = { "x-amz-delete-marker": "true", "x-amz-version-id": version.versionId };
      if (versionId !== undefined)
        throw new S3Failure(
          405,
          "MethodNotAllowed",
          "The specified method is not allowed against this resource.",
          headers,
        );
      throw new S3Failure(404, "NoSuchKey", "The specified key does not exist.", headers);
    }
    const withChecksum = String(req.headers["x-amz-checksum-mode"] ?? "").toUpperCase() === "ENABLED";
    const headers: Record<string, string> = {
      etag: version.etag,
      "last-modified": version.lastModified.toUTCString(),
      "content-type": version.contentType ?? "binary/octet-stream",
      "accept-ranges": "bytes",
      ...versionHeader(state, version),
      ...(version.storageClass !== "STANDARD" ? { "x-amz-storage-class": version.storageClass } : {}),
      ...Object.fromEntries(Object.entries(version.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
      ...(withChecksum ? checksumHeaders(version.checksum) : {}),
    };
    if (req.method === "HEAD") return send(res, 200, { ...headers, "content-length": String(version.size) });
    if (COLD.has(version.storageClass)) {
      throw new S3Failure(
        403,
        "InvalidObjectState",
        "The operation is not valid for the object's storage class",
        {
          StorageClass: version.storageClass,
        },
      );
    }
    const bytes = await readBlob(bucket, version.blob!);
    res.writeHead(200, { ...headers, "content-length": String(bytes.length) });
    res.end(bytes);
  }

  async function deleteObject(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    key: string,
    versionId: string | undefined,
  ): Promise<void> {
    await drain(req);
    const outcome = await removeOrMark(bucket, state, key, versionId);
    send(res, 204, {
      ...(outcome.versionId !== undefined ? { "x-amz-version-id": outcome.versionId } : {}),
      ...(outcome.deleteMarker ? { "x-amz-delete-marker": "true" } : {}),
    });
  }

  async function deleteObjects(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
  ): Promise<void> {
    const xml = (await readBody(req)).data.toString("utf8");
    const quiet = /<Quiet>true<\/Quiet>/.test(xml);
    const out: string[] = [];
    for (const m of xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)) {
      const key = unescapeXml(/<Key>([\s\S]*?)<\/Key>/.exec(m[1] ?? "")?.[1] ?? "");
      const rawVersion = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(m[1] ?? "")?.[1];
      const versionId = rawVersion === undefined ? undefined : unescapeXml(rawVersion);
      try {
        const outcome = await removeOrMark(bucket, state, key, versionId);
        if (!quiet) {
          out.push(
            `<Deleted><Key>${escapeXml(key)}</Key>${versionId !== undefined ? `<VersionId>${escapeXml(versionId)}</VersionId>` : ""}${outcome.deleteMarker ? `<DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>${escapeXml(outcome.versionId ?? "")}</DeleteMarkerVersionId>` : ""}</Deleted>`,
          );
        }
      } catch (e) {
        const failure = e instanceof S3Failure ? e : new S3Failure(500, "InternalError", String(e));
        out.push(
          `<Error><Key>${escapeXml(key)}</Key>${versionId !== undefined ? `<VersionId>${escapeXml(versionId)}</VersionId>` : ""}<Code>${failure.code}</Code><Message>${escapeXml(failure.message)}</Message></Error>`,
        );
      }
    }
    sendXml(res, 200, `<DeleteResult ${XMLNS}>${out.join("")}</DeleteResult>`);
  }

  /** DELETE: a version removed for good, or (no version id, versioned bucket) a delete marker. */
  async function removeOrMark(
    bucket: string,
    state: BucketState,
    key: string,
    versionId: string | undefined,
  ): Promise<{ versionId?: string; deleteMarker: boolean }> {
    const versions = state.keys.get(key) ?? [];
    if (versionId !== undefined) {
      const i = versions.findIndex((v) => v.versionId === versionId);
      if (i < 0) {
        // S3 answers a delete of a version that is not there as done.
        return { versionId, deleteMarker: false };
      }
      const [gone] = versions.splice(i, 1);
      if (versions.length === 0) state.keys.delete(key);
      await deleteBlob(bucket, gone!);
      return { versionId, deleteMarker: gone!.deleteMarker };
    }
    if (state.versioning === "Enabled") {
      const marker = markerVersion(randomVersionId());
      state.keys.set(key, [...versions, marker]);
      return { versionId: marker.versionId, deleteMarker: true };
    }
    const nulls = versions.filter((v) => v.versionId === "null");
    const kept = versions.filter((v) => v.versionId !== "null");
    for (const v of nulls) await deleteBlob(bucket, v);
    if (state.versioning === "Suspended") {
      state.keys.set(key, [...kept, markerVersion("null")]);
      return { versionId: "null", deleteMarker: true };
    }
    if (kept.length === 0) state.keys.delete(key);
    else state.keys.set(key, kept);
    return { deleteMarker: false };
  }

  function findVersion(state: BucketState, key: string, versionId: string | undefined): StoredVersion {
    const versions = state.keys.get(key) ?? [];
    if (versionId === undefined) {
      const latest = versions.at(-1);
      if (!latest) throw new S3Failure(404, "NoSuchKey", "The specified key does not exist.", { Key: key });
      return latest;
    }
    const found = versions.find((v) => v.versionId === versionId);
    if (!found) {
      throw new S3Failure(404, "NoSuchVersion", "The specified version does not exist.", {
        Key: key,
        VersionId: versionId,
      });
    }
    return found;
  }

  async function addVersion(
    bucket: string,
    state: BucketState,
    key: string,
    content: {
      bytes: Buffer;
      etag: string;
      contentType?: string;
      metadata: Readonly<Record<string, string>>;
      storageClass: string;
      checksum?: Checksum;
    },
  ): Promise<StoredVersion> {
    const blob = await writeBlob(bucket, content.bytes);
    const version: StoredVersion = {
      versionId: state.versioning === "Enabled" ? randomVersionId() : "null",
      deleteMarker: false,
      blob,
      size: content.bytes.length,
      etag: content.etag,
      lastModified: new Date(),
      ...(content.contentType ? { contentType: content.contentType } : {}),
      metadata: content.metadata,
      storageClass: content.storageClass,
      ...(content.checksum ? { checksum: content.checksum } : {}),
    };
    const versions = state.keys.get(key) ?? [];
    // An unversioned (or suspended) bucket's write replaces the "null" version.
    const replaced = version.versionId === "null" ? versions.filter((v) => v.versionId === "null") : [];
    state.keys.set(key, [...versions.filter((v) => !replaced.includes(v)), version]);
    for (const v of replaced) await deleteBlob(bucket, v);
    return version;
  }

  // -------------------------------------------------------------------------------------------
  // Multipart uploads

  async function createUpload(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    key: string,
  ): Promise<void> {
    await drain(req);
    const uploadId = randomUUID().replaceAll("-", "");
    const algorithm = checksumAlgorithmHeader(req);
    state.uploads.set(uploadId, {
      key,
      initiated: new Date(),
      ...(algorithm ? { checksumAlgorithm: algorithm } : {}),
      storageClass: String(req.headers["x-amz-storage-class"] ?? "STANDARD"),
      ...(req.headers["content-type"] ? { contentType: String(req.headers["content-type"]) } : {}),
      metadata: metadataOf(req),
      parts: new Map(),
    });
    sendXml(
      res,
      200,
      `<InitiateMultipartUploadResult ${XMLNS}><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`,
      algorithm ? { "x-amz-checksum-algorithm": algorithm, "x-amz-checksum-type": "COMPOSITE" } : {},
    );
  }

  function uploadOf(state: BucketState, q: URLSearchParams): { upload: MultipartUpload; partNumber: number } {
    const upload = state.uploads.get(q.get("uploadId") ?? "");
    if (!upload) throw new S3Failure(404, "NoSuchUpload", "The specified upload does not exist.");
    const partNumber = Number(q.get("partNumber"));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      throw new S3Failure(
        400,
        "InvalidArgument",
        "Part number must be an integer between 1 and 10000, inclusive",
      );
    }
    return { upload, partNumber };
  }

  async function uploadPart(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    state: BucketState,
    q: URLSearchParams,
  ): Promise<void> {
    const body = await readBody(req);
    const { upload, partNumber } = uploadOf(state, q);
    checkedChecksum(req, body);
    const part = partOf(body.data);
    upload.parts.set(partNumber, part);
    send(res, 200, {
      etag: part.etag,
      ...(upload.checksumAlgorithm === "SHA256"
        ? { "x-amz-checksum-sha256": part.sha256.toString("base64") }
        : {}),
    });
  }

  async function uploadPartCopy(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    state: BucketState,
    q: URLSearchParams,
  ): Promise<void> {
    await drain(req);
    await copyDelay();
    const { upload, partNumber } = uploadOf(state, q);
    const { bytes } = await readCopySource(req);
    upload.copied = true;
    const part = partOf(bytes);
    upload.parts.set(partNumber, part);
    const checksum =
      upload.checksumAlgorithm === "SHA256"
        ? `<ChecksumSHA256>${part.sha256.toString("base64")}</ChecksumSHA256>`
        : "";
    sendXml(
      res,
      200,
      `<CopyPartResult><ETag>${escapeXml(part.etag)}</ETag><LastModified>${new Date().toISOString()}</LastModified>${checksum}</CopyPartResult>`,
    );
  }

  async function completeUpload(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    key: string,
    q: URLSearchParams,
  ): Promise<void> {
    const xml = (await readBody(req)).data.toString("utf8");
    const uploadId = q.get("uploadId") ?? "";
    const upload = state.uploads.get(uploadId);
    if (!upload || upload.key !== key)
      throw new S3Failure(404, "NoSuchUpload", "The specified upload does not exist.");
    const listed = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
      number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? "")?.[1]),
      etag: unescapeXml(/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1] ?? "")?.[1] ?? ""),
      sha256: /<ChecksumSHA256>([\s\S]*?)<\/ChecksumSHA256>/.exec(m[1] ?? "")?.[1],
    }));
    if (listed.length === 0) throw new S3Failure(400, "MalformedXML", "no parts");
    const parts: UploadPartState[] = [];
    for (const [i, p] of listed.entries()) {
      if (i > 0 && p.number <= listed[i - 1]!.number) {
        throw new S3Failure(400, "InvalidPartOrder", "The list of parts was not in ascending order.");
      }
      const part = upload.parts.get(p.number);
      if (!part || normalizeEtag(p.etag) !== normalizeEtag(part.etag)) {
        throw new S3Failure(400, "InvalidPart", `part ${p.number} was not uploaded, or its ETag differs`);
      }
      if (p.sha256 !== undefined && p.sha256 !== part.sha256.toString("base64")) {
        throw new S3Failure(400, "InvalidPart", `part ${p.number}'s checksum differs`);
      }
      parts.push(part);
    }
    const bytes = Buffer.concat(parts.map((p) => p.bytes));
    const etag = `"${createHash("md5")
      .update(Buffer.concat(parts.map((p) => Buffer.from(normalizeEtag(p.etag), "hex"))))
      .digest("hex")}-${parts.length}"`;
    const checksum: Checksum | undefined =
      upload.checksumAlgorithm === "SHA256"
        ? {
            algorithm: "SHA256",
            value: `${createHash("sha256")
              .update(Buffer.concat(parts.map((p) => p.sha256)))
              .digest("base64")}-${parts.length}`,
            type: "COMPOSITE",
          }
        : undefined;
    state.uploads.delete(uploadId);
    if (upload.copied) options.copies?.push({ bucket, key });
    const version = await addVersion(bucket, state, key, {
      bytes,
      etag,
      ...(upload.contentType ? { contentType: upload.contentType } : {}),
      metadata: upload.metadata,
      storageClass: upload.storageClass,
      ...(checksum ? { checksum } : {}),
    });
    const checksumXml = checksum
      ? `<ChecksumSHA256>${checksum.value}</ChecksumSHA256><ChecksumType>COMPOSITE</ChecksumType>`
      : "";
    sendXml(
      res,
      200,
      `<CompleteMultipartUploadResult ${XMLNS}><Location>/${escapeXml(bucket)}/${escapeXml(key)}</Location><Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag)}</ETag>${checksumXml}</CompleteMultipartUploadResult>`,
      versionHeader(state, version),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Listings

  function listVersions(
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    q: URLSearchParams,
  ): void {
    if (q.has("delimiter"))
      throw new S3Failure(501, "NotImplemented", "the fake S3 lists versions without a delimiter");
    const prefix = q.get("prefix") ?? "";
    const keyMarker = q.get("key-marker") ?? "";
    const versionMarker = q.get("version-id-marker") ?? "";
    const maxKeys = Math.min(1000, Number(q.get("max-keys") ?? 1000));
    const entries: Array<{ key: string; version: StoredVersion; latest: boolean }> = [];
    for (const key of [...state.keys.keys()].filter((k) => k.startsWith(prefix)).sort(byBytes)) {
      if (keyMarker !== "" && byBytes(key, keyMarker) < 0) continue;
      const newestFirst = [...state.keys.get(key)!].reverse();
      let list = newestFirst.map((version, i) => ({ key, version, latest: i === 0 }));
      if (key === keyMarker) {
        if (versionMarker === "") continue;
        const at = list.findIndex((e) => e.version.versionId === versionMarker);
        list = at < 0 ? [] : list.slice(at + 1);
      }
      entries.push(...list);
    }
    const page = entries.slice(0, maxKeys);
    const truncated = entries.length > maxKeys;
    const last = page.at(-1);
    const body = page
      .map(({ key, version, latest }) =>
        version.deleteMarker
          ? `<DeleteMarker><Key>${escapeXml(key)}</Key><VersionId>${escapeXml(version.versionId)}</VersionId><IsLatest>${latest}</IsLatest><LastModified>${version.lastModified.toISOString()}</LastModified></DeleteMarker>`
          : `<Version><Key>${escapeXml(key)}</Key><VersionId>${escapeXml(version.versionId)}</VersionId><IsLatest>${latest}</IsLatest><LastModified>${version.lastModified.toISOString()}</LastModified><ETag>${escapeXml(version.etag)}</ETag><Size>${version.size}</Size><StorageClass>${version.storageClass}</StorageClass>${version.checksum ? `<ChecksumAlgorithm>${version.checksum.algorithm}</ChecksumAlgorithm><ChecksumType>${version.checksum.type}</ChecksumType>` : ""}</Version>`,
      )
      .join("");
    const next =
      truncated && last
        ? `<NextKeyMarker>${escapeXml(last.key)}</NextKeyMarker><NextVersionIdMarker>${escapeXml(last.version.versionId)}</NextVersionIdMarker>`
        : "";
    sendXml(
      res,
      200,
      `<ListVersionsResult ${XMLNS}><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyMarker>${escapeXml(keyMarker)}</KeyMarker><VersionIdMarker>${escapeXml(versionMarker)}</VersionIdMarker><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${body}</ListVersionsResult>`,
    );
  }

  /** ListObjects version 1 (the proxy answers version 2 from it): the current versions. */
  function listObjects(
    res: http.ServerResponse,
    bucket: string,
    state: BucketState,
    q: URLSearchParams,
  ): void {
    const prefix = q.get("prefix") ?? "";
    const marker = q.get("marker") ?? "";
    const delimiter = q.get("delimiter") ?? "";
    const maxKeys = Math.min(1000, Number(q.get("max-keys") ?? 1000));
    const items: Array<{ key: string; version?: StoredVersion }> = [];
    const prefixes = new Set<string>();
    for (const key of [...state.keys.keys()].filter((k) => k.startsWith(prefix)).sort(byBytes)) {
      const latest = state.keys.get(key)!.at(-1)!;
      if (latest.deleteMarker) continue;
      const cut = delimiter === "" ? -1 : key.indexOf(delimiter, prefix.length);
      if (cut >= 0) {
        const common = key.slice(0, cut + delimiter.length);
        if (byBytes(common, marker) > 0 && !prefixes.has(common)) {
          prefixes.add(common);
          items.push({ key: common });
        }
        continue;
      }
      if (byBytes(key, marker) > 0) items.push({ key, version: latest });
    }
    const page = items.slice(0, maxKeys);
    const truncated = items.length > maxKeys;
    const body = page
      .map(({ key, version }) =>
        version
          ? `<Contents><Key>${escapeXml(key)}</Key><LastModified>${version.lastModified.toISOString()}</LastModified><ETag>${escapeXml(version.etag)}</ETag><Size>${version.size}</Size><StorageClass>${version.storageClass}</StorageClass></Contents>`
          : `<CommonPrefixes><Prefix>${escapeXml(key)}</Prefix></CommonPrefixes>`,
      )
      .join("");
    const next = truncated ? `<NextMarker>${escapeXml(page.at(-1)!.key)}</NextMarker>` : "";
    sendXml(
      res,
      200,
      `<ListBucketResult ${XMLNS}><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><Marker>${escapeXml(marker)}</Marker><MaxKeys>${maxKeys}</MaxKeys>${delimiter ? `<Delimiter>${escapeXml(delimiter)}</Delimiter>` : ""}<IsTruncated>${truncated}</IsTruncated>${next}${body}</ListBucketResult>`,
    );
  }

  function listUploads(res: http.ServerResponse, bucket: string, state: BucketState): void {
    const body = [...state.uploads.entries()]
      .map(
        ([id, u]) =>
          `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${id}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>${u.storageClass}</StorageClass></Upload>`,
      )
      .join("");
    sendXml(
      res,
      200,
      `<ListMultipartUploadsResult ${XMLNS}><Bucket>${escapeXml(bucket)}</Bucket><IsTruncated>false</IsTruncated>${body}</ListMultipartUploadsResult>`,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  function forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      res.on("close", () => resolve());
      const up = http.request(
        {
          host: backend.host,
          port: backend.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      up.on("error", (e) => {
        if (!res.headersSent) sendError(res, new S3Failure(502, "BadGateway", e.message));
        else res.destroy(e);
      });
      req.pipe(up);
    });
  }

  const server = http.createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendError(
        res,
        e instanceof S3Failure ? e : new S3Failure(500, "InternalError", `fake S3 layer: ${String(e)}`),
        req.method === "HEAD",
      );
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** A request body, decoded from aws-chunked (with its trailers) when the SDK streamed it. */
async function readBody(
  req: http.IncomingMessage,
): Promise<{ data: Buffer; trailers: Record<string, string> }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers["content-encoding"] ?? "");
  const sha = String(req.headers["x-amz-content-sha256"] ?? "");
  if (!encoding.includes("aws-chunked") && !sha.startsWith("STREAMING-")) return { data: raw, trailers: {} };
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let at = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", at);
    if (eol < 0) throw new S3Failure(400, "IncompleteBody", "aws-chunked body ends early");
    const size = Number.parseInt(raw.subarray(at, eol).toString("latin1").split(";")[0] ?? "", 16);
    if (!Number.isFinite(size)) throw new S3Failure(400, "InvalidRequest", "bad aws-chunked chunk size");
    at = eol + 2;
    if (size === 0) break;
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  for (const line of raw.subarray(at).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(parts), trailers };
}

async function drain(req: http.IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}

/** The checksum a write carries (header or trailer), checked against the bytes received. */
function checkedChecksum(
  req: http.IncomingMessage,
  body: { data: Buffer; trailers: Record<string, string> },
): Checksum | undefined {
  for (const algorithm of ["SHA256", "CRC32", "CRC32C", "CRC64NVME", "SHA1"] as const) {
    const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
    const given = req.headers[name] ?? body.trailers[name];
    if (given === undefined) continue;
    const value = String(given);
    if (algorithm === "SHA256" || algorithm === "CRC32") {
      const actual = checksumOf(algorithm, body.data);
      if (actual !== value) {
        throw new S3Failure(
          400,
          "BadDigest",
          `The ${algorithm} you specified did not match the calculated checksum.`,
        );
      }
    }
    return { algorithm, value, type: "FULL_OBJECT" };
  }
  return undefined;
}

function checksumAlgorithmHeader(req: http.IncomingMessage): "SHA256" | "CRC32" | undefined {
  const value = req.headers["x-amz-checksum-algorithm"] ?? req.headers["x-amz-sdk-checksum-algorithm"];
  if (value === undefined) return undefined;
  const upper = String(value).toUpperCase();
  if (upper !== "SHA256" && upper !== "CRC32") {
    throw new S3Failure(
      501,
      "NotImplemented",
      `the fake S3 computes SHA256 and CRC32 checksums, not ${upper}`,
    );
  }
  return upper;
}

function checksumOf(algorithm: "SHA256" | "CRC32", bytes: Buffer): string {
  if (algorithm === "SHA256") return createHash("sha256").update(bytes).digest("base64");
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(bytes) >>> 0);
  return out.toString("base64");
}

function checksumHeaders(checksum: Checksum | undefined): Record<string, string> {
  if (!checksum) return {};
  return {
    [`x-amz-checksum-${checksum.algorithm.toLowerCase()}`]: checksum.value,
    "x-amz-checksum-type": checksum.type,
  };
}

function partOf(bytes: Buffer): UploadPartState {
  return {
    bytes: Buffer.from(bytes),
    etag: `"${md5(bytes)}"`,
    sha256: createHash("sha256").update(bytes).digest(),
  };
}

function versionHeader(state: BucketState, version: StoredVersion): Record<string, string> {
  return state.versioning === undefined ? {} : { "x-amz-version-id": version.versionId };
}

function markerVersion(versionId: string): StoredVersion {
  return {
    versionId,
    deleteMarker: true,
    size: 0,
    etag: "",
    lastModified: new Date(),
    metadata: {},
    storageClass: "STANDARD",
  };
}

function metadataOf(req: http.IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.headers)
      .filter(([name]) => name.startsWith("x-amz-meta-"))
      .map(([name, value]) => [name.slice("x-amz-meta-".length), String(value)]),
  );
}

/** S3-like version ids: 32 URL-safe characters. */
function randomVersionId(): string {
  return `${randomUUID()}${randomUUID()}`.replaceAll("-", "").slice(0, 32);
}

function md5(bytes: Buffer): string {
  return createHash("md5").update(bytes).digest("hex");
}

function normalizeEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, "")
    .replace(/^"(.*)"$/, "$1");
}

/** S3 sorts keys by their UTF-8 bytes. */
function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function send(res: http.ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-length": "0", ...headers });
  res.end();
}

function sendXml(
  res: http.ServerResponse,
  status: number,
  xml: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, "utf8");
  res.writeHead(status, {
    "content-type": "application/xml",
    "content-length": String(body.length),
    ...headers,
  });
  res.end(body);
}

function sendError(res: http.ServerResponse, failure: S3Failure, head = false): void {
  const extra = Object.entries(failure.headers).filter(([k]) => !k.startsWith("x-amz-"));
  const headers = Object.fromEntries(Object.entries(failure.headers).filter(([k]) => k.startsWith("x-amz-")));
  const body = head
    ? ""
    : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${failure.code}</Code><Message>${escapeXml(failure.message)}</Message>${extra.map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join("")}<RequestId>fake</RequestId></Error>`;
  res.writeHead(failure.status, {
    "content-type": "application/xml",
    "content-length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}
