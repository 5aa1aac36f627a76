import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeImageTag, dockerfileCopySources, dockerignoreMatcher, imageInputFiles } from "./image-tag.ts";

const REPO = join(import.meta.dirname, "..", "..");

describe("dockerfileCopySources", () => {
  it("reads the build-context sources of the worker image's Dockerfile, not the stage copies", async () => {
    const text = await readFile(join(REPO, "agent-image", "Dockerfile"), "utf8");
    expect(dockerfileCopySources(text)).toEqual([
      "package.json",
      "package-lock.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "src",
      "bin",
    ]);
  });

  it("reads flags, the JSON form, continuation lines and ADD", () => {
    const text = `FROM x AS a
COPY --chown=node:node ["a b.txt", "c/", "/dest/"]
COPY --from=a /x /y
ADD d \\
    e/ /z/
# COPY commented /out
COPY ./f ./
`;
    expect(dockerfileCopySources(text)).toEqual(["a b.txt", "c", "d", "e", "f"]);
  });
});

describe("dockerignoreMatcher", () => {
  it("leaves out what .dockerignore names, folders with their contents, and honours !", () => {
    const ignored = dockerignoreMatcher("# build output\nnode_modules\ndist/\n**/*.log\n!keep.log\n");
    expect(ignored("node_modules/x/index.js")).toBe(true);
    expect(ignored("dist/a.js")).toBe(true);
    expect(ignored("src/a.log")).toBe(true);
    expect(ignored("keep.log")).toBe(false);
    expect(ignored("src/node_modules/x.js")).toBe(false);
    expect(ignored("src/a.ts")).toBe(false);
  });
});

describe("computeImageTag", () => {
  let dir: string;
  const tag = (extra: Partial<Parameters<typeof computeImageTag>[0]> = {}) =>
    computeImageTag({ context: dir, dockerfile: "image/Dockerfile", target: "agent", ...extra });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-image-tag-"));
    await mkdir(join(dir, "image"));
    await mkdir(join(dir, "src", "deep"), { recursive: true });
    await writeFile(
      join(dir, "image", "Dockerfile"),
      "FROM node:24-slim\nCOPY package.json ./\nCOPY src ./src\n",
    );
    await writeFile(join(dir, "package.json"), "{}\n");
    await writeFile(join(dir, "src", "a.ts"), "export const a = 1;\n");
    await writeFile(join(dir, "src", "deep", "b.ts"), "export const b = 2;\n");
    await writeFile(join(dir, ".dockerignore"), "src/**/*.log\n");
    await writeFile(join(dir, "README.md"), "not in the image\n");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("is the target and a hash, the same every time for the same files", async () => {
    const first = await tag();
    expect(first.tag).toMatch(/^agent-[0-9a-f]{32}$/);
    expect(first.files).toEqual(["image/Dockerfile", "package.json", "src/a.ts", "src/deep/b.ts"]);
    expect((await tag()).tag).toBe(first.tag);
  });

  it("changes with a file's content, its executable bit, its name, the Dockerfile, the target and the build args", async () => {
    const before = (await tag()).tag;
    const seen = new Set([before]);
    const expectNew = async (label: string, t?: Parameters<typeof tag>[0]) => {
      const now = (await tag(t)).tag;
      expect(seen.has(now), label).toBe(false);
      seen.add(now);
    };
    await writeFile(join(dir, "src", "a.ts"), "export const a = 2;\n");
    await expectNew("content");
    await chmod(join(dir, "src", "a.ts"), 0o755);
    await expectNew("executable bit");
    await writeFile(join(dir, "src", "deep", "c.ts"), "export const b = 2;\n");
    await rm(join(dir, "src", "deep", "b.ts"));
    await expectNew("name");
    await writeFile(
      join(dir, "image", "Dockerfile"),
      "FROM node:24.1-slim\nCOPY package.json ./\nCOPY src ./src\n",
    );
    await expectNew("Dockerfile");
    await expectNew("target", { target: "agent-wine" });
    await expectNew("build args", { buildArgs: { MF6_SHA256: "abc" } });
  });

  it("does not change with files the image does not take, or the order of build args", async () => {
    const before = (await tag({ buildArgs: { A: "1", B: "2" } })).tag;
    await writeFile(join(dir, "README.md"), "edited\n");
    await writeFile(join(dir, "src", "debug.log"), "left out by .dockerignore\n");
    expect((await tag({ buildArgs: { B: "2", A: "1" } })).tag).toBe(before);
  });

  it("hashes a symbolic link as its target", async () => {
    const before = (await tag()).tag;
    await symlink("a.ts", join(dir, "src", "link.ts"));
    const linked = (await tag()).tag;
    expect(linked).not.toBe(before);
    await rm(join(dir, "src", "link.ts"));
    await symlink("deep/b.ts", join(dir, "src", "link.ts"));
    expect((await tag()).tag).not.toBe(linked);
  });

  it("names a COPY source that is not there", async () => {
    await writeFile(join(dir, "image", "Dockerfile"), "FROM node:24-slim\nCOPY bin ./bin\n");
    await expect(tag()).rejects.toThrow(`image/Dockerfile: COPY bin: not found in the build context ${dir}`);
  });
});

describe("the worker image's inputs", () => {
  it("cover every COPY of agent-image/Dockerfile, and nothing built or installed", async () => {
    const files = await imageInputFiles({ context: REPO, dockerfile: "agent-image/Dockerfile" });
    const text = await readFile(join(REPO, "agent-image", "Dockerfile"), "utf8");
    for (const source of dockerfileCopySources(text)) {
      expect(
        files.some((f) => f === source || f.startsWith(`${source}/`)),
        source,
      ).toBe(true);
    }
    expect(files).toContain("agent-image/Dockerfile");
    expect(files).toContain("src/cloud/image-tag.ts");
    expect(files.filter((f) => /^(node_modules|dist|cdktf)\//.test(f))).toEqual([]);
    // the build leaves tests out (tsconfig.build.json), so they are not the image's inputs
    expect(files.filter((f) => f.endsWith(".test.ts"))).toEqual([]);
  });
});
