// Checks an image archive (an OCI image layout in a tar) as it is read back: every blob is
// re-hashed against the digest it is stored under, every blob the manifest lists is there
// with its size, and index.json names the image's digest. Nothing is unpacked to disk.
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import * as tar from "tar";
import { hashingStream } from "./checksums.ts";
import type { ImageBlob } from "./manifest.ts";

export interface ImageArchiveCheck {
  readonly problems: string[];
  /** Of the whole tar, as read. */
  readonly sha256: string;
  readonly size: number;
}

export async function checkImageArchive(
  stream: Readable,
  expected: { readonly digest: string; readonly blobs: readonly ImageBlob[] },
): Promise<ImageArchiveCheck> {
  const problems: string[] = [];
  const found = new Map<string, number>();
  let index: string | undefined;
  const hashing = hashingStream();
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      const path = entry.path.replace(/^\.\//, "");
      const blob = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(path);
      const hash = createHash("sha256");
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (blob) hash.update(chunk);
        else if (path === "index.json") chunks.push(chunk);
      });
      entry.on("end", () => {
        if (blob) {
          const actual = hash.digest("hex");
          if (actual !== blob[1]) problems.push(`blob sha256:${blob[1]} has sha256:${actual}`);
          found.set(`sha256:${blob[1]}`, size);
        } else if (path === "index.json") {
          index = Buffer.concat(chunks).toString("utf8");
        }
      });
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    stream.on("error", reject);
  });
  try {
    stream.pipe(hashing.stream).pipe(parser as unknown as NodeJS.WritableStream);
    await done;
  } catch (e) {
    problems.push(`the archive could not be read as a tar: ${(e as Error).message}`);
  }
  for (const b of expected.blobs) {
    const size = found.get(b.digest);
    if (size === undefined) problems.push(`blob ${b.digest} is missing`);
    else if (size !== b.size) problems.push(`blob ${b.digest} has ${size} bytes, not ${b.size}`);
  }
  if (index === undefined) {
    problems.push("index.json is missing");
  } else {
    try {
      const manifests = (JSON.parse(index) as { manifests?: Array<{ digest?: string }> }).manifests ?? [];
      if (!manifests.some((m) => m.digest === expected.digest))
        problems.push(`index.json does not name ${expected.digest}`);
    } catch {
      problems.push("index.json is not JSON");
    }
  }
  const { sha256, size } = hashing.digest();
  return { problems, sha256, size };
}
