import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { storedResult } from "../../test/helpers/realisation-results.ts";
import { describeStoreContract } from "../../test/helpers/store-contract.ts";
import { UserError } from "../errors.ts";
import { createFsResultStore } from "./fs-store.ts";
import type { RunSetRef } from "./result-store.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "modelfleet-store-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const runSet: RunSetRef = { project: "demo", scenario: "base" };

const result = storedResult;

const realisationDir = (id = "7") => path.join(root, "demo", "base", "realisations", id);

describeStoreContract(
  "file result store",
  async () => {
    const store = createFsResultStore(root);
    return {
      store,
      read: (id, stored) =>
        readFile(path.join(realisationDir(id), ...stored.split("/"))).catch(() => undefined),
      list: async (id) =>
        (await readdir(realisationDir(id), { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) =>
            path.relative(realisationDir(id), path.join(e.parentPath, e.name)).split(path.sep).join("/"),
          )
          .sort(),
    };
  },
  () => root,
);

describe("file result store", () => {
  it("lays results out by project, scenario and realisation", async () => {
    const store = createFsResultStore(root);
    expect(store.location).toBe(path.resolve(root));
    expect(store.runSetLocation(runSet)).toBe(path.join(root, "demo", "base"));
    const local = path.join(root, "heads.out");
    await writeFile(local, "1 2 3\n");
    await store.putFile({ runSet, id: "7", attempt: "a1", path: "out/heads.out", localPath: local });
    await store.putLog({ runSet, id: "7", attempt: "a1", text: "model said hello\n" });
    await store.publishResult(result());
    await store.putRunSetFile(runSet, "summary.json", "{}");
    const attempt = path.join(realisationDir(), "attempts", "a1");
    expect(await readFile(path.join(attempt, "files", "out", "heads.out"), "utf8")).toBe("1 2 3\n");
    expect(await readFile(path.join(attempt, "log.txt"), "utf8")).toBe("model said hello\n");
    expect(JSON.parse(await readFile(path.join(realisationDir(), "result.json"), "utf8"))).toEqual(result());
    expect(await readFile(path.join(root, "demo", "base", "summary.json"), "utf8")).toBe("{}");
    expect((await readdir(realisationDir())).sort()).toEqual(["attempts", "result.json"]);
  });

  it("publishes the whole result and leaves no temp files", async () => {
    const store = createFsResultStore(root);
    const big = result({ logTail: "x".repeat(1_000_000) });
    expect(await store.publishResult(big)).toBe("published");
    expect(await store.getResult(runSet, "7")).toEqual(big);
    expect(await readdir(realisationDir())).toEqual(["result.json"]);
  });

  it("keeps a published result with the same key and replaces a stale one", async () => {
    const store = createFsResultStore(root);
    expect(await store.publishResult(result({ worker: "first" }))).toBe("published");
    expect(await store.publishResult(result({ worker: "second" }))).toBe("already-published");
    expect((await store.getResult(runSet, "7"))?.worker).toBe("first");
    expect(await store.publishResult(result({ key: "k2", worker: "third" }))).toBe("published");
    expect(await store.getResult(runSet, "7")).toMatchObject({ key: "k2", worker: "third" });
    expect(await readdir(realisationDir())).toEqual(["result.json"]);
  });

  it("replaces an infrastructure failure with a settled result of the same key, not with another failure", async () => {
    const store = createFsResultStore(root);
    const lost = { kind: "infrastructure", reason: "worker_lost", message: "the worker vanished" } as const;
    await store.publishResult(result({ status: "failed", failure: lost, worker: "a" }));
    expect(await store.publishResult(result({ status: "failed", failure: lost, worker: "b" }))).toBe(
      "already-published",
    );
    expect(await store.publishResult(result({ worker: "c" }))).toBe("published");
    const modelFailure = { kind: "model", reason: "exit_code", message: "exit 1" } as const;
    expect(await store.publishResult(result({ status: "failed", failure: modelFailure }))).toBe(
      "already-published",
    );
    expect((await store.getResult(runSet, "7"))?.worker).toBe("c");
  });

  it("publishes exactly once when 20 publishers race, with or without a stale result in place", async () => {
    for (const stale of [false, true]) {
      const store = createFsResultStore(root);
      const id = stale ? "stale" : "fresh";
      if (stale) await store.publishResult(result({ id, key: "old" }));
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.publishResult(result({ id, worker: `w${i}` }))),
      );
      expect(outcomes.filter((o) => o === "published")).toHaveLength(1);
      const winner = outcomes.indexOf("published");
      expect(await store.getResult(runSet, id)).toMatchObject({ key: "k1", worker: `w${winner}` });
      expect(await readdir(realisationDir(id))).toEqual(["result.json"]);
    }
  });

  it("publishes exactly once when processes race", async () => {
    const store = createFsResultStore(root);
    await store.publishResult(result({ key: "old" }));
    const script = path.join(root, "publisher.mjs");
    await writeFile(
      script,
      `import { createFsResultStore } from ${JSON.stringify(pathToFileURL(path.resolve("src/store/fs-store.ts")).href)};
const [root, startAt, result] = process.argv.slice(2);
const store = createFsResultStore(root);
await new Promise((r) => setTimeout(r, Number(startAt) - Date.now()));
const outcomes = await Promise.all(
  [0, 1, 2, 3, 4].map((i) => store.publishResult({ ...JSON.parse(result), worker: process.pid + "/" + i })),
);
process.stdout.write(JSON.stringify(outcomes));
`,
    );
    const startAt = String(Date.now() + 1500);
    const outcomes = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const child = spawn(process.execPath, [script, root, startAt, JSON.stringify(result())], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        await once(child, "exit");
        return JSON.parse(out) as string[];
      }),
    );
    expect(outcomes.flat().filter((o) => o === "published")).toHaveLength(1);
    expect(outcomes.flat().filter((o) => o === "already-published")).toHaveLength(19);
    expect((await store.getResult(runSet, "7"))?.key).toBe("k1");
    expect(await readdir(realisationDir())).toEqual(["result.json"]);
  });

  it("copies a kept file and reports its size and sha256", async () => {
    const store = createFsResultStore(root);
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const local = path.join(root, "big.bin");
    await writeFile(local, bytes);
    const kept = await store.putFile({ runSet, id: "7", attempt: "a1", path: "big.bin", localPath: local });
    expect(kept).toEqual({
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      stored: "attempts/a1/files/big.bin",
    });
    const files = path.join(realisationDir(), "attempts", "a1", "files");
    expect((await readFile(path.join(files, "big.bin"))).equals(bytes)).toBe(true);
    // Kept again (a re-run): replaced, no temp files.
    await writeFile(local, "short");
    expect(
      (await store.putFile({ runSet, id: "7", attempt: "a1", path: "./big.bin", localPath: local })).size,
    ).toBe(5);
    expect(await readdir(files)).toEqual(["big.bin"]);
  });

  it("says which file it could not keep", async () => {
    const store = createFsResultStore(root);
    const missing = path.join(root, "nope.out");
    await expect(
      store.putFile({ runSet, id: "7", attempt: "a1", path: "nope.out", localPath: missing }),
    ).rejects.toThrow(`could not keep ${missing} as `);
    expect(await readdir(path.join(realisationDir(), "attempts", "a1", "files"))).toEqual([]);
  });

  it("rejects kept-file paths that leave the realisation's folder", async () => {
    const store = createFsResultStore(root);
    const local = path.join(root, "f");
    await writeFile(local, "x");
    const cases: [string, string][] = [
      ["../escape.txt", "the path climbs out of the work directory"],
      ["out/../../escape.txt", "the path climbs out of the work directory"],
      ["/etc/passwd", "the path is absolute"],
      ["C:/model/heads.out", "the path is absolute"],
      ["./", "the path is empty"],
    ];
    for (const [relPath, why] of cases) {
      const put = store.putFile({ runSet, id: "7", attempt: "a1", path: relPath, localPath: local });
      await expect(put).rejects.toBeInstanceOf(UserError);
      await expect(put).rejects.toThrow(`cannot store kept file "${relPath}" of realisation 7: ${why}`);
    }
    await expect(store.putRunSetFile(runSet, "../x", "x")).rejects.toThrow(
      'cannot store run set file "../x"',
    );
    await expect(store.getResult(runSet, "..")).rejects.toThrow('realisation id ".."');
    // A scenario may be a path (a calibration's iterations nest in it), each segment a name.
    await expect(store.publishResult(result({ scenario: "a/.." }))).rejects.toThrow('scenario name ".."');
  });

  it("reads nothing for a realisation without a result, ignoring leftover temp files", async () => {
    const store = createFsResultStore(root);
    expect(await store.getResult(runSet, "7")).toBeUndefined();
    await mkdir(realisationDir(), { recursive: true });
    await writeFile(path.join(realisationDir(), ".result.json.123.abcdef.tmp"), '{"schema": 1, "id": "7"');
    expect(await store.getResult(runSet, "7")).toBeUndefined();
    expect(await store.listResults(runSet)).toEqual([]);
    expect(await store.publishResult(result())).toBe("published");
  });

  it("names a result.json that was edited into something unreadable", async () => {
    const store = createFsResultStore(root);
    await store.publishResult(result());
    const file = path.join(realisationDir(), "result.json");
    await writeFile(file, '{"schema": 1, "id": "7", "key": ');
    const read = store.getResult(runSet, "7");
    await expect(read).rejects.toBeInstanceOf(UserError);
    await expect(read).rejects.toThrow(`${file} is not a readable modelfleet result (`);
    await expect(store.listResults(runSet)).rejects.toThrow("Delete it and the realisation will run again");
    // Publishing over it repairs it.
    expect(await store.publishResult(result())).toBe("published");
    expect(await store.getResult(runSet, "7")).toEqual(result());
  });

  it("lists 2,000 results", async () => {
    const store = createFsResultStore(root);
    expect(await store.listResults(runSet)).toEqual([]);
    const ids = Array.from({ length: 2000 }, (_, i) => String(i + 1));
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map((id) => store.publishResult(result({ id }))));
    }
    await mkdir(path.join(root, "demo", "base", "realisations", "9999")); // running, not yet published
    const listed = await store.listResults(runSet);
    expect(listed.map((r) => r.id).sort()).toEqual([...ids].sort());

    // Versions without reading: one changes when its result is replaced, and only that one.
    const versions = await store.listResultVersions(runSet);
    expect(versions.map((v) => v.id).sort()).toEqual([...ids].sort());
    const before = new Map(versions.map((v) => [v.id, v.version]));
    await store.publishResult(result({ id: "17", key: "k2" }));
    const after = await store.listResultVersions(runSet);
    expect(after.filter((v) => before.get(v.id) !== v.version).map((v) => v.id)).toEqual(["17"]);
  });

  it("writes and reads run set files", async () => {
    const store = createFsResultStore(root);
    expect(await store.getRunSetFile(runSet, "summary.json")).toBeUndefined();
    await store.putRunSetFile(runSet, "summary.json", '{"ok": 1}');
    await store.putRunSetFile(runSet, "summary.json", '{"ok": 2}');
    await store.putRunSetFile(runSet, "plots/heads.png", new Uint8Array([1, 2, 3]));
    expect(new TextDecoder().decode(await store.getRunSetFile(runSet, "summary.json"))).toBe('{"ok": 2}');
    expect(await store.getRunSetFile(runSet, "plots/heads.png")).toEqual(new Uint8Array([1, 2, 3]));
    expect((await readdir(path.join(root, "demo", "base"))).sort()).toEqual(["plots", "summary.json"]);
  });
});
