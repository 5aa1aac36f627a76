// What every ResultStore promises about attempts, generations and replacing, run against the
// filesystem store and the S3 store alike (one set of rules for both).
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RealisationResult } from "../../src/results/realisation-result.ts";
import type { ResultStore, RunSetRef } from "../../src/store/result-store.ts";
import { storedResult } from "./realisation-results.ts";

export interface StoreUnderTest {
  readonly store: ResultStore;
  /** Bytes stored at a path relative to a realisation's folder, or undefined. */
  read(id: string, stored: string): Promise<Buffer | undefined>;
  /** Every path stored under a realisation's folder, sorted. */
  list(id: string): Promise<string[]>;
}

const runSet: RunSetRef = { project: "demo", scenario: "base" };
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

/** One attempt of realisation 7: writes its files and log, then publishes. */
async function attempt(
  s: StoreUnderTest,
  tmp: string,
  a: { attempt: string; text: string; fields?: Partial<RealisationResult>; replaces?: string },
) {
  const local = path.join(tmp, `${a.attempt}.out`);
  await writeFile(local, a.text);
  const at = { runSet, id: "7", attempt: a.attempt };
  const kept = await s.store.putFile({ ...at, path: "heads.out", localPath: local });
  const log = await s.store.putLog({ ...at, text: `log of ${a.attempt}\n` });
  const result = storedResult({
    attempt: a.attempt,
    files: [{ path: "heads.out", ...kept }],
    log,
    ...a.fields,
  });
  const outcome = await s.store.publishResult(
    result,
    a.replaces === undefined ? {} : { replaces: a.replaces },
  );
  return { outcome, result };
}

export function describeStoreContract(name: string, make: () => Promise<StoreUnderTest>, tmp: () => string) {
  describe(`${name}: attempts, generations, replacing`, () => {
    it("keeps each attempt's files apart: a losing duplicate never touches the winner's files", async () => {
      const s = await make();
      const won = await attempt(s, tmp(), { attempt: "g1-a1-aaaa", text: "winner\n" });
      expect(won.outcome).toBe("published");
      // A duplicate delivery of the same realisation fails, writes its own files, loses.
      const lost = await attempt(s, tmp(), {
        attempt: "g1-a2-bbbb",
        text: "loser, different bytes\n",
        fields: { status: "failed", failure: { kind: "model", reason: "exit_code", message: "exit 1" } },
      });
      expect(lost.outcome).toBe("already-published");
      const published = (await s.store.getResult(runSet, "7"))!;
      expect(published.attempt).toBe("g1-a1-aaaa");
      for (const f of published.files) {
        const bytes = await s.read("7", f.stored!);
        expect(bytes && createHash("sha256").update(bytes).digest("hex")).toBe(f.sha256);
      }
      expect((await s.read("7", published.log!))?.toString()).toBe("log of g1-a1-aaaa\n");
      // the loser's files are gone
      expect(await s.list("7")).toEqual([
        "attempts/g1-a1-aaaa/files/heads.out",
        "attempts/g1-a1-aaaa/log.txt",
        "result.json",
      ]);
    });

    it("never lets an older plan's work replace a newer plan's result", async () => {
      const s = await make();
      await attempt(s, tmp(), { attempt: "g2-a1-new", text: "new\n", fields: { key: "k2", generation: 2 } });
      const late = await attempt(s, tmp(), {
        attempt: "g1-a1-old",
        text: "old\n",
        fields: { key: "k1", generation: 1 },
      });
      expect(late.outcome).toBe("already-published");
      expect(await s.store.getResult(runSet, "7")).toMatchObject({ key: "k2", generation: 2 });
      // while a newer plan's result with another key replaces an older one
      const newer = await attempt(s, tmp(), {
        attempt: "g3-a1-newer",
        text: "newer\n",
        fields: { key: "k3", generation: 3 },
      });
      expect(newer.outcome).toBe("published");
      expect(await s.list("7")).toEqual([
        "attempts/g3-a1-newer/files/heads.out",
        "attempts/g3-a1-newer/log.txt",
        "result.json",
      ]);
    });

    it("lets a deliberate re-run replace exactly the result it re-runs", async () => {
      const s = await make();
      const failure = { kind: "model", reason: "exit_code", message: "exit 1" } as const;
      await attempt(s, tmp(), {
        attempt: "g1-a1-fail",
        text: "failed\n",
        fields: { status: "failed", failure, generation: 1 },
      });
      // the same key run again without naming it: the first result stays
      const plain = await attempt(s, tmp(), {
        attempt: "g2-a1-plain",
        text: "x\n",
        fields: { generation: 2 },
      });
      expect(plain.outcome).toBe("already-published");
      // a re-run that names another result does not replace this one
      const wrong = await attempt(s, tmp(), {
        attempt: "g2-a1-wrong",
        text: "x\n",
        fields: { generation: 2 },
        replaces: "g0-a1-other",
      });
      expect(wrong.outcome).toBe("already-published");
      const retry = await attempt(s, tmp(), {
        attempt: "g2-a1-retry",
        text: "succeeded\n",
        fields: { generation: 2 },
        replaces: "g1-a1-fail",
      });
      expect(retry.outcome).toBe("published");
      expect(await s.store.getResult(runSet, "7")).toMatchObject({ status: "ok", attempt: "g2-a1-retry" });
      expect(await s.list("7")).toEqual([
        "attempts/g2-a1-retry/files/heads.out",
        "attempts/g2-a1-retry/log.txt",
        "result.json",
      ]);
    });

    it("stores a file whose name holds a backslash (as models under Wine write) under an escaped name", async () => {
      const s = await make();
      const local = path.join(tmp(), "wine.out");
      await writeFile(local, "heads\n");
      const kept = await s.store.putFile({
        runSet,
        id: "7",
        attempt: "a1",
        path: "run\\heads.out",
        localPath: local,
      });
      expect(kept.stored).toBe("attempts/a1/files/run%5Cheads.out");
      expect((await s.read("7", kept.stored))?.toString()).toBe("heads\n");
      const pct = await s.store.putFile({
        runSet,
        id: "7",
        attempt: "a1",
        path: "100%/a:b?.out",
        localPath: local,
      });
      expect(pct.stored).toBe("attempts/a1/files/100%25/a%3Ab%3F.out");
      expect(sha("heads\n")).toBe(kept.sha256);
    });

    it("stores a name the file system holds, however long or full of escapes, and keeps them apart", async () => {
      const s = await make();
      const local = path.join(tmp(), "long.out");
      await writeFile(local, "long\n");
      const at = { runSet, id: "7", attempt: "a1" };
      // 239 bytes: a valid name, with no room for a temp file's suffix
      const long = `${"b".repeat(235)}.out`;
      const kept = await s.store.putFile({ ...at, path: long, localPath: local });
      expect((await s.read("7", kept.stored))?.toString()).toBe("long\n");
      // 120 colons become 360 bytes escaped: stored under a shortened name with a hash
      const colons = `${":".repeat(120)}a.out`;
      const other = `${":".repeat(120)}b.out`;
      const a = await s.store.putFile({ ...at, path: colons, localPath: local });
      const b = await s.store.putFile({ ...at, path: other, localPath: local });
      expect(a.stored).not.toBe(b.stored);
      for (const stored of [a.stored, b.stored]) {
        expect(Buffer.byteLength(stored.split("/").pop()!)).toBeLessThanOrEqual(200);
        expect((await s.read("7", stored))?.toString()).toBe("long\n");
      }
    });

    it("raises the plan generation on every run and keeps every key", async () => {
      const s = await make();
      expect(await s.store.currentPlan(runSet)).toBeUndefined();
      const first = await s.store.startPlan(runSet, { fingerprint: "f1", keys: { "1": "k1", "2": "k2" } });
      expect(first).toMatchObject({ generation: 1, fingerprint: "f1", keys: { "1": "k1", "2": "k2" } });
      const second = await s.store.startPlan(runSet, { fingerprint: "f2", keys: { "1": "k1b" } });
      expect(second.generation).toBe(2);
      expect(await s.store.currentPlan(runSet)).toEqual(second);
    });

    it("hands over every published result one at a time, as listResults lists them", async () => {
      const s = await make();
      const ids = Array.from({ length: 150 }, (_, i) => String(i + 1));
      for (const id of ids) await s.store.publishResult(storedResult({ id, attempt: `a${id}` }));
      const each: string[] = [];
      for await (const r of s.store.eachResult(runSet)) each.push(r.id);
      const listed = (await s.store.listResults(runSet)).map((r) => r.id);
      expect([...each].sort()).toEqual([...ids].sort());
      expect([...listed].sort()).toEqual([...ids].sort());
    });

    it("writes a run-set file given in chunks as the chunks joined", async () => {
      const s = await make();
      const chunks = function* () {
        yield Buffer.from("real_name,a\n");
        // More than one multipart part in all (S3's parts are 5 MiB at least).
        for (let i = 0; i < 12; i++) yield Buffer.alloc(1 << 20, 48 + i);
      };
      await s.store.putRunSetFile(runSet, "parameters.csv", chunks());
      const back = Buffer.from((await s.store.getRunSetFile(runSet, "parameters.csv"))!);
      expect(back.equals(Buffer.concat([...chunks()]))).toBe(true);
    });
  });
}
