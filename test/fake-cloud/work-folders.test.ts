// Cloud workers use their work folders again too: whatever a model does to its folder, the next
// realisation a worker runs in it sees exactly the model folder plus its templates.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { listingOf, REALISATIONS, vandalProject } from "../helpers/vandal-project.ts";
import { cloudResults, fakeCloudPerTest, runEcs, storeOf } from "./session.ts";

const session = fakeCloudPerTest();
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("cloud work folders used again", () => {
  it("show every realisation exactly the model folder plus its templates; one worker copies the model folder once", async () => {
    const made = await vandalProject({
      scenario: "base",
      specExtra: "cloud: { max_workers: 1, idle_timeout: 2s }\n",
    });
    dir = made.dir;
    const project = {
      dir,
      spec: made.spec,
      results: join(dir, ".results"),
      work: join(dir, ".work"),
      setParams: async () => {},
      remove: async () => {},
    };
    const cloud = await session.startCloud();
    const run = await runEcs(project, cloud);
    expect(run.err).not.toContain("internal error");
    expect(run.code).toBe(0);
    const results = await cloudResults(cloud);
    expect(results.size).toBe(REALISATIONS);
    const store = storeOf(cloud);
    const kept = async (id: string, name: string) => {
      const f = results.get(id)!.files.find((x) => x.path === name)!;
      const key = `${store.runSetKey({ project: "test", scenario: "base" })}/realisations/${id}/${f.stored}`;
      const o = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
      return o.Body!.transformToString();
    };
    const folders = new Set<string>();
    for (let i = 1; i <= REALISATIONS; i++) {
      const id = `r${i}`;
      expect(
        results.get(id),
        JSON.stringify(results.get(id)?.failure) + results.get(id)?.logTail,
      ).toMatchObject({ status: "ok", observations: { y: 2 * i } });
      expect(await kept(id, "listing.txt"), id).toBe(await listingOf(join(dir, "model"), { x: i }));
      folders.add((await kept(id, "where.txt")).trim());
    }
    // One worker, one folder copied (a second when a restore is still under way).
    expect(folders.size).toBeLessThanOrEqual(2);
  });
});
