import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../errors.ts";
import { acquireRunLock, readRunLock } from "./run-lock.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "modelfleet-lock-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid!;
}

function lockText(fields: Record<string, unknown>): string {
  return JSON.stringify({
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    command: "modelfleet run base.yaml",
    ...fields,
  });
}

const lockPath = () => path.join(dir, "run.lock");

describe("run lock", () => {
  it("writes who holds it and keeps a second run out with a message that says what to do", async () => {
    const lock = await acquireRunLock(dir, { command: "modelfleet run base.yaml" });
    const written = JSON.parse(await readFile(lockPath(), "utf8"));
    expect(written).toMatchObject({
      pid: process.pid,
      hostname: os.hostname(),
      command: "modelfleet run base.yaml",
    });
    expect(Date.parse(written.startedAt)).not.toBeNaN();

    const second = acquireRunLock(dir, {
      command: "modelfleet run base.yaml",
      statusCommand: "modelfleet status b.yaml",
    });
    await expect(second).rejects.toBeInstanceOf(UserError);
    await expect(second).rejects.toMatchObject({ exitCode: 3 });
    await expect(second).rejects.toThrow(`another modelfleet run (pid ${process.pid}, started `);
    await expect(second).rejects.toThrow("watch it with `modelfleet status b.yaml`");
    await lock.release();
  });

  it("names the holder's start time and command", async () => {
    const startedAt = new Date();
    await writeFile(lockPath(), lockText({ startedAt: startedAt.toISOString() }));
    const minute = startedAt.toISOString().slice(0, 16).replace("T", " ");
    await expect(acquireRunLock(dir, { command: "modelfleet run base.yaml" })).rejects.toThrow(
      `another modelfleet run (pid ${process.pid}, started ${minute} UTC, \`modelfleet run base.yaml\`) ` +
        `holds ${lockPath()}; wait for it to finish, watch it with \`modelfleet status\`, ` +
        `or stop it with Ctrl-C in its terminal`,
    );
  });

  it.runIf(process.platform === "linux")(
    "sees that a live process reused the pid of a lock's dead owner",
    async () => {
      // Our own process started well after this lock was written, so it cannot be its owner.
      await writeFile(lockPath(), lockText({ startedAt: "2020-01-01T00:00:00.000Z" }));
      expect(await readRunLock(dir)).toBeUndefined();
      await (await acquireRunLock(dir, { command: "mine" })).release();
    },
  );

  it("does not judge a lock written on another machine", async () => {
    await writeFile(
      lockPath(),
      lockText({ hostname: "elsewhere", pid: 4242, startedAt: "2026-11-23T18:00:00Z" }),
    );
    await expect(acquireRunLock(dir, { command: "x" })).rejects.toThrow(
      `another modelfleet run on elsewhere (pid 4242, started 2026-11-23 18:00 UTC, \`modelfleet run base.yaml\`) ` +
        `holds ${lockPath()}`,
    );
    expect(await readRunLock(dir)).toMatchObject({ state: "unknown", hostname: "elsewhere", pid: 4242 });
  });

  it("releases only its own lock, and can be taken again after", async () => {
    const lock = await acquireRunLock(dir, { command: "first" });
    await lock.release();
    await lock.release();
    await expect(readdir(dir)).resolves.toEqual([]);
    const again = await acquireRunLock(dir, { command: "second" });
    // Another run took over (as if we had been judged dead): our release leaves its lock.
    await writeFile(lockPath(), lockText({ command: "third" }));
    await again.release();
    expect(JSON.parse(await readFile(lockPath(), "utf8")).command).toBe("third");
  });

  it("takes over the lock of a run that died, and of an unreadable lock file", async () => {
    await writeFile(lockPath(), lockText({ pid: await deadPid() }));
    const lock = await acquireRunLock(dir, { command: "mine" });
    expect(JSON.parse(await readFile(lockPath(), "utf8"))).toMatchObject({
      pid: process.pid,
      command: "mine",
    });
    await lock.release();

    await writeFile(lockPath(), '{"pid": 12');
    await (await acquireRunLock(dir, { command: "mine" })).release();
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it("lets exactly one of many concurrent runs take over a stale lock", async () => {
    await writeFile(lockPath(), lockText({ pid: await deadPid() }));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => acquireRunLock(dir, { command: `run ${i}` })),
    );
    const won = outcomes.filter((o) => o.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === "rejected") expect(o.reason).toBeInstanceOf(UserError);
    }
    const holder = await readRunLock(dir);
    expect(holder?.command).toBe(won[0]!.value.owner.command);
    await won[0]!.value.release();
    // Takeover claims are cleaned up.
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it("lets exactly one of several processes take over a stale lock", async () => {
    const script = path.join(dir, "contender.mjs");
    await writeFile(
      script,
      `import { acquireRunLock } from ${JSON.stringify(pathToFileURL(path.resolve("src/store/run-lock.ts")).href)};
const [dir, startAt] = process.argv.slice(2);
await new Promise((r) => setTimeout(r, Number(startAt) - Date.now()));
try {
  const lock = await acquireRunLock(dir, { command: "contender " + process.pid });
  process.stdout.write("won");
  await new Promise((r) => setTimeout(r, 2500));
  await lock.release();
} catch (e) {
  process.stdout.write(e.exitCode === 3 ? "held" : "error " + e.message);
}
`,
    );
    const lockDir = path.join(dir, "scenario");
    await mkdir(lockDir);
    await writeFile(path.join(lockDir, "run.lock"), lockText({ pid: await deadPid() }));
    const startAt = String(Date.now() + 1500);
    const outputs = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const child = spawn(process.execPath, [script, lockDir, startAt], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        await once(child, "exit");
        return out;
      }),
    );
    expect(outputs.sort()).toEqual(["held", "held", "held", "held", "held", "won"]);
    await expect(readdir(lockDir)).resolves.toEqual([]);
  });

  it("reports who is running for status, and nobody when the lock is stale or absent", async () => {
    expect(await readRunLock(dir)).toBeUndefined();
    const lock = await acquireRunLock(dir, { command: "modelfleet run a.yaml" });
    expect(await readRunLock(dir)).toMatchObject({
      pid: process.pid,
      command: "modelfleet run a.yaml",
      state: "held",
      path: lockPath(),
    });
    await lock.release();
    await writeFile(lockPath(), lockText({ pid: await deadPid() }));
    expect(await readRunLock(dir)).toBeUndefined();
  });
});
