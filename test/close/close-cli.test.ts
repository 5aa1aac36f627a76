// `modelfleet close` as people and workflows run it: a checkout with the project's files, its
// infrastructure outputs and synthesised stack, against the fake cloud (S3 with versions and
// checksums, a fake ECR) and a recording `terraform` on PATH. The close is a real process,
// killed in the middle of its backup and run again.
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import { type CloseManifest, MANIFEST_FILE } from "../../src/close/manifest.ts";
import { CLI, REPO } from "../helpers/project.ts";
import { waitFor } from "../helpers/wait.ts";
import { ARCHIVE_BUCKET, BUCKET, type CloseFixture, PROJECT, STACK, startCloseFixture } from "./fixture.ts";

let f: CloseFixture | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await f?.close();
  f = undefined;
});

/** A checkout: projects/demo (the basic test project, with an archive), its outputs and stack. */
async function checkout(
  fx: CloseFixture,
  archive = "{ bucket: acme-archive, prefix: modelfleet/, storage_class: GLACIER_IR }",
) {
  const repo = join(fx.dir, "repo");
  const projectDir = join(repo, "projects", PROJECT);
  await mkdir(projectDir, { recursive: true });
  await cp(join(REPO, "test", "specs", "basic"), projectDir, { recursive: true });
  // The folder's other files are broken on purpose (for validation tests).
  for (const broken of ["broken-refs.yaml", "typos.yaml"]) await rm(join(projectDir, broken));
  const base = (await readFile(join(projectDir, "base.yaml"), "utf8")).replace(
    "project: basic",
    `project: ${PROJECT}`,
  );
  await writeFile(join(projectDir, "base.yaml"), `${base}cloud:\n  archive: ${archive}\n`);
  await mkdir(join(repo, ".modelfleet", "infra"), { recursive: true });
  await writeFile(
    join(repo, ".modelfleet", "infra", `${PROJECT}-base.json`),
    JSON.stringify({
      region: fx.s3.region,
      bucket: BUCKET,
      prefix: "results/",
      queueUrl: "https://sqs.us-east-1.amazonaws.com/000000000000/modelfleet-demo-base",
      deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/000000000000/modelfleet-demo-base-dlq",
      cluster: "modelfleet-demo",
      taskDefinition: "modelfleet-demo-base:1",
      subnets: [],
      securityGroups: [],
      assignPublicIp: true,
      containerName: "agent",
    }),
  );
  await mkdir(join(repo, "cdktf.out", "stacks", STACK), { recursive: true });
  await writeFile(join(repo, "cdktf.out", "stacks", STACK, "cdk.tf.json"), "{}");
  const bin = join(fx.dir, "bin");
  await mkdir(bin, { recursive: true });
  await writeFile(
    join(bin, "terraform"),
    '#!/bin/sh\necho "$*" >> "$TERRAFORM_CALLS"\necho "fake terraform: $2"\n',
  );
  await chmod(join(bin, "terraform"), 0o755);
  const env = {
    ...process.env,
    ...fx.s3.env,
    AWS_ENDPOINT_URL_ECR: fx.registry.endpoint,
    PATH: `${bin}:${process.env.PATH}`,
    TERRAFORM_CALLS: join(fx.dir, "terraform-calls.txt"),
    MODELFLEET_ARCHIVE: "",
  };
  return {
    repo,
    projectDir,
    env,
    terraformCalls: () => readFile(env.TERRAFORM_CALLS, "utf8").catch(() => ""),
  };
}

function close(cwd: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const child = spawn(process.execPath, [CLI, "close", PROJECT, ...args], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const archiveCopies = (fx: CloseFixture) => fx.s3.copies.filter((c) => c.bucket === ARCHIVE_BUCKET);

describe("modelfleet close", () => {
  it("killed in the middle of its backup and run again: nothing copied twice, nothing missed; run once more, nothing changes", async () => {
    f = await startCloseFixture({ copyDelayMs: 15 });
    for (let i = 0; i < 240; i++)
      await f.put(`results/demo/base/realisations/r${i}/result.json`, `{"r":${i}}`);
    const { repo, projectDir, env, terraformCalls } = await checkout(f);
    const total = [...f.kept.values()].reduce((n, bodies) => n + bodies.length, 0);

    const first = close(repo, env, ["--yes"]);
    const fx = f;
    await waitFor("the backup to be under way", async () =>
      archiveCopies(fx).length >= 60 ? true : undefined,
    );
    first.child.kill("SIGKILL");
    const killed = await first.done;
    expect(killed.signal).toBe("SIGKILL");
    const atKill = archiveCopies(f).length;
    expect(atKill).toBeLessThan(total);
    expect(await terraformCalls()).toBe("");

    // The killed close's lock is still there (it expires 2 minutes after its last renewal).
    const locked = await close(repo, env, ["--yes"]).done;
    expect(locked.code).toBe(3);
    expect(locked.stderr).toMatch(
      /^another run holds s3:\/\/acme-archive\/modelfleet\/demo\/close.lock: `modelfleet close demo`, pid \d+/,
    );
    const second = await close(repo, env, ["--yes", "--force", "--json", "--report", "report.md"]).done;
    expect(second.stderr).toContain("demo: destroyed stack modelfleet-demo-us-east-1");
    expect(second.code).toBe(0);
    const outcome = JSON.parse(second.stdout);
    expect(outcome).toMatchObject({ status: "closed", backup: { objects: total } });
    expect(outcome.backup.copiedNow + outcome.backup.adopted + outcome.backup.alreadyCopied).toBe(total);
    // What the killed close had copied is found in the archive, not copied again.
    expect(outcome.backup.adopted + outcome.backup.alreadyCopied).toBeGreaterThanOrEqual(atKill);

    // Every version copied exactly once into the (versioned) archive, and every one in the manifest.
    const copied = archiveCopies(f).map((c) => c.key);
    expect(copied).toHaveLength(total);
    expect(new Set(copied).size).toBe(total);
    const archived = (await f.versions(ARCHIVE_BUCKET, "modelfleet/demo/objects/")).map((v) => v.key);
    expect(archived.sort()).toEqual([...copied].sort());
    const manifestObject = await f.client.send(
      new GetObjectCommand({ Bucket: ARCHIVE_BUCKET, Key: `modelfleet/demo/${MANIFEST_FILE}` }),
    );
    const manifest = JSON.parse(await manifestObject.Body!.transformToString()) as CloseManifest;
    expect(manifest.objects.map((o) => o.location.slice(`s3://${ARCHIVE_BUCKET}/`.length)).sort()).toEqual(
      [...copied].sort(),
    );

    // Destroyed only now: the bucket emptied, the stack, the image; the project marked closed.
    expect(await f.versions(BUCKET)).toEqual([]);
    expect((await terraformCalls()).trim().split("\n")).toEqual([
      `-chdir=${join(repo, "cdktf.out", "stacks", STACK)} init -input=false`,
      `-chdir=${join(repo, "cdktf.out", "stacks", STACK)} destroy -auto-approve -input=false`,
    ]);
    expect(f.registry.deleted.map((d) => d.digest)).toEqual([f.image.digest]);
    const marker = JSON.parse(await readFile(join(projectDir, "closed.json"), "utf8"));
    expect(marker).toMatchObject({
      project: PROJECT,
      counts: { objects: total, images: 1, buckets: 1, stacks: 1 },
    });
    const report = await readFile(join(repo, "report.md"), "utf8");
    expect(report).toContain("<!-- modelfleet:close-project:demo -->");
    expect(report).toContain(`- **Backed up**: ${total} object version(s)`);

    // Once more: it says so, and does nothing.
    f.s3.resetCounters();
    const third = await close(repo, env, []).done;
    expect(third.code).toBe(0);
    expect(third.stdout).toContain("demo: closed on ");
    expect(third.stdout).toContain("Nothing to do.");
    expect(f.s3.requests.byOperation).toEqual({});
    expect((await terraformCalls()).trim().split("\n")).toHaveLength(2);

    // And the project's files do not run again.
    const run = memoryIO(repo);
    expect(await main(["run", join(projectDir, "base.yaml")], run)).toBe(1);
    expect(run.stderr.join("\n")).toContain("project demo was closed on ");
  });

  it("--dry-run prints the plan and changes nothing; without --yes and no terminal it refuses", async () => {
    f = await startCloseFixture();
    const { repo, env, terraformCalls } = await checkout(f);
    const dry = await close(repo, env, ["--dry-run"]).done;
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain("archive: s3://acme-archive/modelfleet/demo/");
    expect(dry.stderr).toMatch(
      /s3:\/\/modelfleet-demo-us-east-1-000000000000 \(us-east-1, versioning enabled\): 11 object version\(s\), 40 KB; 1 delete marker\(s\) listed; 2 run lock\(s\) and freeze marker not kept/,
    );
    expect(dry.stderr).toContain(`image ${f.image.reference} (named by 2 run record(s))`);
    expect(dry.stderr).toContain("stack modelfleet-demo-us-east-1 (us-east-1): terraform destroy");
    expect(dry.stdout).toBe("demo: dry run; nothing was changed.\n");
    expect(archiveCopies(f)).toEqual([]);
    expect(await terraformCalls()).toBe("");

    const noYes = await close(repo, env, []).done;
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain("demo: the plan\n");
    expect(noYes.stderr).toMatch(
      /\nclose: destroys the project's cloud resources once they are backed up; with no terminal to confirm at, add --yes \(or --dry-run to see the plan\)\n$/,
    );
    expect(archiveCopies(f)).toEqual([]);
  });

  it("says what is missing: the archive, the project, the outputs, the stack", async () => {
    f = await startCloseFixture();
    const { repo, projectDir } = await checkout(f);
    const base = join(projectDir, "base.yaml");
    await writeFile(base, (await readFile(base, "utf8")).replace(/cloud:\n {2}archive: .*\n/, ""));
    const io = memoryIO(repo);
    const saved = process.env.MODELFLEET_ARCHIVE;
    delete process.env.MODELFLEET_ARCHIVE;
    try {
      expect(await main(["close", PROJECT, "--dry-run"], io)).toBe(2);
      expect(io.stderr.at(-1)).toBe(
        "no archive to back the project up to: add `cloud.archive: { bucket: …, prefix: …, storage_class: DEEP_ARCHIVE }` (or `{ folder: /srv/archive }`) to the project files, or pass --archive s3://bucket/prefix (or set MODELFLEET_ARCHIVE, e.g. as a repository variable)",
      );
      const bad = memoryIO(repo);
      expect(await main(["close", PROJECT, "--dry-run", "--archive", "archive/"], bad)).toBe(2);
      expect(bad.stderr.at(-1)).toBe(
        '--archive: expected s3://bucket/prefix (optionally ?region=eu-west-1&storage_class=DEEP_ARCHIVE) or an absolute folder such as /srv/archive, got "archive/"',
      );
      const other = memoryIO(repo);
      expect(await main(["close", "nope", "--dry-run"], other)).toBe(2);
      expect(other.stderr.at(-1)).toBe("projects/nope: no such project (projects here: demo)");
      const both = memoryIO(repo);
      expect(await main(["close", PROJECT, "--dry-run", "--yes"], both)).toBe(2);
      expect(both.stderr.at(-1)).toMatch(/^close: --dry-run or --yes, not both/);
    } finally {
      if (saved !== undefined) process.env.MODELFLEET_ARCHIVE = saved;
    }
    await rm(join(repo, "cdktf.out"), { recursive: true });
    const nostack = memoryIO(repo);
    expect(await main(["close", PROJECT, "--dry-run", "--archive", "/srv/archive"], nostack)).toBe(1);
    expect(nostack.stderr.at(-1)).toBe(
      "the project's stacks are not synthesised (cdktf.out/stacks/modelfleet-demo-us-east-1): run `npm run synth` first, so they can be destroyed",
    );
    await rm(join(repo, ".modelfleet"), { recursive: true });
    const nooutputs = memoryIO(repo);
    expect(await main(["close", PROJECT, "--dry-run", "--archive", "/srv/archive"], nooutputs)).toBe(1);
    expect(nooutputs.stderr.at(-1)).toMatch(
      /^no infrastructure outputs for \.modelfleet\/infra\/demo-base\.json: the close finds the project's buckets and queues there\./,
    );
  });

  it("--help says what it does, each option, and its exit codes", async () => {
    const io = memoryIO();
    expect(await main(["close", "--help"], io)).toBe(0);
    const text = io.stdout.join("\n");
    expect(text).toMatch(/^usage: modelfleet close /);
    for (const option of [
      "--dry-run",
      "--yes",
      "--json",
      "--report FILE",
      "--archive TARGET",
      "--stacks DIR",
    ]) {
      expect(text).toMatch(new RegExp(`^ {2}${option} `, "m"));
    }
    expect(text).toMatch(/^Exit codes: 0 /m);
  });
});
