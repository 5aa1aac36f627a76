import { describe, expect, it } from "vitest";
import { UserError } from "../errors.ts";
import { archiveRoot, chooseArchive, describeArchiveRoot, parseArchiveOption } from "./archive-target.ts";

describe("the archive a close backs up to", () => {
  it("reads --archive / MODELFLEET_ARCHIVE: a bucket with its settings, or an absolute folder", () => {
    expect(
      parseArchiveOption("s3://acme-archive/modelfleet?region=eu-west-1&storage_class=GLACIER", "--archive"),
    ).toEqual({
      kind: "s3",
      bucket: "acme-archive",
      prefix: "modelfleet/",
      region: "eu-west-1",
      storageClass: "GLACIER",
    });
    expect(parseArchiveOption("s3://acme-archive", "--archive")).toEqual({
      kind: "s3",
      bucket: "acme-archive",
      prefix: "",
      storageClass: "DEEP_ARCHIVE",
    });
    expect(parseArchiveOption("/srv/archive/", "MODELFLEET_ARCHIVE")).toEqual({
      kind: "folder",
      folder: "/srv/archive",
    });
  });

  it("says what is wrong with it", () => {
    const problem = (text: string) => {
      try {
        parseArchiveOption(text, "--archive");
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as UserError).message;
      }
      throw new Error("expected a refusal");
    };
    expect(problem("s3://acme-archive?storage_class=COLD")).toBe(
      '--archive: storage_class expected one of STANDARD, STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE, got "COLD"',
    );
    expect(problem("s3://acme-archive?region=europe")).toBe(
      '--archive: region expected an AWS region such as eu-west-1, got "europe"',
    );
    expect(problem("s3://acme-archive?class=X")).toMatch(/: unknown setting `class`$/);
    expect(problem("s3://Acme")).toMatch(/^--archive: expected s3:\/\/bucket\/prefix .* got "s3:\/\/Acme"$/);
  });

  it("takes the project files' archive, the same in each; the repository's only when they name none", () => {
    const files = [
      { file: "projects/demo/a.yaml", archive: { bucket: "acme-archive", prefix: "mf" } },
      { file: "projects/demo/b.yaml", archive: undefined },
    ];
    expect(chooseArchive({ files, repository: undefined })).toEqual({
      kind: "s3",
      bucket: "acme-archive",
      prefix: "mf/",
      storageClass: "DEEP_ARCHIVE",
    });
    expect(() =>
      chooseArchive({
        files: [...files, { file: "projects/demo/c.yaml", archive: { folder: "/srv/archive" } }],
        repository: undefined,
      }),
    ).toThrow(
      "projects/demo/c.yaml: cloud.archive differs from projects/demo/a.yaml's; a project has one archive: make `cloud.archive` the same in every scenario (or name it in one only)",
    );
    expect(() =>
      chooseArchive({
        files,
        repository: { target: { kind: "folder", folder: "/srv/archive" }, source: "--archive" },
      }),
    ).toThrow(
      "projects/demo/a.yaml names the archive s3://acme-archive/mf/?storage_class=DEEP_ARCHIVE, but --archive says /srv/archive; remove one of them",
    );
    expect(
      chooseArchive({
        files: [files[1]!],
        repository: { target: { kind: "folder", folder: "/srv/archive" }, source: "MODELFLEET_ARCHIVE" },
      }),
    ).toEqual({ kind: "folder", folder: "/srv/archive" });
  });

  it("keeps each project in a folder of its own, in the project's region unless told otherwise", () => {
    const root = archiveRoot(
      { kind: "s3", bucket: "acme-archive", prefix: "mf/", storageClass: "GLACIER_IR" },
      "demo",
      "eu-north-1",
    );
    expect(root).toEqual({
      kind: "s3",
      bucket: "acme-archive",
      prefix: "mf/demo/",
      region: "eu-north-1",
      storageClass: "GLACIER_IR",
    });
    expect(describeArchiveRoot(root)).toBe("s3://acme-archive/mf/demo/");
    expect(describeArchiveRoot(archiveRoot({ kind: "folder", folder: "/srv/archive" }, "demo", "x"))).toBe(
      "/srv/archive/demo/",
    );
  });
});
