// A project to close on the fake cloud: a versioned results bucket on s3rver (behind the
// conditional-write proxy and the versions layer) holding results in several versions, a delete
// marker, run locks and run records naming a worker image in a fake ECR; an archive bucket
// (versioned, so a copy made twice would show as two versions) or folder; and recorded fakes
// for what cannot run here (terraform destroy, stopping run sets).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { type ArchiveRoot, archiveRoot } from "../../src/close/archive-target.ts";
import { type ClosedMarker, writeClosedMarker } from "../../src/close/closed-marker.ts";
import { createEcrRegistry } from "../../src/close/ecr-registry.ts";
import { createFolderArchive } from "../../src/close/folder-archive.ts";
import type { Archive, ClosePorts, StackRef } from "../../src/close/ports.ts";
import type { CloseProjectFiles } from "../../src/close/project-files.ts";
import { createS3Archive } from "../../src/close/s3-archive.ts";
import { createS3SourceBuckets } from "../../src/close/s3-source.ts";
import { createEcrClient } from "../../src/cloud/ecr-images.ts";
import { systemClock } from "../../src/engine/clock.ts";
import type { StorageClass } from "../../src/spec/archive-schema.ts";
import { createS3Client } from "../../src/store/s3-store.ts";
import { type FakeRegistry, startFakeRegistry } from "../fake-cloud/fake-registry.ts";
import { startVersionedFakeS3, type VersionedFakeS3 } from "../fake-cloud/s3-versions.ts";

export const PROJECT = "demo";
export const BUCKET = "modelfleet-demo-us-east-1-000000000000";
export const ARCHIVE_BUCKET = "acme-archive";
export const STACK = "modelfleet-demo-us-east-1";

export interface CloseFixture {
  readonly s3: VersionedFakeS3;
  readonly registry: FakeRegistry;
  readonly client: S3Client;
  readonly dir: string;
  readonly image: { reference: string; digest: string; blobs: readonly string[] };
  /** Every object version put in the project bucket that is to be kept: key → bodies, oldest first. */
  readonly kept: Map<string, string[]>;
  files(archive: "s3" | "folder", storageClass?: StorageClass): CloseProjectFiles;
  ports(files: CloseProjectFiles, overrides?: Partial<ClosePorts>): ClosePorts & { archive: Archive };
  readonly destroyed: StackRef[];
  readonly stopped: string[];
  readonly markers: ClosedMarker[];
  /** Puts one more object version into the project bucket. */
  put(key: string, body: string): Promise<void>;
  /** Versions in a bucket (all keys under `prefix`). */
  versions(
    bucket: string,
    prefix?: string,
  ): Promise<Array<{ key: string; versionId: string; deleteMarker: boolean }>>;
  close(): Promise<void>;
}

export async function startCloseFixture(options: { copyDelayMs?: number } = {}): Promise<CloseFixture> {
  const s3 = await startVersionedFakeS3({ bucket: "unused-default", ...options });
  const registry = await startFakeRegistry({ idleMs: 60_000 });
  const dir = await mkdtemp(join(tmpdir(), "mf-close-"));
  const clientFor = (region: string) =>
    createS3Client({ region, endpoint: s3.endpoint, credentials: s3.credentials, retry: { maxAttempts: 2 } });
  const client = clientFor(s3.region);
  for (const bucket of [BUCKET, ARCHIVE_BUCKET]) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  const image = registry.addImage({ repository: "modelfleet-agent", layers: ["base", "mf6", "modelfleet"] });
  const kept = new Map<string, string[]>();
  const put = async (key: string, body: string) => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    if (!key.endsWith("run.lock")) kept.set(key, [...(kept.get(key) ?? []), body]);
  };
  // Run records naming the image; the last run was stopped (stopping a run in flight: freeze.test.ts).
  const party = { host: "h", pid: 1, command: "modelfleet", at: "2030-01-01T00:00:00.000Z" };
  const run = (n: number) =>
    JSON.stringify({
      schema: 1,
      run: `run-${n}`,
      runConfigKey: "x",
      image: image.reference,
      started: party,
      ...(n === 2 ? { stopped: party } : {}),
    });
  // Two runs, each with its record; results, one replaced; a result deleted (a delete marker).
  await put("results/demo/base/current-run.json", run(1));
  for (let id = 1; id <= 5; id++)
    await put(`results/demo/base/realisations/${id}/result.json`, `{"id":${id}}`);
  await put("results/demo/base/realisations/2/result.json", '{"id":2,"again":true}');
  await put("results/demo/base/run.lock", '{"pid":1}');
  await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "results/demo/base/run.lock" }));
  await put("results/demo/base/current-run.json", run(2));
  await put("results/demo/base/realisations/6/result.json", '{"id":6}');
  await client.send(
    new DeleteObjectCommand({ Bucket: BUCKET, Key: "results/demo/base/realisations/6/result.json" }),
  );
  await put("results/demo/base/bundles/abc.tar.gz", "x".repeat(40_000));
  await put("results/demo/base/odd key/with spaces & ünïcode/..//file", "odd");

  const destroyed: StackRef[] = [];
  const stopped: string[] = [];
  const markers: ClosedMarker[] = [];
  const stackDir = join(dir, "cdktf.out", "stacks", STACK);
  await mkdir(stackDir, { recursive: true });
  await writeFile(join(stackDir, "cdk.tf.json"), "{}");
  const projectDir = join(dir, "projects", PROJECT);
  await mkdir(projectDir, { recursive: true });

  const root = (kind: "s3" | "folder", storageClass: StorageClass = "GLACIER_IR"): ArchiveRoot =>
    archiveRoot(
      kind === "s3"
        ? { kind: "s3", bucket: ARCHIVE_BUCKET, prefix: "modelfleet/", storageClass }
        : { kind: "folder", folder: join(dir, "archive") },
      PROJECT,
      s3.region,
    );

  return {
    s3,
    registry,
    client,
    dir,
    image,
    kept,
    destroyed,
    stopped,
    markers,
    put,
    files: (kind, storageClass) => ({
      project: PROJECT,
      dir: projectDir,
      scenarios: [
        {
          scenario: "base",
          file: join(projectDir, "base.yaml"),
          regions: [s3.region],
          infraFile: join(dir, "infra.json"),
          infra: {
            region: s3.region,
            bucket: BUCKET,
            prefix: "results/",
            queueUrl: "q",
            deadLetterQueueUrl: "dlq",
            cluster: "c",
            taskDefinition: "t",
            subnets: [],
            securityGroups: [],
            assignPublicIp: false,
            containerName: "agent",
          },
        },
      ],
      regions: [s3.region],
      buckets: [{ region: s3.region, bucket: BUCKET, prefix: "results/" }],
      stacks: [{ stack: STACK, region: s3.region, dir: stackDir }],
      archive: root(kind, storageClass),
    }),
    ports(files, overrides = {}) {
      const archive =
        files.archive.kind === "s3"
          ? createS3Archive({ root: files.archive, clientFor, multipartAbove: 16_000, copyPartSize: 10_000 })
          : createFolderArchive({ root: files.archive });
      return {
        source: createS3SourceBuckets(clientFor),
        archive,
        registry: createEcrRegistry({
          ecrClientFor: (region) =>
            createEcrClient({
              region,
              endpoint: registry.endpoint,
              credentials: { accessKeyId: "test", secretAccessKey: "test" },
            }),
        }),
        infrastructure: {
          async destroy(stack) {
            destroyed.push(stack);
          },
        },
        freezer: {
          async stop(scenario) {
            stopped.push(scenario.scenario);
            return { note: "no run going on" };
          },
        },
        otherProjects: { imagesInUse: async () => ({ byDigest: new Map(), unreadable: [] }) },
        markClosed: async (marker) => {
          markers.push(marker);
          return writeClosedMarker(files.dir, marker);
        },
        clock: systemClock,
        tempDir: join(dir, "tmp"),
        ...overrides,
      } as ClosePorts & { archive: Archive };
    },
    async versions(bucket, prefix = "") {
      const out: Array<{ key: string; versionId: string; deleteMarker: boolean }> = [];
      let KeyMarker: string | undefined;
      let VersionIdMarker: string | undefined;
      for (;;) {
        const page = await client.send(
          new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, VersionIdMarker }),
        );
        out.push(
          ...(page.Versions ?? []).map((v) => ({
            key: v.Key!,
            versionId: v.VersionId!,
            deleteMarker: false,
          })),
          ...(page.DeleteMarkers ?? []).map((v) => ({
            key: v.Key!,
            versionId: v.VersionId!,
            deleteMarker: true,
          })),
        );
        if (!page.IsTruncated) return out;
        KeyMarker = page.NextKeyMarker;
        VersionIdMarker = page.NextVersionIdMarker;
      }
    },
    async close() {
      client.destroy();
      await registry.close();
      await s3.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
