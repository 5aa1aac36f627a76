// A folder archive: the backup of a project under `<folder>/<project>/` on the machine that runs
// the close (a self-hosted runner next to the client's own server). Each object version is
// downloaded to a temporary file beside its place, hashed on the way (SHA-256, and MD5 to
// check it against the object's ETag when that is one), and renamed into place whole;
// verification hashes every file again. The close's lock is the run lock's (store/run-lock.ts).
import { createReadStream, createWriteStream, type Dirent } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { errorMessage } from "../errors.ts";
import { acquireRunLock, tempPathFor } from "../store/run-lock.ts";
import { type ArchiveRoot, describeArchiveRoot } from "./archive-target.ts";
import { fileDigest, hashingStream, isPlainMd5 } from "./checksums.ts";
import { sha256Hex } from "./manifest.ts";
import { checkImageArchive } from "./oci-verify.ts";
import type { Archive, EntryCheck } from "./ports.ts";

/** What store/run-lock.ts tempPathFor names a temporary file. */
const TEMP_FILE = /^\..*\.\d+\.[0-9a-f]{12}\.tmp$/;

export function createFolderArchive(options: {
  readonly root: Extract<ArchiveRoot, { kind: "folder" }>;
}): Archive {
  const { root } = options;
  const file = (path: string) => join(root.folder, ...path.split("/"));
  const writeWhole = async (path: string, fill: (tmp: string) => Promise<void>) => {
    const target = file(path);
    await mkdir(dirname(target), { recursive: true });
    const tmp = tempPathFor(target);
    try {
      await fill(tmp);
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  };

  return {
    location: describeArchiveRoot(root),
    where: file,

    async lock(command) {
      const lock = await acquireRunLock(root.folder, { command, what: "the project's archive folder" });
      return { lost: new AbortController().signal, release: () => lock.release() };
    },

    async readText(path) {
      try {
        return await readFile(file(path), "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },

    async writeText(path, text) {
      await writeWhole(path, (tmp) => writeFile(tmp, text, { flag: "wx" }));
      return { sha256: sha256Hex(text) };
    },

    async listCopies() {
      const copies = new Map<string, number>();
      const walk = async (dir: string): Promise<void> => {
        let entries: Dirent[];
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
          throw e;
        }
        for (const entry of entries) {
          const full = join(dir, entry.name);
          if (entry.isDirectory()) await walk(full);
          // A download a killed close left half-done: never a copy, so removed.
          else if (TEMP_FILE.test(entry.name)) await rm(full, { force: true });
          else if (entry.isFile())
            copies.set(relative(root.folder, full).split(sep).join("/"), (await stat(full)).size);
        }
      };
      await walk(join(root.folder, "objects"));
      return copies;
    },

    async copy(object, source) {
      let digest: { size: number; sha256: string; md5: string } | undefined;
      await writeWhole(object.path, async (tmp) => {
        const hashing = hashingStream();
        await pipeline(
          await source.open({ region: object.region, bucket: object.bucket }, object.key, object.versionId),
          hashing.stream,
          createWriteStream(tmp, { flags: "wx" }),
        );
        digest = hashing.digest();
        const problem = downloadProblem(object, digest);
        if (problem) {
          throw new Error(
            `downloading s3://${object.bucket}/${object.key} (version ${object.versionId}): ${problem}; run the close again`,
          );
        }
      });
      return { size: digest!.size, sha256: digest!.sha256 };
    },

    async adopt(object) {
      let digest: { size: number; sha256: string; md5: string };
      try {
        if ((await stat(file(object.path))).size !== object.size) return undefined;
        digest = await fileDigest(file(object.path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
      return downloadProblem(object, digest) ? undefined : { size: digest.size, sha256: digest.sha256 };
    },

    async putImage(path, tarFile, sha256) {
      await writeWhole(path, async (tmp) => {
        await copyFile(tarFile, tmp);
        const copied = await fileDigest(tmp);
        if (copied.sha256 !== sha256)
          throw new Error(`${file(path)}: copied with sha256 ${copied.sha256}, expected ${sha256}`);
      });
    },

    async checkObject(object): Promise<EntryCheck> {
      let digest: { size: number; sha256: string };
      try {
        digest = await fileDigest(file(object.path));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT")
          return { ok: false, problem: "is missing from the archive" };
        return { ok: false, problem: `could not be read: ${errorMessage(e)}` };
      }
      if (digest.size !== object.size)
        return { ok: false, problem: `has ${digest.size} bytes, the manifest says ${object.size}` };
      if (digest.sha256 !== object.sha256) {
        return {
          ok: false,
          problem: `has sha256 ${digest.sha256}, the manifest says ${object.sha256 ?? "(none)"}`,
        };
      }
      return { ok: true };
    },

    async checkImage(image): Promise<EntryCheck> {
      let check: Awaited<ReturnType<typeof checkImageArchive>>;
      try {
        check = await checkImageArchive(createReadStream(file(image.path)), image);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT")
          return { ok: false, problem: "is missing from the archive" };
        return { ok: false, problem: `could not be read: ${errorMessage(e)}` };
      }
      if (check.sha256 !== image.sha256)
        check.problems.unshift(`has sha256 ${check.sha256}, the manifest says ${image.sha256}`);
      return check.problems.length === 0 ? { ok: true } : { ok: false, problem: check.problems.join("; ") };
    },
  };
}

/** Why a download is not the version listed: its size, or its MD5 against a plain ETag. */
function downloadProblem(
  object: { readonly size: number; readonly etag: string },
  digest: { readonly size: number; readonly md5: string },
): string | undefined {
  if (digest.size !== object.size) return `${digest.size} bytes arrived, ${object.size} were listed`;
  if (isPlainMd5(object.etag) && digest.md5 !== object.etag)
    return `its MD5 is ${digest.md5}, its ETag ${object.etag}`;
  return undefined;
}
