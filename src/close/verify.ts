// Proves a backup: the manifest is read back from the archive (it must be the one written),
// then every entry is checked against what the archive holds: each object's size and stored
// SHA-256 (or its file re-hashed), each image archive's checksum and its blobs re-hashed. Only
// a backup without a single failure yields a VerifiedManifest, and destroying takes nothing
// else (destroy.ts): this module alone can make one.
import type { Clock } from "../engine/clock.ts";
import { errorMessage } from "../errors.ts";
import { type CloseManifest, MANIFEST_FILE, parseManifest, sha256Hex } from "./manifest.ts";
import type { Archive, EntryCheck } from "./ports.ts";

const ISSUED: unique symbol = Symbol("verified by verifyBackup");
const CONCURRENCY = 16;

/** A manifest whose every entry was found intact in the archive. */
export class VerifiedManifest {
  readonly manifest: CloseManifest;
  readonly sha256: string;
  readonly verifiedAt: string;
  constructor(token: typeof ISSUED, manifest: CloseManifest, sha256: string, verifiedAt: string) {
    if (token !== ISSUED) throw new Error("internal: a VerifiedManifest comes only from verifyBackup");
    this.manifest = manifest;
    this.sha256 = sha256;
    this.verifiedAt = verifiedAt;
  }
}

export interface VerificationFailure {
  /** What failed: an object (bucket, key, version), an image, or the manifest. */
  readonly what: string;
  readonly location: string;
  readonly problem: string;
  /** The entry's path in the project's archive folder; an image's digest. */
  readonly path: string;
  readonly digest?: string;
}

export interface VerificationReport {
  readonly verified?: VerifiedManifest;
  readonly failures: readonly VerificationFailure[];
  readonly checked: { readonly objects: number; readonly images: number; readonly bytes: number };
}

export async function verifyBackup(options: {
  readonly archive: Archive;
  /** The SHA-256 of the manifest as written: the one read back must be it. */
  readonly manifestSha256: string;
  readonly clock: Clock;
  readonly onProgress?: (checked: number, of: number) => void;
}): Promise<VerificationReport> {
  const { archive } = options;
  const manifestAt = archive.where(MANIFEST_FILE);
  const manifestFailure = (problem: string): VerificationReport => ({
    failures: [{ what: "the manifest", location: manifestAt, problem, path: MANIFEST_FILE }],
    checked: none,
  });
  const none = { objects: 0, images: 0, bytes: 0 };
  let text: string | undefined;
  try {
    text = await archive.readText(MANIFEST_FILE);
  } catch (e) {
    return manifestFailure(`could not be read: ${errorMessage(e)}`);
  }
  if (text === undefined) {
    return manifestFailure("is missing from the archive");
  }
  const sha256 = sha256Hex(text);
  if (sha256 !== options.manifestSha256) {
    return manifestFailure(`has sha256 ${sha256}, not the ${options.manifestSha256} written`);
  }
  const manifest = parseManifest(text);
  if ("problem" in manifest) {
    return manifestFailure(manifest.problem);
  }

  const failures: VerificationFailure[] = [];
  const total = manifest.objects.length + manifest.images.length;
  let done = 0;
  const tasks: Array<() => Promise<void>> = [
    ...manifest.objects.map((o) => async () => {
      const check = await safely(() => archive.checkObject(o));
      if (!check.ok) {
        failures.push({
          what: `s3://${o.bucket}/${o.key} (version ${o.versionId})`,
          location: o.location,
          problem: check.problem,
          path: o.path,
        });
      }
    }),
    ...manifest.images.map((i) => async () => {
      const check = await safely(() => archive.checkImage(i));
      if (!check.ok) {
        failures.push({
          what: `image ${i.reference}`,
          location: i.location,
          problem: check.problem,
          path: i.path,
          digest: i.digest,
        });
      }
    }),
  ];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, async () => {
      while (next < tasks.length) {
        await tasks[next++]!();
        options.onProgress?.(++done, total);
      }
    }),
  );
  const checked = {
    objects: manifest.objects.length,
    images: manifest.images.length,
    bytes: manifest.totals.bytes + manifest.totals.imageBytes,
  };
  if (failures.length > 0) {
    failures.sort((a, b) => a.location.localeCompare(b.location));
    return { failures, checked };
  }
  const at = new Date(options.clock.now()).toISOString();
  return { verified: new VerifiedManifest(ISSUED, manifest, sha256, at), failures, checked };
}

async function safely(check: () => Promise<EntryCheck>): Promise<EntryCheck> {
  try {
    return await check();
  } catch (e) {
    return { ok: false, problem: `could not be checked: ${errorMessage(e)}` };
  }
}
