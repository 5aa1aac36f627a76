// A small fake of Amazon ECR on 127.0.0.1, for exporting and deleting worker images without AWS
// or a Docker engine:
// - the ECR API (JSON 1.1 over POST /, what @aws-sdk/client-ecr sends to AWS_ENDPOINT_URL_ECR):
//   GetAuthorizationToken (a Basic token, and this server as the proxy endpoint) and
//   BatchDeleteImage (recorded);
// - the registry API (Docker Registry HTTP API v2): manifests by digest, and blobs answered as
//   ECR does, with a redirect to a "presigned S3 URL" on a second server (another origin) that
//   refuses any request carrying an Authorization header, as S3 does.
// Images are built in memory (OCI manifests, optionally a multi-platform index); a blob can be
// made to come back corrupted. Both servers close by themselves after `idleMs` without a
// request, so a test that forgets to close them leaves nothing running.
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";

export const FAKE_REGISTRY_ID = "000000000000";
const PASSWORD = "fake-ecr-password";
const TOKEN = Buffer.from(`AWS:${PASSWORD}`).toString("base64");
const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

export interface FakeImage {
  readonly repository: string;
  readonly digest: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>@<digest>`, as run records name it. */
  readonly reference: string;
  /** Every blob of the image: manifests, configs, layers. */
  readonly blobs: readonly string[];
}

export interface FakeRegistry {
  /** The ECR API and the registry (AWS_ENDPOINT_URL_ECR). */
  readonly endpoint: string;
  readonly region: string;
  addImage(options: { repository: string; layers: readonly string[]; platforms?: number }): FakeImage;
  /** Serves other bytes for this blob from now on. */
  corruptBlob(digest: string): void;
  /** BatchDeleteImage calls, in order. */
  readonly deleted: Array<{ repository: string; digest: string }>;
  readonly requests: { tokens: number; manifests: number; blobs: number; blobsWithAuthorization: number };
  close(): Promise<void>;
}

export async function startFakeRegistry(
  options: { region?: string; idleMs?: number } = {},
): Promise<FakeRegistry> {
  const region = options.region ?? "us-east-1";
  const host = `${FAKE_REGISTRY_ID}.dkr.ecr.${region}.amazonaws.com`;
  const blobs = new Map<string, Buffer>();
  const corrupted = new Set<string>();
  /** repository → digest → { bytes, mediaType } */
  const manifests = new Map<string, Map<string, { bytes: Buffer; mediaType: string }>>();
  const deleted: FakeRegistry["deleted"] = [];
  const requests = { tokens: 0, manifests: 0, blobs: 0, blobsWithAuthorization: 0 };

  const store = (bytes: Buffer): string => {
    const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
    blobs.set(digest, bytes);
    return digest;
  };

  let closed = false;
  let idle: NodeJS.Timeout | undefined;
  const touch = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => void registry.close(), options.idleMs ?? 60_000);
    idle.unref();
  };

  // The "S3" that ECR's blob redirects lead to.
  const blobServer = http.createServer((req, res) => {
    touch();
    const digest = /^\/blob\/(sha256:[0-9a-f]{64})/.exec(req.url ?? "")?.[1];
    if (req.headers.authorization !== undefined) {
      requests.blobsWithAuthorization++;
      res.writeHead(400, { "content-type": "application/xml" });
      res.end(
        "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>",
      );
      return;
    }
    const bytes = digest === undefined ? undefined : blobs.get(digest);
    if (!bytes) {
      res.writeHead(404);
      res.end();
      return;
    }
    const body = corrupted.has(digest!) ? Buffer.concat([bytes, Buffer.from("corrupted")]) : bytes;
    res.writeHead(200, { "content-length": String(body.length), "content-type": "application/octet-stream" });
    res.end(body);
  });

  const server = http.createServer(async (req, res) => {
    touch();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://fake");
    const target = String(req.headers["x-amz-target"] ?? "");
    if (req.method === "POST" && target.startsWith("AmazonEC2ContainerRegistry_V20150921.")) {
      return ecrApi(
        target.split(".")[1] ?? "",
        JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"),
        res,
      );
    }
    if (!url.pathname.startsWith("/v2/")) {
      res.writeHead(404);
      res.end();
      return;
    }
    if (req.headers.authorization !== `Basic ${TOKEN}`) {
      res.writeHead(401, { "www-authenticate": `Basic realm="${host}"`, "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "Not Authorized" }] }));
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
      return;
    }
    const [, repository = "", kind, reference = ""] = m;
    if (kind === "manifests") {
      requests.manifests++;
      const manifest = manifests.get(repository)?.get(reference);
      if (!manifest) return notFound(res, "MANIFEST_UNKNOWN");
      res.writeHead(200, {
        "content-type": manifest.mediaType,
        "docker-content-digest": reference,
        "content-length": String(manifest.bytes.length),
      });
      res.end(manifest.bytes);
      return;
    }
    requests.blobs++;
    if (!blobs.has(reference)) return notFound(res, "BLOB_UNKNOWN");
    res.writeHead(307, {
      location: `${blobOrigin}/blob/${reference}?X-Amz-Signature=${randomBytes(8).toString("hex")}`,
    });
    res.end();
  });

  function ecrApi(operation: string, input: Record<string, unknown>, res: http.ServerResponse): void {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
      res.end(JSON.stringify(body));
    };
    if (operation === "GetAuthorizationToken") {
      requests.tokens++;
      reply(200, {
        authorizationData: [
          {
            authorizationToken: TOKEN,
            expiresAt: Math.floor(Date.now() / 1000) + 43_200,
            proxyEndpoint: endpoint,
          },
        ],
      });
      return;
    }
    if (operation === "BatchDeleteImage") {
      const repository = String(input.repositoryName ?? "");
      const ids = (input.imageIds as Array<{ imageDigest?: string }> | undefined) ?? [];
      const imageIds: Array<{ imageDigest: string }> = [];
      const failures: unknown[] = [];
      for (const id of ids) {
        const digest = id.imageDigest ?? "";
        deleted.push({ repository, digest });
        if (manifests.get(repository)?.delete(digest)) imageIds.push({ imageDigest: digest });
        else {
          failures.push({
            imageId: { imageDigest: digest },
            failureCode: "ImageNotFound",
            failureReason: "Requested image not found",
          });
        }
      }
      reply(200, { imageIds, failures });
      return;
    }
    reply(400, {
      __type: "UnknownOperationException",
      message: `the fake ECR does not implement ${operation}`,
    });
  }

  server.listen(0, "127.0.0.1");
  blobServer.listen(0, "127.0.0.1");
  await Promise.all([once(server, "listening"), once(blobServer, "listening")]);
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const blobOrigin = `http://127.0.0.1:${(blobServer.address() as AddressInfo).port}`;
  touch();

  const manifestOf = (repository: string, layers: readonly string[], platform: number) => {
    const config = Buffer.from(
      JSON.stringify({
        architecture: platform === 0 ? "amd64" : "arm64",
        os: "linux",
        rootfs: { type: "layers" },
      }),
    );
    const layerDescriptors = layers.map((text) => {
      const bytes = Buffer.from(`${text} (${platform})`);
      return { mediaType: OCI_LAYER, digest: store(bytes), size: bytes.length };
    });
    const configDigest = store(config);
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: configDigest, size: config.length },
        layers: layerDescriptors,
      }),
    );
    const digest = store(bytes);
    if (!manifests.has(repository)) manifests.set(repository, new Map());
    manifests.get(repository)!.set(digest, { bytes, mediaType: OCI_MANIFEST });
    return {
      digest,
      size: bytes.length,
      blobs: [digest, configDigest, ...layerDescriptors.map((l) => l.digest)],
    };
  };

  const registry: FakeRegistry = {
    endpoint,
    region,
    addImage({ repository, layers, platforms = 1 }) {
      const images = Array.from({ length: platforms }, (_, i) => manifestOf(repository, layers, i));
      let digest = images[0]!.digest;
      let all = images[0]!.blobs;
      if (platforms > 1) {
        const bytes = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: OCI_INDEX,
            manifests: images.map((m, i) => ({
              mediaType: OCI_MANIFEST,
              digest: m.digest,
              size: m.size,
              platform: { os: "linux", architecture: i === 0 ? "amd64" : "arm64" },
            })),
          }),
        );
        digest = store(bytes);
        manifests.get(repository)!.set(digest, { bytes, mediaType: OCI_INDEX });
        all = [digest, ...images.flatMap((m) => m.blobs)];
      }
      return { repository, digest, reference: `${host}/${repository}@${digest}`, blobs: all };
    },
    corruptBlob(digest) {
      corrupted.add(digest);
    },
    deleted,
    requests,
    async close() {
      if (closed) return;
      closed = true;
      if (idle) clearTimeout(idle);
      for (const s of [server, blobServer]) s.closeAllConnections();
      await Promise.all([server, blobServer].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
  return registry;
}

function notFound(res: http.ServerResponse, code: string): void {
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ errors: [{ code, message: "not found" }] }));
}
