import { describe, expect, it } from "vitest";
import { idsFromList, looksLikeRanges, parseIdFile, parseIdRanges } from "./ids.ts";

describe("id ranges", () => {
  it("expands ranges and single ids", () => {
    expect(parseIdRanges("1-3, 7,9 - 10")).toEqual(["1", "2", "3", "7", "9", "10"]);
  });
  it("rejects a backwards range with the fix", () => {
    expect(() => parseIdRanges("5-2")).toThrow('id list: range "5-2" runs backwards; write it as 2-5');
  });
  it("rejects repeated ids", () => {
    expect(() => parseIdRanges("1-3,2")).toThrow("id list: id 2 is listed more than once");
  });
  it("rejects tokens that are not ids", () => {
    expect(() => parseIdRanges("1, a/b")).toThrow('"a/b" is not an id or a range');
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
  it("takes YAML lists of numbers, names and ranges", () => {
    expect(idsFromList([1, "r7", "3-4"])).toEqual(["1", "r7", "3", "4"]);
  });
});

describe("id list files", () => {
  it("skips comments and blank lines, reads CRLF", () => {
    expect(parseIdFile("# runs\r\n1\r\n\r\n 2  # second\r\n5-6\r\n", "ids.txt")).toEqual([
      "1",
      "2",
      "5",
      "6",
    ]);
  });
  it("names the line of a repeated id", () => {
    expect(() => parseIdFile("1\n2\n1\n", "ids.txt")).toThrow(
      "ids.txt:3: id 1 is listed again (first on line 1)",
    );
  });
  it("names the line of a bad entry", () => {
    expect(() => parseIdFile("1\nid?\n", "ids.txt")).toThrow('ids.txt:2: "id?" is not an id or a range');
  });
  it("rejects an empty list", () => {
    expect(() => parseIdFile("# nothing\n", "ids.txt")).toThrow("ids.txt: the id list is empty");
  });
});
