import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "./diagnostics.ts";
import { validateSpecText } from "./load.ts";

const BASIC = join(import.meta.dirname, "..", "..", "test", "specs", "basic", "base.yaml");

/** The basic test spec with `archive` under `cloud:` (flow style, on line 20). */
async function check(archive: string): Promise<string[]> {
  const text = `${await readFile(BASIC, "utf8")}cloud:\n  archive: ${archive}\n`;
  const v = await validateSpecText(text, BASIC);
  return v.diagnostics.map((d) => formatDiagnostic({ ...d, file: "base.yaml" }));
}

describe("cloud.archive", () => {
  it("takes a bucket (with prefix, region and storage class) or a folder", async () => {
    expect(
      await check(
        "{ bucket: acme-archive, prefix: modelfleet/, region: eu-west-1, storage_class: GLACIER_IR }",
      ),
    ).toEqual([]);
    expect(await check("{ folder: /srv/archive }")).toEqual([]);
  });

  it("says what is wrong, at the key", async () => {
    expect(await check("{ folder: srv/archive }")).toEqual([
      'base.yaml:20:22: `cloud.archive.folder`: expected an absolute path such as /srv/archive, got "srv/archive"',
    ]);
    expect(await check("{ bucket: Acme_Archive }")).toEqual([
      'base.yaml:20:22: `cloud.archive.bucket`: expected an S3 bucket name, got "Acme_Archive"',
    ]);
    expect(await check("{ bucket: acme, storage_class: COLD }")).toEqual([
      'base.yaml:20:43: `cloud.archive.storage_class`: expected one of "STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE", got "COLD"',
    ]);
    expect(await check("{ prefix: modelfleet/ }")).toEqual([
      "base.yaml:20:12: `cloud.archive`: expected either `bucket` (an S3 archive) or `folder` (a folder on the machine that runs the close)",
    ]);
    expect(await check("{ bucket: acme, folder: /srv/archive }")).toEqual([
      "base.yaml:20:36: `cloud.archive.folder`: expected `bucket` or `folder`, not both",
    ]);
    expect(await check("{ folder: /srv/archive, storage_class: GLACIER }")).toEqual([
      "base.yaml:20:51: `cloud.archive.storage_class`: expected `storage_class` goes with `bucket`, not `folder`",
    ]);
  });
});
