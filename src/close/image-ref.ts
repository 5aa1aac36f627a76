// The worker images a project's results name: every run record (`current-run.json`, all its
// versions) keeps the image its run's realisation keys were made with, as `--image` gave it.
// Only an ECR image by digest can be exported and deleted here. Pure.

export interface EcrImage {
  /** As the run records name it. */
  readonly reference: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com` (`.com.cn` in China). */
  readonly host: string;
  readonly registryId: string;
  readonly region: string;
  readonly repository: string;
  /** sha256:<64 hex>. */
  readonly digest: string;
}

const ECR = /^(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

/** An ECR image by digest, or why the reference is not one. */
export function parseImageReference(reference: string): EcrImage | { readonly problem: string } {
  const at = reference.lastIndexOf("@");
  if (at < 0) {
    return {
      problem: /^sha256:[0-9a-f]{64}$/.test(reference)
        ? "a digest without its repository: the image cannot be found to archive it"
        : "not an image by digest (host/repository@sha256:…): it cannot be archived exactly",
    };
  }
  const digest = reference.slice(at + 1);
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return { problem: `${digest} is not a sha256 digest` };
  const name = reference.slice(0, at).replace(/:[^/:]*$/, ""); // a tag beside the digest says nothing more
  const slash = name.indexOf("/");
  const host = slash < 0 ? "" : name.slice(0, slash);
  const match = ECR.exec(host);
  if (!match) return { problem: "not in Amazon ECR (<account>.dkr.ecr.<region>.amazonaws.com/…)" };
  return {
    reference,
    host,
    registryId: match[1]!,
    region: match[2]!,
    repository: name.slice(slash + 1),
    digest,
  };
}

/** The image reference without a tag: `host/repository@digest`. */
export function imageByDigest(image: EcrImage): string {
  return `${image.host}/${image.repository}@${image.digest}`;
}
