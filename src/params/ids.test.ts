import { describe, expect, it } from "vitest";
import {
  checkIds,
  ID_RULE,
  idProblem,
  idsFromFileText,
  idsFromList,
  looksLikeRanges,
  parseIdFile,
  parseIdRanges,
} from "./ids.ts";

describe("valid ids", () => {
  it("accepts letters and digits of any script, spaces and the listed punctuation", () => {
    for (const id of [
      "1",
      "run 7",
      "a_b-c.d+e@f#g(h)[i],j=k~l",
      "Grundwasser-ö",
      "井戸3",
      ".x",
      "console",
      "x".repeat(128),
    ])
      expect(idProblem(id), id).toBeUndefined();
  });

  it("rejects names that are not safe folder names, saying which character", () => {
    expect(idProblem("a/b")).toBe('id "a/b" contains "/", which is not allowed');
    expect(idProblem("run\\1")).toBe('id "run\\\\1" contains "\\\\", which is not allowed');
    expect(idProblem("a:1")).toBe('id "a:1" contains ":", which is not allowed');
    expect(idProblem("tab\there")).toBe('id "tab\\there" contains "\\t", which is not allowed');
    expect(idProblem(".")).toBe('id "." names a folder, not a realisation');
    expect(idProblem("..")).toBe('id ".." names a folder, not a realisation');
    expect(idProblem(" a")).toBe('id " a" starts with a space');
    expect(idProblem("a ")).toBe('id "a " ends with a space');
    expect(idProblem("")).toBe("an empty id");
    expect(idProblem("x".repeat(129))).toBe(`id "${"x".repeat(37)}..." is 129 characters long`);
    // a folder name holds 255 bytes: 128 characters of another script can be more
    expect(idProblem("井".repeat(100))).toBe(`id "${"井".repeat(37)}..." is 300 bytes long in UTF-8`);
    // what Windows would change or refuse as a folder name
    expect(idProblem("run.")).toBe('id "run." ends with "." (Windows drops it from a folder name)');
    expect(idProblem("...")).toBe('id "..." ends with "." (Windows drops it from a folder name)');
    expect(idProblem("CON")).toBe('id "CON" is a name Windows reserves for a device');
    expect(idProblem("nul.txt")).toBe('id "nul.txt" is a name Windows reserves for a device');
    expect(idProblem("com1")).toBe('id "com1" is a name Windows reserves for a device');
  });

  it("rejects ids that differ only in case or Unicode normalisation", () => {
    const nfc = "caf\u00e9";
    const nfd = "cafe\u0301";
    expect(
      checkIds([
        { id: nfc, line: 2 },
        { id: nfd, line: 5 },
      ]).problems,
    ).toEqual([
      {
        line: 5,
        message: `ids "${nfc}" (line 2) and "${nfd}" differ only in upper/lower case or Unicode normalisation; on macOS and Windows their result folders would be one`,
        fix: "rename one of them",
      },
    ]);
    // Folded as the file systems of macOS and Windows do, not only by toLowerCase: the micro
    // sign and Greek mu, final and medial sigma, are one letter to them.
    for (const [a, b] of [
      ["\u00b5g", "\u03bcg"],
      ["\u03c2", "\u03c3"],
      ["\u03a3x", "\u03c2x"],
      ["stra\u00dfe", "STRASSE"],
    ]) {
      expect(checkIds([{ id: a! }, { id: b! }]).problems, `${a} ${b}`).toEqual([
        expect.objectContaining({ message: expect.stringContaining("differ only in upper/lower case") }),
      ]);
    }
    expect(checkIds([{ id: "\u03b1" }, { id: "a" }]).problems).toEqual([]);
    expect(
      checkIds([
        { id: "Run1", item: 0 },
        { id: "run1", item: 3 },
      ]).problems[0],
    ).toMatchObject({
      item: 3,
      message: expect.stringContaining('ids "Run1" ([0]) and "run1" differ only in upper/lower case'),
    });
  });
});

describe("id ranges", () => {
  it("expands ranges and single ids", () => {
    expect(parseIdRanges("1-3, 7,9 - 10")).toEqual(["1", "2", "3", "7", "9", "10"]);
  });
  it("rejects a backwards range with the fix", () => {
    expect(() => parseIdRanges("5-2")).toThrow('id list: range "5-2" runs backwards; write it as 2-5');
  });
  it("rejects repeated ids", () => {
    expect(() => parseIdRanges("1-3,2")).toThrow("id list: id 2 is listed again");
  });
  it("rejects tokens that are not ids, with the rule", () => {
    expect(() => parseIdRanges("1, a/b")).toThrow(`id "a/b" contains "/", which is not allowed; ${ID_RULE}`);
  });
  it("rejects digits and dashes that are not a range, and a list of nothing", () => {
    expect(() => parseIdRanges("1-2-3, 5", "ids")).toThrow(
      'ids: "1-2-3" is not an id or a range; ranges look like 1-100',
    );
    expect(() => parseIdRanges("-3", "rows")).toThrow(
      'rows: "-3" is not an id or a range; ranges look like 1-100',
    );
    expect(() => parseIdRanges(" , ", "ids")).toThrow("ids: no ids; give ids or ranges such as 1-100");
  });
  it("tells ranges from file names", () => {
    expect(looksLikeRanges("1-200")).toBe(true);
    expect(looksLikeRanges("ids.txt")).toBe(false);
  });
  it("takes YAML lists of numbers, names and ranges; a name may hold spaces and commas", () => {
    expect(idsFromList([1, "r7", "3-4", "run 1, wet"])).toEqual({
      ids: ["1", "r7", "3", "4", "run 1, wet"],
      problems: [],
    });
  });
  it("names the item of a bad id in a YAML list", () => {
    expect(idsFromList(["1", ".."]).problems).toEqual([
      { item: 1, message: 'id ".." names a folder, not a realisation', fix: ID_RULE },
    ]);
  });
});

describe("id list files", () => {
  it("skips comments and blank lines, reads CRLF and a byte-order mark", () => {
    expect(idsFromFileText("\ufeff# runs\r\n1\r\n\r\n 2  # second\r\n5-6\r\n").ids).toEqual([
      "1",
      "2",
      "5",
      "6",
    ]);
  });
  it("names the line of a repeated id", () => {
    expect(idsFromFileText("1\n2\n1\n").problems).toEqual([
      { line: 3, message: "id 1 is listed again (first on line 1)" },
    ]);
  });
  it("reports every bad entry with its line, not only the first", () => {
    expect(idsFromFileText("1\nid?\n3\n..\n9-4\n").problems).toEqual([
      { line: 2, message: 'id "id?" contains "?", which is not allowed', fix: ID_RULE },
      { line: 4, message: 'id ".." names a folder, not a realisation', fix: ID_RULE },
      { line: 5, message: 'range "9-4" runs backwards; write it as 4-9' },
    ]);
  });
  it("throws the first problem with its file and line where one problem is enough", () => {
    expect(() => parseIdFile("1\n2\n1\n", "ids.txt")).toThrow(
      "ids.txt:3: id 1 is listed again (first on line 1)",
    );
    expect(parseIdFile("1-3\n", "ids.txt")).toEqual(["1", "2", "3"]);
  });
  it("rejects an empty list", () => {
    expect(idsFromFileText("# nothing\n").problems).toEqual([{ message: "the id list is empty" }]);
  });
});
