// SHA-256 in the forms a backup meets: hex (what sha256sum prints, and the manifest keeps),
// base64 (what S3 stores), and S3's composite checksum of a multipart object (the SHA-256 of
// its parts' SHA-256s, then "-<parts>"); and a stream that hashes what passes through it.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Transform } from "node:stream";

export function base64ToHex(base64: string): string {
  return Buffer.from(base64, "base64").toString("hex");
}

export function hexToBase64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

/** S3's SHA-256 of a file uploaded in parts of `partSize` (a whole one when it fits in one part). */
export async function s3Sha256OfFile(file: string, partSize: number): Promise<string> {
  const { size } = await stat(file);
  const whole = createHash("sha256");
  const parts: Buffer[] = [];
  let part = createHash("sha256");
  let inPart = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(chunk.length - at, partSize - inPart);
      part.update(chunk.subarray(at, at + take));
      inPart += take;
      at += take;
      if (inPart === partSize) {
        parts.push(part.digest());
        part = createHash("sha256");
        inPart = 0;
      }
    }
  }
  if (inPart > 0) parts.push(part.digest());
  if (size <= partSize) return whole.digest("base64");
  return `${createHash("sha256").update(Buffer.concat(parts)).digest("base64")}-${parts.length}`;
}

/** A pass-through stream that counts bytes and hashes them (SHA-256 and MD5, for S3 ETags). */
export function hashingStream(): {
  readonly stream: Transform;
  digest(): { size: number; sha256: string; md5: string };
} {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sha256.update(chunk);
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, digest: () => ({ size, sha256: sha256.digest("hex"), md5: md5.digest("hex") }) };
}

/** An S3 ETag that is the MD5 of the content: a single-part upload (no "-N"). */
export function isPlainMd5(etag: string): boolean {
  return /^[0-9a-f]{32}$/.test(etag);
}

/** The size, SHA-256 and MD5 (hex) of a file. */
export async function fileDigest(file: string): Promise<{ size: number; sha256: string; md5: string }> {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    md5.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: sha256.digest("hex"), md5: md5.digest("hex") };
}
