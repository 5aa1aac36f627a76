// The worker image's tag: a content hash of everything that goes into it, so the image is
// built only when something in it changed (and an ECR tag, being immutable, always means the
// same content). What goes in is read from the Dockerfile itself: the Dockerfile, and every
// file its COPY instructions take from the build context, less what .dockerignore leaves out.
// The hash covers sorted paths, contents and executable bits, the build target and the build
// arguments (the pinned MODFLOW versions and checksums).
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join, posix, relative, sep } from "node:path";
import picomatch from "picomatch";
import { UserError } from "../errors.ts";

/** Bumped when the way the hash is computed changes, so old and new tags never collide. */
const TAG_SCHEME = "modelfleet-image-v1";

export interface ImageTagInput {
  /** The build context (the repository root). */
  readonly context: string;
  /** The Dockerfile, relative to the context. */
  readonly dockerfile: string;
  /** The build target (`agent`, `agent-wine`). */
  readonly target: string;
  /** `--build-arg` values, which change what is built. */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

export interface ImageTag {
  /** `<target>-<32 hex digits>`, a valid ECR tag. */
  readonly tag: string;
  /** Every file hashed, relative to the context, sorted. */
  readonly files: readonly string[];
}

/** The build-context sources of the Dockerfile's COPY/ADD instructions (not `--from=` stages). */
export function dockerfileCopySources(dockerfile: string): string[] {
  const sources: string[] = [];
  for (const line of joinContinuations(dockerfile)) {
    const m = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const words = parseWords(m[2]!);
    if (words.some((w) => w.startsWith("--from"))) continue;
    const paths = words.filter((w) => !w.startsWith("--"));
    sources.push(
      ...paths.slice(0, -1).map((p) => posix.normalize(p.replace(/^\.\//, "")).replace(/\/$/, "")),
    );
  }
  return [...new Set(sources)];
}

function joinContinuations(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*#/.test(raw)) continue;
    if (raw.endsWith("\\")) {
      current += `${raw.slice(0, -1)} `;
      continue;
    }
    out.push(current + raw);
    current = "";
  }
  if (current !== "") out.push(current);
  return out;
}

/** Words of a COPY line: the JSON form (`["a", "b"]`) or space-separated. */
function parseWords(args: string): string[] {
  const trimmed = args.trim();
  const flags = trimmed.match(/^(?:--\S+\s+)*/)?.[0] ?? "";
  const rest = trimmed.slice(flags.length);
  const flagWords = flags.split(/\s+/).filter(Boolean);
  if (rest.startsWith("[")) {
    try {
      return [...flagWords, ...(JSON.parse(rest) as string[])];
    } catch {
      // Not JSON after all: fall through to the plain form.
    }
  }
  return [...flagWords, ...rest.split(/\s+/).filter(Boolean)];
}

/** A .dockerignore as a test: does the build context leave this path (or a folder above it) out? */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const negated = l.startsWith("!");
      const pattern = posix.normalize((negated ? l.slice(1) : l).replace(/^\/+/, "")).replace(/\/$/, "");
      return { negated, match: picomatch(pattern, { dot: true }) };
    });
  return (path: string) => {
    const parts = path.split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.match(c))) excluded = !rule.negated;
    }
    return excluded;
  };
}

/** The files that go into the image, relative to the context, sorted. */
export async function imageInputFiles(
  input: Pick<ImageTagInput, "context" | "dockerfile">,
): Promise<string[]> {
  const dockerfileText = await readText(join(input.context, input.dockerfile), input.dockerfile);
  const ignoreText = await readFile(join(input.context, ".dockerignore"), "utf8").catch(() => "");
  const ignored = dockerignoreMatcher(ignoreText);
  const files = new Set<string>([toPosix(input.dockerfile)]);
  for (const source of dockerfileCopySources(dockerfileText)) {
    const found = await walk(input.context, source);
    if (found === undefined) {
      throw new UserError(
        `${input.dockerfile}: COPY ${source}: not found in the build context ${input.context}`,
      );
    }
    for (const f of found) if (!ignored(f)) files.add(f);
  }
  return [...files].sort();
}

export async function computeImageTag(input: ImageTagInput): Promise<ImageTag> {
  const files = await imageInputFiles(input);
  const hash = createHash("sha256");
  hash.update(`${TAG_SCHEME}\ntarget\0${input.target}\n`);
  for (const [name, value] of Object.entries(input.buildArgs ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`arg\0${name}\0${value}\n`);
  }
  for (const file of files) {
    const path = join(input.context, file);
    const info = await lstat(path);
    if (info.isSymbolicLink()) {
      hash.update(`link\0${file}\0${await readlink(path)}\n`);
      continue;
    }
    const content = await readFile(path);
    hash.update(`file\0${file}\0${info.mode & 0o111 ? "x" : "-"}\0${content.length}\n`);
    hash.update(content);
  }
  return { tag: `${input.target}-${hash.digest("hex").slice(0, 32)}`, files };
}

/** Every file under `source` (a file or a folder), relative to the context; undefined if absent. */
async function walk(context: string, source: string): Promise<string[] | undefined> {
  const info = await lstat(join(context, source)).catch(() => undefined);
  if (info === undefined) return undefined;
  if (!info.isDirectory()) return [toPosix(source)];
  const out: string[] = [];
  for (const entry of await readdir(join(context, source), { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) continue;
    out.push(toPosix(relative(context, join(entry.parentPath, entry.name))));
  }
  return out;
}

function toPosix(path: string): string {
  return path.split(sep).join("/");
}

async function readText(path: string, shown: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch {
    throw new UserError(`${shown}: not found (the Dockerfile, relative to the build context)`);
  }
}
