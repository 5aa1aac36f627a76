// Amazon ECR as the image registry of a close: pulling an image's manifests and blobs over the
// registry's HTTP API (Docker Registry HTTP API v2) with the token GetAuthorizationToken gives,
// and deleting an image by digest (BatchDeleteImage). ECR answers a blob with a redirect to a
// presigned S3 URL, which is followed without the registry's Authorization header (S3 refuses
// a request that carries both). The ECR client is built once per region (cloud/ecr-images.ts),
// so the same code reaches AWS or a local fake registry.
import { Readable } from "node:stream";
import {
  BatchDeleteImageCommand,
  type BatchDeleteImageCommandOutput,
  type ECRClient,
  GetAuthorizationTokenCommand,
} from "@aws-sdk/client-ecr";
import { errorMessage, UserError } from "../errors.ts";
import type { EcrImage } from "./image-ref.ts";
import type { ImageRegistry, RegistrySession } from "./ports.ts";

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");
const MAX_REDIRECTS = 5;

export function createEcrRegistry(options: {
  readonly ecrClientFor: (region: string) => ECRClient;
  readonly fetch?: typeof fetch;
}): ImageRegistry {
  const http = options.fetch ?? fetch;
  return {
    async open(image) {
      const { authorization, base } = await login(options.ecrClientFor(image.region), image);
      const get = async (path: string, accept?: string): Promise<Response> => {
        let url = `${base}/v2/${image.repository}/${path}`;
        let headers: Record<string, string> = { authorization, ...(accept ? { accept } : {}) };
        for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
          let res: Response;
          try {
            res = await http(url, { headers, redirect: "manual" });
          } catch (e) {
            throw new Error(`could not reach the registry at ${new URL(url).origin}: ${errorMessage(e)}`, {
              cause: e,
            });
          }
          if (res.status >= 300 && res.status < 400 && res.headers.get("location")) {
            const next = new URL(res.headers.get("location")!, url);
            // A presigned URL elsewhere (S3) carries its own authorisation.
            if (next.origin !== new URL(url).origin) headers = {};
            url = next.toString();
            await res.body?.cancel();
            continue;
          }
          if (res.ok) return res;
          const detail = (await res.text().catch(() => "")).slice(0, 300);
          throw explainRegistryFailure(image, path, res.status, detail);
        }
        throw new Error(`image ${image.reference}: more than ${MAX_REDIRECTS} redirects for ${path}`);
      };
      const session: RegistrySession = {
        async manifest(digest) {
          const res = await get(`manifests/${digest}`, MANIFEST_TYPES);
          return {
            bytes: Buffer.from(await res.arrayBuffer()),
            mediaType: (res.headers.get("content-type") ?? "").split(";")[0]!.trim(),
          };
        },
        async blob(digest) {
          const res = await get(`blobs/${digest}`);
          if (!res.body)
            throw new Error(`image ${image.reference}: the registry sent blob ${digest} without a body`);
          return Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
        },
      };
      return session;
    },

    async delete(image) {
      const client = options.ecrClientFor(image.region);
      let out: BatchDeleteImageCommandOutput;
      try {
        out = await client.send(
          new BatchDeleteImageCommand({
            registryId: image.registryId,
            repositoryName: image.repository,
            imageIds: [{ imageDigest: image.digest }],
          }),
        );
      } catch (e) {
        throw new UserError(`could not delete the image ${image.reference} from ECR: ${errorMessage(e)}`, {
          cause: e,
        });
      }
      const failure = out.failures?.[0];
      if (!failure) return "deleted";
      if (failure.failureCode === "ImageNotFound") return "absent";
      throw new UserError(
        `ECR did not delete the image ${image.reference}: ${failure.failureCode ?? "failure"} ${failure.failureReason ?? ""}`.trim(),
      );
    },
  };
}

/** The Basic credentials and the registry's address for one image. */
async function login(client: ECRClient, image: EcrImage): Promise<{ authorization: string; base: string }> {
  let data: { authorizationToken?: string | undefined; proxyEndpoint?: string | undefined } | undefined;
  try {
    data = (await client.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0];
  } catch (e) {
    throw new UserError(
      `could not log in to ECR in ${image.region} (ecr:GetAuthorizationToken) to export ${image.reference}: ${errorMessage(e)}`,
      { cause: e },
    );
  }
  if (!data?.authorizationToken || !data.proxyEndpoint) {
    throw new UserError(`ECR in ${image.region} gave no authorization token to export ${image.reference}`);
  }
  const endpoint = data.proxyEndpoint.replace(/\/+$/, "");
  // The token is good for every registry the caller may read; its endpoint is the caller's own.
  const own = /^https:\/\/(\d{12})\.dkr\.ecr\./.exec(endpoint)?.[1];
  const base = own !== undefined && own !== image.registryId ? `https://${image.host}` : endpoint;
  return { authorization: `Basic ${data.authorizationToken}`, base };
}

function explainRegistryFailure(image: EcrImage, path: string, status: number, detail: string): Error {
  if (status === 401 || status === 403) {
    return new UserError(
      `not allowed to pull ${image.reference} (${path}): the close role needs ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on ${image.repository}`,
    );
  }
  if (status === 404) {
    return new UserError(
      `image ${image.reference} is not in ECR any more (${path}: 404 ${detail}): it cannot be archived. If it was deleted on purpose, remove it from the run records that name it; nothing was destroyed.`,
    );
  }
  return new Error(`the registry answered ${status} for ${image.reference} (${path}): ${detail}`);
}
