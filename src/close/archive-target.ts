// Where a closing project is kept: an S3 bucket (possibly in another account or region, in a
// cold storage class) or a folder on the machine that runs the close. Named by the project
// files (`cloud.archive`, the same in every scenario), or else by the repository
// (`--archive`, or the MODELFLEET_ARCHIVE variable) as `s3://bucket/prefix?region=…&storage_class=…`
// or an absolute path. Pure.
import { isAbsolute, join } from "node:path";
import { UserError } from "../errors.ts";
import { STORAGE_CLASSES, type StorageClass } from "../spec/archive-schema.ts";
import type { ProjectSpec } from "../spec/schema.ts";

/** Storage classes whose objects cannot be read back without a restore. */
export const COLD_STORAGE_CLASSES: ReadonlySet<string> = new Set(["GLACIER", "DEEP_ARCHIVE"]);

export type ArchiveTarget =
  | {
      readonly kind: "s3";
      readonly bucket: string;
      /** "" or ending in "/". */
      readonly prefix: string;
      /** Undefined: the project's home region. */
      readonly region?: string;
      readonly storageClass: StorageClass;
    }
  | { readonly kind: "folder"; readonly folder: string };

/** Where one project's backup goes inside the target: its own folder, named after it. */
export type ArchiveRoot =
  | {
      readonly kind: "s3";
      readonly bucket: string;
      /** Ends in "/". */
      readonly prefix: string;
      readonly region: string;
      readonly storageClass: StorageClass;
    }
  | { readonly kind: "folder"; readonly folder: string };

export function archiveRoot(target: ArchiveTarget, project: string, homeRegion: string): ArchiveRoot {
  if (target.kind === "folder") return { kind: "folder", folder: join(target.folder, project) };
  return {
    kind: "s3",
    bucket: target.bucket,
    prefix: `${target.prefix}${project}/`,
    region: target.region ?? homeRegion,
    storageClass: target.storageClass,
  };
}

/** `s3://bucket/prefix/project/` or the folder, as people read it. */
export function describeArchiveRoot(root: ArchiveRoot): string {
  return root.kind === "s3" ? `s3://${root.bucket}/${root.prefix}` : `${root.folder}/`;
}

type ProjectArchive = NonNullable<ProjectSpec["cloud"]["archive"]>;

export function fromProjectArchive(archive: ProjectArchive): ArchiveTarget {
  if (archive.folder !== undefined) return { kind: "folder", folder: archive.folder };
  return {
    kind: "s3",
    bucket: archive.bucket ?? "",
    prefix: normalisePrefix(archive.prefix ?? ""),
    ...(archive.region === undefined ? {} : { region: archive.region }),
    storageClass: archive.storage_class ?? "DEEP_ARCHIVE",
  };
}

/** `s3://bucket[/prefix][?region=…&storage_class=…]` or an absolute folder. */
export function parseArchiveOption(text: string, source: string): ArchiveTarget {
  const usage = `${source}: expected s3://bucket/prefix (optionally ?region=eu-west-1&storage_class=DEEP_ARCHIVE) or an absolute folder such as /srv/archive, got "${text}"`;
  if (!text.startsWith("s3://")) {
    if (!isAbsolute(text)) throw new UserError(usage, { exitCode: 2 });
    return { kind: "folder", folder: text.replace(/\/+$/, "") || "/" };
  }
  const [location = "", query = ""] = text.slice("s3://".length).split("?");
  const slash = location.indexOf("/");
  const bucket = slash < 0 ? location : location.slice(0, slash);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UserError(usage, { exitCode: 2 });
  const params = new URLSearchParams(query);
  const unknown = [...params.keys()].filter((k) => k !== "region" && k !== "storage_class");
  if (unknown.length > 0) {
    throw new UserError(`${usage}: unknown setting ${unknown.map((k) => `\`${k}\``).join(", ")}`, {
      exitCode: 2,
    });
  }
  const region = params.get("region") ?? undefined;
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new UserError(`${source}: region expected an AWS region such as eu-west-1, got "${region}"`, {
      exitCode: 2,
    });
  }
  const storageClass = params.get("storage_class") ?? "DEEP_ARCHIVE";
  if (!(STORAGE_CLASSES as readonly string[]).includes(storageClass)) {
    throw new UserError(
      `${source}: storage_class expected one of ${STORAGE_CLASSES.join(", ")}, got "${storageClass}"`,
      { exitCode: 2 },
    );
  }
  return {
    kind: "s3",
    bucket,
    prefix: normalisePrefix(slash < 0 ? "" : location.slice(slash + 1)),
    ...(region === undefined ? {} : { region }),
    storageClass: storageClass as StorageClass,
  };
}

/**
 * The one archive of a project: its files must agree (each may leave it out); without one in
 * the files, the repository's (`--archive`, MODELFLEET_ARCHIVE), which may not contradict them.
 */
export function chooseArchive(options: {
  readonly files: ReadonlyArray<{ readonly file: string; readonly archive: ProjectArchive | undefined }>;
  readonly repository: { readonly target: ArchiveTarget; readonly source: string } | undefined;
}): ArchiveTarget {
  const named = options.files.filter((f) => f.archive !== undefined);
  const first = named[0];
  for (const other of named.slice(1)) {
    if (
      JSON.stringify(fromProjectArchive(other.archive!)) !==
      JSON.stringify(fromProjectArchive(first!.archive!))
    ) {
      throw new UserError(
        `${other.file}: cloud.archive differs from ${first!.file}'s; a project has one archive: make \`cloud.archive\` the same in every scenario (or name it in one only)`,
      );
    }
  }
  const fromFiles = first === undefined ? undefined : fromProjectArchive(first.archive!);
  const repository = options.repository;
  if (fromFiles && repository && JSON.stringify(fromFiles) !== JSON.stringify(repository.target)) {
    throw new UserError(
      `${first!.file} names the archive ${describeTarget(fromFiles)}, but ${repository.source} says ${describeTarget(repository.target)}; remove one of them`,
    );
  }
  const target = fromFiles ?? repository?.target;
  if (!target) {
    throw new UserError(
      "no archive to back the project up to: add `cloud.archive: { bucket: …, prefix: …, storage_class: DEEP_ARCHIVE }` (or `{ folder: /srv/archive }`) to the project files, or pass --archive s3://bucket/prefix (or set MODELFLEET_ARCHIVE, e.g. as a repository variable)",
      { exitCode: 2 },
    );
  }
  return target;
}

export function describeTarget(target: ArchiveTarget): string {
  if (target.kind === "folder") return target.folder;
  const settings = [
    ...(target.region === undefined ? [] : [`region=${target.region}`]),
    `storage_class=${target.storageClass}`,
  ];
  return `s3://${target.bucket}/${target.prefix}?${settings.join("&")}`;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, "");
  return trimmed === "" || trimmed.endsWith("/") ? trimmed : `${trimmed}/`;
}
