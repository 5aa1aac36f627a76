// The fake cloud's S3: s3rver (objects on a temp disk) behind a thin HTTP proxy on 127.0.0.1
// that adds what s3rver lacks and tests need, so the S3 code under test is the production
// code with only the endpoint changed.
//
// - Conditional writes. s3rver ignores If-None-Match and If-Match on PUT, so a test of
//   exactly-once publishing against it alone would pass whatever the code did. The proxy
//   decides them as S3 does (PutObject, CompleteMultipartUpload, CopyObject, and If-Match on
//   DeleteObject):
//   `If-None-Match: *` → 412 PreconditionFailed when the key exists; `If-Match: <etag>` → 412
//   when the current ETag differs, 404 NoSuchKey when there is no object (what S3 answers).
//   Every write to one key is serialized by a per-key mutex, so the check and the write it
//   guards are one step, as they are in S3.
// - ListObjectsV2 pagination. s3rver encrypts its continuation tokens with DES, which the
//   OpenSSL 3 in current Node no longer has (every truncated page is a 500). The proxy asks
//   s3rver for a version 1 listing (marker-based) and answers in version 2 form, with the
//   last key as the continuation token.
// - Faults on demand: `failNext` answers the next matching requests with an S3 error (503
//   SlowDown, 403 AccessDenied...) or lets a request reach s3rver and loses its answer.
// - Counters of requests by operation, for tests that assert what was (not) sent.
//
// Everything else is forwarded unchanged, bodies streamed. s3rver does not check SigV4
// signatures (only that the access key is S3RVER), so rewritten requests still pass.
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { escapeXml, unescapeXml } from "./xml-text.ts";

export type S3Operation =
  | "ListBuckets"
  | "CreateBucket"
  | "DeleteBucket"
  | "HeadBucket"
  | "ListObjects"
  | "ListObjectsV2"
  | "DeleteObjects"
  | "PutObject"
  | "CopyObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts"
  | "Other";

/** An S3 error answer, or a request that reaches s3rver (and takes effect) whose answer is
 * then lost: the client sees the connection reset. */
export type FakeS3Fault =
  | { readonly status: number; readonly code: string; readonly message?: string }
  | { readonly dropResponse: true };

export interface FakeS3FaultMatch {
  readonly operation?: S3Operation | readonly S3Operation[];
  /** The object key (without the bucket), exactly or by pattern. */
  readonly key?: string | RegExp;
}

export interface FakeS3Requests {
  total: number;
  readonly byOperation: Partial<Record<S3Operation, number>>;
  /** Conditional writes refused: 412, or 404 for If-Match on a missing key. */
  preconditionFailed: number;
  /** Conditional writes let through (the condition held). */
  conditionalWrites: number;
  /** Requests answered (or dropped) by an injected fault. */
  faults: number;
}

export interface FakeS3 {
  /** The proxy: give this to clients (as `endpoint` or AWS_ENDPOINT_URL_S3). */
  readonly endpoint: string;
  /** s3rver itself, without the proxy's checks: only to show what they prevent. */
  readonly s3rverEndpoint: string;
  readonly bucket: string;
  readonly region: string;
  /** The only access key s3rver accepts. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The standard AWS environment for code that reads it (AWS_ENDPOINT_URL_S3, ...). */
  readonly env: Readonly<Record<string, string>>;
  readonly requests: FakeS3Requests;
  count(operation: S3Operation): number;
  resetCounters(): void;
  /** The next `n` requests that match get `fault` instead of s3rver's answer. */
  failNext(n: number, fault: FakeS3Fault, match?: FakeS3FaultMatch): void;
  close(): Promise<void>;
}

export interface FakeS3Options {
  /** Bucket created at start (S3 rules: 3 to 63 characters). */
  readonly bucket?: string;
  readonly region?: string;
  /** A server put between the proxy and s3rver (s3-versions.ts), given s3rver's address. */
  readonly layer?: (s3rver: { readonly host: string; readonly port: number }) => Promise<{
    readonly port: number;
    close(): Promise<void>;
  }>;
}

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverServer;

const ACCESS_KEY = "S3RVER";

export async function startFakeS3(options: FakeS3Options = {}): Promise<FakeS3> {
  const bucket = options.bucket ?? "modelfleet-test";
  const region = options.region ?? "us-east-1";
  const directory = await mkdtemp(path.join(os.tmpdir(), "modelfleet-s3rver-"));
  // s3rver ships CommonJS without types.
  const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  let backend: AddressInfo;
  try {
    backend = await s3rver.run();
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  const layer = options.layer ? await options.layer({ host: "127.0.0.1", port: backend.port }) : undefined;
  const proxy = createProxy({ host: "127.0.0.1", port: layer?.port ?? backend.port });
  proxy.server.listen(0, "127.0.0.1");
  await once(proxy.server, "listening");
  const { port } = proxy.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  let closed = false;
  return {
    endpoint,
    s3rverEndpoint: `http://127.0.0.1:${backend.port}`,
    bucket,
    region,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY },
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: ACCESS_KEY,
    },
    requests: proxy.requests,
    count: (operation) => proxy.requests.byOperation[operation] ?? 0,
    resetCounters: proxy.resetCounters,
    failNext: proxy.failNext,
    async close() {
      if (closed) return;
      closed = true;
      proxy.server.closeAllConnections();
      await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
      proxy.agent.destroy();
      await layer?.close();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

interface Backend {
  readonly host: string;
  readonly port: number;
}

interface PendingFault {
  remaining: number;
  readonly fault: FakeS3Fault;
  readonly match: FakeS3FaultMatch | undefined;
}

interface Target {
  readonly operation: S3Operation;
  readonly bucket: string | undefined;
  /** Decoded object key, when the request names one. */
  readonly key: string | undefined;
  /** The path as sent (still encoded): one object's identity for the mutex. */
  readonly rawPath: string;
  readonly query: URLSearchParams;
}

/** Operations that create or replace an object, serialized per key. */
const WRITES: ReadonlySet<S3Operation> = new Set([
  "PutObject",
  "CopyObject",
  "CompleteMultipartUpload",
  "DeleteObject",
]);
/** Writes on which S3 honours If-None-Match / If-Match (a delete, If-Match only). */
const CONDITIONAL_WRITES: ReadonlySet<S3Operation> = new Set([
  "PutObject",
  "CopyObject",
  "CompleteMultipartUpload",
  "DeleteObject",
]);

function createProxy(backend: Backend) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  /** A request to s3rver. Without noDelay, Nagle's algorithm holds each small request back
   * for the previous packet's ACK: milliseconds per request. */
  const backendRequest = (
    options: http.RequestOptions,
    onResponse: (response: http.IncomingMessage) => void,
  ) => {
    const up = http.request({ ...options, host: backend.host, port: backend.port, agent }, onResponse);
    up.on("socket", (socket) => socket.setNoDelay(true));
    return up;
  };
  const locks = new Map<string, Promise<void>>();
  let faults: PendingFault[] = [];
  const requests: FakeS3Requests = {
    total: 0,
    byOperation: {},
    preconditionFailed: 0,
    conditionalWrites: 0,
    faults: 0,
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = classify(req);
    requests.total++;
    requests.byOperation[target.operation] = (requests.byOperation[target.operation] ?? 0) + 1;

    const fault = takeFault(target);
    if (fault && "status" in fault) {
      requests.faults++;
      return sendError(req, res, fault.status, fault.code, fault.message ?? defaultMessage(fault.code));
    }
    const dropResponse = fault !== undefined;
    if (dropResponse) requests.faults++;

    if (target.operation === "ListObjectsV2") return listV2(req, res, target, dropResponse);
    if (target.key !== undefined && WRITES.has(target.operation)) {
      return withKeyLock(target.rawPath, async () => {
        if (CONDITIONAL_WRITES.has(target.operation) && !(await conditionHolds(req, res, target))) return;
        await forward(req, res, { dropResponse });
      });
    }
    return forward(req, res, { dropResponse });
  }

  /** Answers the request itself when the condition fails; true when it holds (or none). */
  async function conditionHolds(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: Target,
  ): Promise<boolean> {
    const ifNoneMatch = header(req, "if-none-match");
    const ifMatch = header(req, "if-match");
    if (ifNoneMatch === undefined && ifMatch === undefined) return true;
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== "*") {
      await sendError(req, res, 501, "NotImplemented", "If-None-Match on a write accepts only *");
      return false;
    }
    const current = await headObject(target.rawPath);
    if (ifNoneMatch !== undefined && current !== undefined) {
      requests.preconditionFailed++;
      await sendError(req, res, 412, "PreconditionFailed", defaultMessage("PreconditionFailed"), {
        Condition: "If-None-Match",
      });
      return false;
    }
    if (ifMatch !== undefined) {
      if (current === undefined) {
        requests.preconditionFailed++;
        await sendError(req, res, 404, "NoSuchKey", defaultMessage("NoSuchKey"), { Key: target.key ?? "" });
        return false;
      }
      const wanted = ifMatch.split(",").map(normalizeEtag);
      if (!wanted.includes("*") && !wanted.includes(normalizeEtag(current.etag))) {
        requests.preconditionFailed++;
        await sendError(req, res, 412, "PreconditionFailed", defaultMessage("PreconditionFailed"), {
          Condition: "If-Match",
        });
        return false;
      }
    }
    requests.conditionalWrites++;
    return true;
  }

  function headObject(rawPath: string): Promise<{ etag: string } | undefined> {
    return new Promise((resolve, reject) => {
      const up = backendRequest({ method: "HEAD", path: rawPath }, (response) => {
        response.resume();
        response.on("end", () => {
          if (response.statusCode === 404) resolve(undefined);
          else if (response.statusCode === 200) resolve({ etag: String(response.headers.etag ?? "") });
          else reject(new Error(`s3rver answered HEAD ${rawPath} with ${response.statusCode}`));
        });
      });
      up.on("error", reject);
      up.end();
    });
  }

  /** Sends the request to s3rver as it came and streams the answer back; settles when the
   * exchange is over, however it ends, so a key's mutex is always released. */
  function forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    options: { dropResponse?: boolean } = {},
  ): Promise<void> {
    return new Promise((resolve) => {
      res.on("close", () => resolve());
      const headers = { ...req.headers };
      // The proxy has already told the client to go on (see checkContinue below).
      delete headers.expect;
      const up = backendRequest({ method: req.method, path: req.url, headers }, (response) => {
        if (options.dropResponse) {
          response.resume();
          response.on("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      });
      up.on("error", (e) => {
        if (!res.headersSent) void sendError(req, res, 502, "BadGateway", `fake S3 backend: ${e.message}`);
        else res.destroy(e);
      });
      res.on("close", () => {
        if (!res.writableFinished) up.destroy();
      });
      req.pipe(up);
    });
  }

  /** ListObjectsV2 through s3rver's version 1 listing (see the top of the file). */
  async function listV2(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    target: Target,
    dropResponse: boolean,
  ): Promise<void> {
    const q = target.query;
    const token = q.get("continuation-token") ?? undefined;
    const startAfter = q.get("start-after") ?? undefined;
    const v1 = new URLSearchParams();
    for (const name of ["prefix", "delimiter", "max-keys", "encoding-type"]) {
      const value = q.get(name);
      if (value !== null) v1.set(name, value);
    }
    const marker = token !== undefined ? decodeToken(token) : startAfter;
    if (token !== undefined && marker === undefined) {
      return sendError(req, res, 400, "InvalidArgument", "The continuation token provided is incorrect");
    }
    if (marker !== undefined) v1.set("marker", marker);
    const pathOnly = (req.url ?? "/").split("?")[0];
    const { status, headers, body } = await fetchBackend(`${pathOnly}?${v1.toString()}`, req.headers);
    if (dropResponse) {
      req.socket.destroy();
      return;
    }
    let text = body.toString("utf8");
    if (status === 200) text = toListV2(text, { token, startAfter });
    const out = Buffer.from(text, "utf8");
    const outHeaders = { ...headers, "content-length": String(out.length) };
    delete outHeaders["transfer-encoding"];
    res.writeHead(status, outHeaders);
    res.end(out);
  }

  function fetchBackend(
    pathAndQuery: string,
    headers: http.IncomingHttpHeaders,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const up = backendRequest({ method: "GET", path: pathAndQuery, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 502,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on("error", reject);
      });
      up.on("error", reject);
      up.end();
    });
  }

  function withKeyLock(key: string, fn: () => Promise<void>): Promise<void> {
    const previous = locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    locks.set(key, tail);
    return previous.then(fn).finally(() => {
      release();
      if (locks.get(key) === tail) locks.delete(key);
    });
  }

  function takeFault(target: Target): FakeS3Fault | undefined {
    const pending = faults.find((f) => f.remaining > 0 && matches(f.match, target));
    if (!pending) return undefined;
    pending.remaining--;
    faults = faults.filter((f) => f.remaining > 0);
    return pending.fault;
  }

  const server = http.createServer({ noDelay: true }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) void sendError(req, res, 500, "InternalError", `fake S3 proxy: ${String(e)}`);
      else res.destroy();
    });
  });
  // Answer `Expect: 100-continue` only once the request is going ahead, so a refused
  // conditional write or an injected fault is answered before the client sends its body.
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const write = res.writeContinue.bind(res);
    let continued = false;
    req.once("resume", () => {
      if (!continued && !res.headersSent) {
        continued = true;
        write();
      }
    });
    server.emit("request", req, res);
  });

  return {
    server,
    agent,
    requests,
    resetCounters() {
      requests.total = 0;
      requests.preconditionFailed = 0;
      requests.conditionalWrites = 0;
      requests.faults = 0;
      for (const name of Object.keys(requests.byOperation)) delete requests.byOperation[name as S3Operation];
    },
    failNext(n: number, fault: FakeS3Fault, match?: FakeS3FaultMatch) {
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`failNext needs a whole number of requests, got ${n}`);
      if (n > 0) faults.push({ remaining: n, fault, match });
    },
  };
}

function classify(req: http.IncomingMessage): Target {
  const url = new URL(req.url ?? "/", "http://fake-s3");
  const rawPath = url.pathname;
  const query = url.searchParams;
  const [, rawBucket = "", ...rest] = rawPath.split("/");
  const bucket = rawBucket === "" ? undefined : decodeURIComponent(rawBucket);
  const key =
    rest.length === 0 || (rest.length === 1 && rest[0] === "")
      ? undefined
      : decodeURIComponent(rest.join("/"));
  const method = req.method ?? "GET";
  const copy = req.headers["x-amz-copy-source"] !== undefined;
  const has = (name: string) => query.has(name);
  // The SDK names the operation in an x-id parameter on some requests; it changes nothing.
  const bare = [...query.keys()].every((name) => name === "x-id");
  let operation: S3Operation = "Other";
  if (bucket === undefined) {
    if (method === "GET") operation = "ListBuckets";
  } else if (key === undefined) {
    if (method === "PUT" && bare) operation = "CreateBucket";
    else if (method === "DELETE" && bare) operation = "DeleteBucket";
    else if (method === "HEAD") operation = "HeadBucket";
    else if (method === "POST" && has("delete")) operation = "DeleteObjects";
    else if (method === "GET" && query.get("list-type") === "2") operation = "ListObjectsV2";
    else if (method === "GET" && !SUBRESOURCES.some(has)) operation = "ListObjects";
  } else if (method === "PUT") {
    if (has("uploadId") && has("partNumber")) operation = copy ? "UploadPartCopy" : "UploadPart";
    else if (!SUBRESOURCES.some(has)) operation = copy ? "CopyObject" : "PutObject";
  } else if (method === "POST") {
    if (has("uploads")) operation = "CreateMultipartUpload";
    else if (has("uploadId")) operation = "CompleteMultipartUpload";
  } else if (method === "DELETE") {
    operation = has("uploadId") ? "AbortMultipartUpload" : SUBRESOURCES.some(has) ? "Other" : "DeleteObject";
  } else if (method === "GET") {
    operation = has("uploadId") ? "ListParts" : SUBRESOURCES.some(has) ? "Other" : "GetObject";
  } else if (method === "HEAD") {
    operation = "HeadObject";
  }
  return { operation, bucket, key, rawPath, query };
}

/** Query parameters that turn a request into a sub-resource operation (ACLs, tags...). */
const SUBRESOURCES = [
  "acl",
  "tagging",
  "versioning",
  "versions",
  "policy",
  "cors",
  "lifecycle",
  "location",
  "website",
  "uploads",
  "uploadId",
  "retention",
  "legal-hold",
  "attributes",
  "restore",
  "torrent",
];

function matches(match: FakeS3FaultMatch | undefined, target: Target): boolean {
  if (!match) return true;
  if (match.operation !== undefined) {
    const ops: readonly S3Operation[] =
      typeof match.operation === "string" ? [match.operation] : match.operation;
    if (!ops.includes(target.operation)) return false;
  }
  if (match.key !== undefined) {
    if (target.key === undefined) return false;
    if (typeof match.key === "string" ? target.key !== match.key : !match.key.test(target.key)) return false;
  }
  return true;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function normalizeEtag(etag: string): string {
  const trimmed = etag.trim();
  if (trimmed === "*") return "*";
  return trimmed.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function defaultMessage(code: string): string {
  switch (code) {
    case "PreconditionFailed":
      return "At least one of the pre-conditions you specified did not hold";
    case "NoSuchKey":
      return "The specified key does not exist.";
    case "SlowDown":
      return "Please reduce your request rate.";
    case "AccessDenied":
      return "Access Denied";
    case "InternalError":
      return "We encountered an internal error. Please try again.";
    case "ServiceUnavailable":
      return "Service is unable to handle request.";
    default:
      return code;
  }
}

/** Answers with S3's XML error document (no body for HEAD, as S3). Drains the request
 * body first unless the client is waiting for `100 Continue`. */
async function sendError(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Readonly<Record<string, string>> = {},
): Promise<void> {
  const requestId = randomUUID().replaceAll("-", "").slice(0, 16).toUpperCase();
  const fields = { Code: code, Message: message, ...extra, RequestId: requestId, HostId: "fake-s3" };
  const body =
    req.method === "HEAD"
      ? ""
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${Object.entries(fields)
          .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
          .join("")}</Error>`;
  const headers: http.OutgoingHttpHeaders = {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    "x-amz-request-id": requestId,
  };
  // Closing is what S3 does after refusing a request whose body it did not read; it also
  // spares the client from streaming a large body into a refused request.
  if (!requestBodyDone(req)) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(body);
  await once(res, "close").catch(() => undefined);
}

function requestBodyDone(req: http.IncomingMessage): boolean {
  const length = req.headers["content-length"];
  const chunked = req.headers["transfer-encoding"] !== undefined;
  return req.readableEnded || (!chunked && (length === undefined || length === "0"));
}

/** Version 1 listing XML → version 2: KeyCount, (Next)ContinuationToken, StartAfter. */
function toListV2(
  xml: string,
  request: { token: string | undefined; startAfter: string | undefined },
): string {
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
  const keys = [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unescapeXml(m[1] ?? ""));
  const prefixes = [...xml.matchAll(/<CommonPrefixes><Prefix>([\s\S]*?)<\/Prefix><\/CommonPrefixes>/g)];
  const nextMarker = /<NextMarker>([\s\S]*?)<\/NextMarker>/.exec(xml)?.[1];
  const last = nextMarker !== undefined ? unescapeXml(nextMarker) : keys.at(-1);
  let out = xml.replace(/<Marker>[\s\S]*?<\/Marker>/, "").replace(/<NextMarker>[\s\S]*?<\/NextMarker>/, "");
  const added = [
    `<KeyCount>${keys.length + prefixes.length}</KeyCount>`,
    request.token !== undefined ? `<ContinuationToken>${escapeXml(request.token)}</ContinuationToken>` : "",
    request.startAfter !== undefined && request.token === undefined
      ? `<StartAfter>${escapeXml(request.startAfter)}</StartAfter>`
      : "",
    truncated && last !== undefined
      ? `<NextContinuationToken>${escapeXml(encodeToken(last))}</NextContinuationToken>`
      : "",
  ].join("");
  out = out.replace(/<IsTruncated>/, `${added}<IsTruncated>`);
  return out;
}

function encodeToken(lastKey: string): string {
  return Buffer.from(`v1:${lastKey}`, "utf8").toString("base64url");
}

function decodeToken(token: string): string | undefined {
  const text = Buffer.from(token, "base64url").toString("utf8");
  return text.startsWith("v1:") ? text.slice(3) : undefined;
}
