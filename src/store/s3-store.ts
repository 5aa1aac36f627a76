// The result store in S3 (or any S3-compatible endpoint), in the layout of result-store.ts
// under `<prefix><project>/<scenario>/`, with the semantics of the filesystem store; plus the
// S3 client every cloud part uses, and the bundle upload/download helpers.
//
// publishResult is exactly once per result, across workers, using S3's conditional writes:
// - No result.json yet: PUT with `If-None-Match: *`. S3 lets one such PUT create the key;
//   the others get 412 and compare keys with the winner's result.
// - A result.json this one supersedes (another key, or an infrastructure failure that a
//   settled result now replaces): PUT with `If-Match: <its ETag>`, so of several replacers
//   only the first succeeds and the others re-read and find a settled result.
// Each publish carries a random token in the object's metadata. When an answer is lost and
// the SDK retries a PUT that had in fact succeeded, S3 answers 412; the token then shows the
// object is ours, and the caller is still told "published".
//
// Retries: one layer, the SDK's, with our retry strategy (createS3RetryStrategy). It retries
// each HTTP request (one 8 MiB part of an upload, one GET of a listing), so a throttled part
// does not restart a whole upload, and attempts do not multiply as they would with a loop
// of our own around the SDK's. It backs off exponentially with full jitter, longer for
// throttling (503 SlowDown), and waits on the injected Clock so tests run instantly. The
// answers that drive publishing (412, 409, 404) are client errors it never retries.
//
// Endpoint and region come from the standard AWS environment (AWS_REGION,
// AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL), which the SDK reads itself; props override them.
// So the same code talks to AWS in production and to the fake cloud's S3 in tests.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import pLimit from "p-limit";
import { type Clock, systemClock } from "../engine/clock.ts";
import { errorMessage, UserError } from "../errors.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import { type NewPlan, nextPlanRecord, PLAN_FILE, type PlanRecord, parsePlanRecord } from "./plan-record.ts";
import { readAhead } from "./read-ahead.ts";
import {
  attemptFolder,
  checkRelativePath,
  checkScenarioPath,
  checkSegment,
  type PublishOptions,
  parseResult,
  storedPath,
  supersedes,
} from "./result-rules.ts";
import type {
  AttemptFile,
  PublishOutcome,
  ResultStore,
  ResultVersion,
  RunSetFileContent,
  RunSetRef,
  StoredFile,
} from "./result-store.ts";
import { type PublishAttemptOutcome, tidyAfterPublish } from "./tidy-after-publish.ts";

const RESULT_FILE = "result.json";
/** GETs in flight while listing results: enough to hide S3's latency (tens of ms each). */
const LIST_CONCURRENCY = 32;
/** S3's own maximum page size. */
const LIST_PAGE_SIZE = 1000;
/** Multipart part size (S3's minimum is 5 MiB); files up to one part go in a single PUT. */
const PART_SIZE = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;
const UPLOAD_QUEUE_SIZE = 4;
/** Object metadata naming the publish that wrote a result.json (see the top of the file). */
const PUBLISH_TOKEN = "modelfleet-publish";
/** A publish only loses a round when another write succeeded, so this bound is only reached
 * if result.json keeps changing under it. */
const MAX_PUBLISH_ROUNDS = 50;
const DEFAULT_MAX_ATTEMPTS = 8;

// ---------------------------------------------------------------------------------------------
// The client

export interface S3RetryOptions {
  /** Attempts per request, the first included. */
  readonly maxAttempts?: number;
  /** Backoff base for server errors and network failures. */
  readonly baseDelayMs?: number;
  /** Backoff base when S3 asks us to slow down (503 SlowDown, throttling). */
  readonly throttlingBaseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly clock?: Clock;
  /** [0, 1): the jitter. */
  readonly random?: () => number;
}

export interface S3ClientProps {
  /** Default: the SDK's (AWS_REGION, then the profile). */
  readonly region?: string;
  /** Default: the SDK's (AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS). */
  readonly endpoint?: string;
  /** Path-style URLs (http://host/bucket/key). Default: on when an endpoint is configured,
   * since local S3s (s3rver, MinIO) do not serve buckets as host names. */
  readonly forcePathStyle?: boolean;
  /** Default: the SDK's credential chain (environment, profile, ECS task role). */
  readonly credentials?: S3ClientConfig["credentials"];
  readonly retry?: S3RetryOptions;
}

/** The one way modelfleet builds an S3 client. */
export function createS3Client(props: S3ClientProps = {}): S3Client {
  const maxAttempts = props.retry?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const endpoint = props.endpoint ?? endpointFromEnvironment();
  return new S3Client({
    ...(props.region !== undefined && { region: props.region }),
    ...(props.endpoint !== undefined && { endpoint: props.endpoint }),
    ...(props.credentials !== undefined && { credentials: props.credentials }),
    forcePathStyle: props.forcePathStyle ?? endpoint !== undefined,
    // The SDK waits forever by default. A connection or socket that stalls fails as a
    // timeout, which the retry strategy retries.
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
    maxAttempts,
    retryStrategy: createS3RetryStrategy({ ...props.retry, maxAttempts }),
  });
}

/** The endpoint the SDK will use from the environment, if any; we only need to know
 * whether there is one. */
function endpointFromEnvironment(): string | undefined {
  if (process.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.toLowerCase() === "true") return undefined;
  return process.env["AWS_ENDPOINT_URL_S3"] || process.env["AWS_ENDPOINT_URL"] || undefined;
}

type RetryStrategyV2 = Extract<
  NonNullable<S3ClientConfig["retryStrategy"]>,
  { acquireInitialRetryToken: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2["acquireInitialRetryToken"]>>;
type RetryErrorInfo = Parameters<RetryStrategyV2["refreshRetryTokenForRetry"]>[1];

/**
 * The SDK retry strategy of every modelfleet S3 client: throttling, server errors and network
 * failures are retried with exponential backoff and full jitter, waiting on `clock`.
 */
export function createS3RetryStrategy(options: S3RetryOptions = {}): RetryStrategyV2 {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const baseDelay = options.baseDelayMs ?? 100;
  const throttlingBaseDelay = options.throttlingBaseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 20_000;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const token = (retries: number): RetryToken => ({
    getRetryCount: () => retries,
    // The strategy has already waited (below), as the SDK's own strategies do.
    getRetryDelay: () => 0,
  });
  return {
    acquireInitialRetryToken: async () => token(0),
    async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
      const attempts = previous.getRetryCount() + 1;
      if (info.errorType === "CLIENT_ERROR" || attempts >= maxAttempts) {
        throw info.error ?? new Error("not retried");
      }
      const base = info.errorType === "THROTTLING" ? throttlingBaseDelay : baseDelay;
      let delay = random() * Math.min(maxDelay, base * 2 ** (attempts - 1));
      if (info.retryAfterHint) {
        // Retry-After is wall-clock time, whatever the injected clock says.
        delay = Math.max(delay, Math.min(maxDelay, info.retryAfterHint.getTime() - Date.now()));
      }
      await clock.sleep(delay);
      return token(attempts);
    },
    recordSuccess: () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// The store

export interface S3ResultStoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket; a trailing "/" is added when missing. */
  readonly prefix?: string;
  /** Default: createS3Client({ retry: { clock } }). A client given here brings its own
   * retry configuration. */
  readonly client?: S3Client;
  /** Waits between publish rounds and, for the default client, between retries. */
  readonly clock?: Clock;
  /** ListObjectsV2 page size (MaxKeys): S3's maximum unless a test wants many pages. */
  readonly listPageSize?: number;
  /** GETs of result.json in flight while listing. */
  readonly listConcurrency?: number;
}

/** Where S3 helpers read and write. A store is one. */
export interface S3Target {
  readonly client: S3Client;
  readonly bucket: string;
}

export function createS3ResultStore(options: S3ResultStoreOptions): S3ResultStore {
  return new S3ResultStore(options);
}

export class S3ResultStore implements ResultStore, S3Target {
  readonly location: string;
  readonly bucket: string;
  /** "" or ending in "/". */
  readonly prefix: string;
  readonly client: S3Client;
  private readonly clock: Clock;
  private readonly listPageSize: number;
  private readonly listConcurrency: number;

  constructor(options: S3ResultStoreOptions) {
    const url = /^s3:\/\/([^/]+)\/?(.*)$/.exec(options.bucket);
    if (url) {
      throw new UserError(
        `give the bucket as a name, not a URL: bucket ${JSON.stringify(url[1])}` +
          (url[2] ? ` and prefix ${JSON.stringify(url[2])}` : ""),
      );
    }
    if (options.bucket === "" || options.bucket.includes("/")) {
      throw new UserError(
        `${JSON.stringify(options.bucket)} is not an S3 bucket name: check the bucket in the infrastructure outputs`,
      );
    }
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? "");
    this.clock = options.clock ?? systemClock;
    this.client = options.client ?? createS3Client({ retry: { clock: this.clock } });
    this.listPageSize = Math.max(1, Math.min(LIST_PAGE_SIZE, options.listPageSize ?? LIST_PAGE_SIZE));
    this.listConcurrency = Math.max(1, options.listConcurrency ?? LIST_CONCURRENCY);
    this.location = `s3://${this.bucket}${this.prefix === "" ? "" : `/${this.prefix.slice(0, -1)}`}`;
  }

  runSetLocation(runSet: RunSetRef): string {
    return s3Url(this.bucket, this.runSetKey(runSet));
  }

  async getResult(runSet: RunSetRef, id: string): Promise<RealisationResult | undefined> {
    return this.readResult(this.resultKey(runSet, id));
  }

  async listResults(runSet: RunSetRef): Promise<RealisationResult[]> {
    const results: RealisationResult[] = [];
    for await (const r of this.eachResult(runSet)) results.push(r);
    return results;
  }

  async *eachResult(runSet: RunSetRef): AsyncGenerator<RealisationResult> {
    // Listing every key under realisations/ (results, logs, kept files) and keeping the
    // result.json ones costs a few more pages than listing by delimiter, but asks no GET of
    // a realisation that has no result yet; and pages are cheap next to the GETs.
    const prefix = `${this.runSetKey(runSet)}/realisations/`;
    const listKeys = this.listKeys(prefix);
    async function* resultKeys(): AsyncGenerator<string> {
      for await (const keys of listKeys) {
        for (const key of keys) if (isResultKey(key.slice(prefix.length))) yield key;
      }
    }
    // Reads start while later pages are fetched.
    yield* readAhead(resultKeys(), this.listConcurrency, (key) => this.readResult(key));
  }

  async listResultVersions(runSet: RunSetRef): Promise<ResultVersion[]> {
    const prefix = `${this.runSetKey(runSet)}/realisations/`;
    const versions: ResultVersion[] = [];
    for await (const objects of this.listObjects(prefix)) {
      for (const { key, etag } of objects) {
        const rest = key.slice(prefix.length);
        if (isResultKey(rest)) versions.push({ id: rest.slice(0, rest.indexOf("/")), version: etag });
      }
    }
    return versions;
  }

  async putFile(
    file: AttemptFile & { readonly path: string; readonly localPath: string },
  ): Promise<StoredFile> {
    const stored = `${attemptFolder(file.attempt)}/files/${storedPath(file.path, `kept file "${file.path}" of realisation ${file.id}`)}`;
    const segments = checkRelativePath(stored, `kept file "${file.path}" of realisation ${file.id}`);
    const key = `${this.realisationKey(file.runSet, file.id)}/${segments.join("/")}`;
    try {
      return { ...(await uploadFile(this, key, file.localPath, {})), stored };
    } catch (e) {
      if (isLocalFileError(e)) {
        throw new Error(
          `could not keep ${file.localPath} as ${s3Url(this.bucket, key)}: ${errorMessage(e)}`,
          {
            cause: e,
          },
        );
      }
      throw await describeS3Failure(this, e, { action: "write", key });
    }
  }

  async putLog(log: AttemptFile & { readonly text: string }): Promise<string> {
    const stored = `${attemptFolder(log.attempt)}/log.txt`;
    const key = `${this.realisationKey(log.runSet, log.id)}/${stored}`;
    await this.call("write", key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: log.text,
          ContentType: "text/plain; charset=utf-8",
        }),
      ),
    );
    return stored;
  }

  async discardAttempt(attempt: AttemptFile): Promise<void> {
    await this.deleteUnder(
      `${this.realisationKey(attempt.runSet, attempt.id)}/${attemptFolder(attempt.attempt)}/`,
    );
  }

  async publishResult(result: RealisationResult, options: PublishOptions = {}): Promise<PublishOutcome> {
    return tidyAfterPublish(result, await this.publish(result, options), (r) => this.discardFilesOf(r));
  }

  async startPlan(runSet: RunSetRef, plan: NewPlan): Promise<PlanRecord> {
    const key = `${this.runSetKey(runSet)}/${PLAN_FILE}`;
    for (let round = 0; ; round++) {
      const object = await this.getObject(key);
      const previous = object === undefined ? undefined : this.parsePlan(key, object.bytes);
      const record = nextPlanRecord(previous, plan, new Date(this.clock.now()));
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: `${JSON.stringify(record)}\n`,
            ContentType: "application/json",
            ...(object === undefined ? { IfNoneMatch: "*" } : { IfMatch: object.etag }),
          }),
        );
        return record;
      } catch (e) {
        const status = httpStatus(e);
        // Another run raised the generation meanwhile: read it and raise it again.
        if ((status === 412 || status === 409 || status === 404) && round < MAX_PUBLISH_ROUNDS) continue;
        throw await describeS3Failure(this, e, { action: "write", key });
      }
    }
  }

  async currentPlan(runSet: RunSetRef): Promise<PlanRecord | undefined> {
    const key = `${this.runSetKey(runSet)}/${PLAN_FILE}`;
    const object = await this.getObject(key);
    return object === undefined ? undefined : this.parsePlan(key, object.bytes);
  }

  private parsePlan(key: string, bytes: Uint8Array): PlanRecord {
    const parsed = parsePlanRecord(new TextDecoder().decode(bytes));
    if (typeof parsed === "string") {
      const url = s3Url(this.bucket, key);
      throw new UserError(
        `${url} is not a readable modelfleet plan (${parsed}); it was probably edited by hand. ` +
          `Delete it (aws s3 rm ${url}): the next \`modelfleet run\` writes it again`,
      );
    }
    return parsed;
  }

  private async discardFilesOf(result: RealisationResult): Promise<void> {
    const realisation = this.realisationKey(result, result.id);
    if (result.attempt !== undefined) {
      await this.deleteUnder(`${realisation}/${attemptFolder(result.attempt)}/`);
      return;
    }
    // A result written before attempts had folders of their own.
    await this.deleteUnder(`${realisation}/files/`);
    await this.call("write", `${realisation}/log.txt`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: `${realisation}/log.txt` })),
    );
  }

  /** Deletes every object under a prefix (an attempt has a handful). */
  private async deleteUnder(prefix: string): Promise<void> {
    const limit = pLimit(8);
    for await (const keys of this.listKeys(prefix)) {
      await Promise.all(
        keys.map((key) =>
          limit(() =>
            this.call("write", key, () =>
              this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
            ),
          ),
        ),
      );
    }
  }

  /** The keys under a prefix, a page at a time. */
  private async *listKeys(prefix: string): AsyncGenerator<string[]> {
    for await (const objects of this.listObjects(prefix)) yield objects.map((o) => o.key);
  }

  /** The objects under a prefix with their ETags, a page at a time. */
  private async *listObjects(prefix: string): AsyncGenerator<Array<{ key: string; etag: string }>> {
    let token: string | undefined;
    do {
      const page = await this.call("list", prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(token !== undefined && { ContinuationToken: token }),
          }),
        ),
      );
      yield (page.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key, etag: o.ETag ?? "" }],
      );
      if (page.IsTruncated && !page.NextContinuationToken) {
        throw new Error(
          `listing ${s3Url(this.bucket, prefix)} failed: S3 said there was more but gave no token`,
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  private async publish(result: RealisationResult, options: PublishOptions): Promise<PublishAttemptOutcome> {
    const key = this.resultKey(result, result.id);
    const body = `${JSON.stringify(result, null, 2)}\n`;
    const token = randomUUID();
    // The common repeat (a re-run of a settled realisation) costs one GET and no PUT.
    let current = await this.readSnapshot(key);
    let replaced: RealisationResult | undefined;
    for (let round = 0; ; round++) {
      if (current?.token === token) return { published: true, replaced };
      if (current && !supersedes(result, current.result, options))
        return { published: false, current: current.result };
      if (round >= MAX_PUBLISH_ROUNDS) {
        throw new Error(
          `could not publish ${s3Url(this.bucket, key)}: it changed under ${MAX_PUBLISH_ROUNDS} attempts ` +
            `in a row; is something else rewriting it?`,
        );
      }
      replaced = current?.result;
      const outcome = await this.putResult(key, body, token, current?.etag);
      if (outcome === "written") return { published: true, replaced };
      // 409: S3 saw concurrent conditional writes and wants us to try again shortly.
      if (outcome === "conflict") await this.clock.sleep(Math.min(2000, 20 * 2 ** round) * Math.random());
      current = await this.readSnapshot(key);
    }
  }

  async putRunSetFile(runSet: RunSetRef, name: string, content: RunSetFileContent): Promise<void> {
    const segments = checkRelativePath(name, `run set file "${name}"`);
    const key = `${this.runSetKey(runSet)}/${segments.join("/")}`;
    if (typeof content !== "string" && !(content instanceof Uint8Array)) {
      // Made as it is sent: in parts (multipart above one part), never whole in memory.
      await this.call("write", key, () =>
        new Upload({
          client: this.client,
          params: {
            Bucket: this.bucket,
            Key: key,
            Body: Readable.from(content),
            ContentType: contentTypeOf(key),
          },
          partSize: PART_SIZE,
          queueSize: UPLOAD_QUEUE_SIZE,
        }).done(),
      );
      return;
    }
    await this.call("write", key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: content,
          ContentType: contentTypeOf(key),
        }),
      ),
    );
  }

  async getRunSetFile(runSet: RunSetRef, name: string): Promise<Uint8Array | undefined> {
    const segments = checkRelativePath(name, `run set file "${name}"`);
    const key = `${this.runSetKey(runSet)}/${segments.join("/")}`;
    return (await this.getObject(key))?.bytes;
  }

  /** The object key of a run set's folder (no trailing slash). */
  runSetKey(runSet: RunSetRef): string {
    return `${this.prefix}${checkSegment(runSet.project, "project name")}/${checkScenarioPath(runSet.scenario).join("/")}`;
  }

  private realisationKey(runSet: RunSetRef, id: string): string {
    return `${this.runSetKey(runSet)}/realisations/${checkSegment(id, "realisation id")}`;
  }

  private resultKey(runSet: RunSetRef, id: string): string {
    return `${this.realisationKey(runSet, id)}/${RESULT_FILE}`;
  }

  private async putResult(
    key: string,
    body: string,
    token: string,
    etag: string | undefined,
  ): Promise<"written" | "changed" | "conflict"> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
          Metadata: { [PUBLISH_TOKEN]: token },
          ...(etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag }),
        }),
      );
      return "written";
    } catch (e) {
      const status = httpStatus(e);
      // 404 only answers If-Match: the result we meant to replace was deleted meanwhile.
      if (status === 412 || (status === 404 && etag !== undefined)) return "changed";
      if (status === 409) return "conflict";
      throw await describeS3Failure(this, e, { action: "publish", key });
    }
  }

  private async readResult(key: string): Promise<RealisationResult | undefined> {
    const object = await this.getObject(key);
    if (object === undefined) return undefined;
    const parsed = parseResult(new TextDecoder().decode(object.bytes));
    if (typeof parsed === "string") {
      const url = s3Url(this.bucket, key);
      throw new UserError(
        `${url} is not a readable modelfleet result (${parsed}); it was probably edited or truncated by hand. ` +
          `Delete it (aws s3 rm ${url}) and the realisation will run again on the next \`modelfleet run\``,
      );
    }
    return parsed;
  }

  private async readSnapshot(key: string): Promise<Snapshot | undefined> {
    const object = await this.getObject(key);
    if (object === undefined) return undefined;
    const parsed = parseResult(new TextDecoder().decode(object.bytes));
    return {
      etag: object.etag,
      token: object.metadata[PUBLISH_TOKEN],
      result: typeof parsed === "string" ? undefined : parsed,
    };
  }

  /** A whole small object, or undefined when there is none. */
  private async getObject(key: string): Promise<StoredObject | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        bytes: await object.Body!.transformToByteArray(),
        etag: object.ETag ?? "",
        metadata: object.Metadata ?? {},
      };
    } catch (e) {
      if (errorName(e) === "NoSuchKey") return undefined;
      throw await describeS3Failure(this, e, { action: "read", key });
    }
  }

  /** Runs one S3 call, describing its failure. */
  private async call<T>(action: S3Action, key: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      throw await describeS3Failure(this, e, { action, key });
    }
  }
}

interface StoredObject {
  readonly bytes: Uint8Array;
  readonly etag: string;
  readonly metadata: Readonly<Record<string, string>>;
}

interface Snapshot {
  /** Which version of the object this is, for If-Match. */
  readonly etag: string;
  readonly token: string | undefined;
  /** Undefined when the object is not a readable result. */
  readonly result: RealisationResult | undefined;
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "");
  if (trimmed === "") return "";
  const segments = trimmed.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === "..")) {
    throw new UserError(`S3 prefix ${JSON.stringify(prefix)} must not contain "." or ".." segments`);
  }
  return `${segments.join("/")}/`;
}

/** `<id>/result.json` directly under realisations/, not a kept file of that name. */
function isResultKey(rest: string): boolean {
  const slash = rest.indexOf("/");
  return slash > 0 && !rest.startsWith(".") && rest.slice(slash + 1) === RESULT_FILE;
}

function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

function contentTypeOf(key: string): string {
  const types: Readonly<Record<string, string>> = {
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".log": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
  };
  return types[path.posix.extname(key).toLowerCase()] ?? "application/octet-stream";
}

// ---------------------------------------------------------------------------------------------
// Files: uploads, bundles, downloads

/**
 * Uploads a content-addressed object (the model bundle) unless it is already there: a HEAD
 * first, and a conditional upload (`If-None-Match: *`) so concurrent uploaders store it once.
 * `key` is the whole object key.
 */
export async function uploadBundleOnce(
  target: S3Target,
  key: string,
  localFile: string,
): Promise<"uploaded" | "present"> {
  for (let attempt = 1; ; attempt++) {
    if (await objectExists(target, key)) return "present";
    try {
      await uploadFile(target, key, localFile, { IfNoneMatch: "*" });
      return "uploaded";
    } catch (e) {
      if (isLocalFileError(e)) {
        throw new Error(`could not upload ${localFile} to ${s3Url(target.bucket, key)}: ${errorMessage(e)}`, {
          cause: e,
        });
      }
      const status = httpStatus(e);
      if (status === 412) return "present";
      // 409: a concurrent conditional upload; S3 asks for a new upload, by when it may be done.
      if (status !== 409 || attempt >= 3) throw await describeS3Failure(target, e, { action: "write", key });
    }
  }
}

/**
 * Downloads an object to `localPath` via a temp file beside it, so the file is whole or
 * absent. With `sha256`, a download whose content differs is refused.
 */
export async function downloadObject(
  target: S3Target,
  key: string,
  localPath: string,
  options: { readonly sha256?: string } = {},
): Promise<{ size: number; sha256: string }> {
  let object: GetObjectCommandOutput;
  try {
    object = await target.client.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
  } catch (e) {
    throw await describeS3Failure(target, e, { action: "read", key });
  }
  await mkdir(path.dirname(localPath), { recursive: true });
  const tmp = path.join(
    path.dirname(localPath),
    `.${path.basename(localPath)}.${randomUUID().slice(0, 8)}.download`,
  );
  const hashing = hashingStream();
  try {
    const body = object.Body;
    const source = body instanceof Readable ? body : Readable.from([await body!.transformToByteArray()]);
    await pipeline(source, hashing.stream, createWriteStream(tmp, { flags: "wx" }));
    const digest = hashing.digest();
    if (options.sha256 !== undefined && digest.sha256 !== options.sha256) {
      throw new UserError(
        `${s3Url(target.bucket, key)} has sha256 ${digest.sha256}, expected ${options.sha256}: the object was ` +
          `replaced or corrupted; delete it and run again to upload it afresh`,
      );
    }
    await rename(tmp, localPath);
    return digest;
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof UserError) throw e;
    throw new Error(`could not download ${s3Url(target.bucket, key)} to ${localPath}: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

async function objectExists(target: S3Target, key: string): Promise<boolean> {
  try {
    await target.client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: key }));
    return true;
  } catch (e) {
    if (httpStatus(e) === 404) return false;
    throw await describeS3Failure(target, e, { action: "check", key });
  }
}

/**
 * Streams a local file to `key`, multipart when larger than one part, hashing it on the way:
 * the sha256 returned is of exactly the bytes stored. S3 checks each part's SHA-256 too
 * (ChecksumAlgorithm); a multipart object's checksum is of its parts, so the whole-file
 * hash is ours to compute. Throws raw errors: callers describe them.
 */
async function uploadFile(
  target: S3Target,
  key: string,
  localPath: string,
  condition: { readonly IfNoneMatch?: string },
): Promise<{ size: number; sha256: string }> {
  const { size } = await stat(localPath);
  const partSize = Math.max(PART_SIZE, Math.ceil(size / MAX_PARTS / (1024 * 1024)) * 1024 * 1024);
  const source = createReadStream(localPath, { highWaterMark: 1 << 20 });
  const hashing = hashingStream();
  source.on("error", (e) => hashing.stream.destroy(e));
  const upload = new Upload({
    client: target.client,
    params: {
      Bucket: target.bucket,
      Key: key,
      Body: source.pipe(hashing.stream),
      ChecksumAlgorithm: "SHA256",
      ContentType: contentTypeOf(key),
      // lib-storage passes this to PutObject, or to CompleteMultipartUpload.
      ...condition,
    },
    partSize,
    queueSize: UPLOAD_QUEUE_SIZE,
  });
  try {
    await upload.done();
  } finally {
    source.destroy();
  }
  return hashing.digest();
}

function hashingStream(): { stream: Transform; digest(): { size: number; sha256: string } } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, digest: () => ({ size, sha256: hash.digest("hex") }) };
}

function isLocalFileError(e: unknown): boolean {
  return e instanceof Error && "syscall" in e && "path" in e;
}

// ---------------------------------------------------------------------------------------------
// Errors

type S3Action = "read" | "write" | "publish" | "list" | "check";

/** The S3 error code (the SDK's error name), or the Node error code for network failures. */
function errorName(e: unknown): string {
  if (typeof e !== "object" || e === null) return "";
  const code = (e as { code?: unknown }).code;
  const name = (e as { name?: unknown }).name;
  if (typeof code === "string" && name === "Error") return code;
  return typeof name === "string" ? name : "";
}

/** The HTTP status of an SDK error, if it has one. */
export function httpStatus(e: unknown): number | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const status = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

const THROTTLING = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestThrottled",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);
const CREDENTIALS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "TokenRefreshRequired",
  "InvalidToken",
  "CredentialsProviderError",
]);
const WRONG_REGION = new Set([
  "PermanentRedirect",
  "AuthorizationHeaderMalformed",
  "IllegalLocationConstraintException",
]);
const NETWORK = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNRESET",
  "ETIMEDOUT",
  "TimeoutError",
  "EPIPE",
]);

/**
 * A known S3 failure as one plain sentence with the next step (a UserError when the fix is
 * the user's: bucket, region, permissions, credentials); others keep S3's words.
 */
export async function describeS3Failure(
  target: S3Target,
  e: unknown,
  where: { readonly action: S3Action; readonly key: string },
): Promise<Error> {
  if (e instanceof UserError) return e;
  const name = errorName(e);
  const status = httpStatus(e);
  const url = s3Url(target.bucket, where.key);
  const region = await target.client.config.region().catch(() => undefined);
  const inRegion = region === undefined ? "" : ` in region ${region}`;
  const options = { cause: e };

  if (name === "NoSuchBucket") {
    return new UserError(
      `bucket ${target.bucket} does not exist${inRegion}: check the infrastructure outputs (bucket and region)`,
      options,
    );
  }
  if (name === "AccessDenied" || name === "AllAccessDisabled" || status === 403) {
    return new UserError(
      `access denied to ${url}: the task role (or your AWS credentials) needs ${permissionsFor(where.action)}`,
      options,
    );
  }
  if (CREDENTIALS.has(name) || /could not load credentials/i.test(errorMessage(e))) {
    return new UserError(
      `S3 did not accept the AWS credentials (${name || errorMessage(e)}): sign in again (aws sso login, ` +
        `or check AWS_PROFILE / AWS_ACCESS_KEY_ID) and run again`,
      options,
    );
  }
  if (WRONG_REGION.has(name) || status === 301) {
    return new UserError(
      `bucket ${target.bucket} is not${inRegion === "" ? " in the configured region" : inRegion}: set AWS_REGION ` +
        `to the bucket's region (the infrastructure outputs name it)`,
      options,
    );
  }
  if (name === "NoSuchKey" || (status === 404 && where.action === "read")) {
    return new Error(
      `${url} does not exist: it was deleted, or written under another bucket or prefix`,
      options,
    );
  }
  if (/region is missing/i.test(errorMessage(e))) {
    return new UserError(
      `no AWS region is configured for S3: set AWS_REGION (the infrastructure outputs name it)`,
      options,
    );
  }
  const attempts = (e as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  const tries = attempts === undefined || attempts < 2 ? "" : ` (${attempts} attempts)`;
  if (THROTTLING.has(name) || status === 429 || (status === 503 && name !== "ServiceUnavailable")) {
    return new Error(
      `S3 kept asking to slow down on ${url}${tries}: run fewer workers at once, or try again later`,
      options,
    );
  }
  if (NETWORK.has(name)) {
    return new Error(
      `could not reach S3 for ${url} (${name}${tries}): check the network, or AWS_ENDPOINT_URL_S3 when using a local S3`,
      options,
    );
  }
  return new Error(
    `S3 ${where.action} of ${url} failed${tries}: ${name ? `${name}: ` : ""}${errorMessage(e)}`,
    options,
  );
}

function permissionsFor(action: S3Action): string {
  switch (action) {
    case "read":
      return "s3:GetObject on it";
    case "check":
      // Without ListBucket, S3 answers 403 for a missing object instead of 404.
      return "s3:GetObject on it, and s3:ListBucket on the bucket";
    case "list":
      return "s3:ListBucket on the bucket for that prefix";
    case "write":
      return "s3:PutObject on it";
    case "publish":
      // S3 requires GetObject as well for If-Match writes.
      return "s3:PutObject and s3:GetObject on it";
  }
}
