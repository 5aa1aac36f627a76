import { describe, expect, it } from "vitest";
import { UserError } from "../errors.ts";
import { parseIdSelection, selectIds, summariseIds } from "./id-selection.ts";

const select = (all: string[], text: string) => [...selectIds(all, parseIdSelection(text), "p/s")];

describe("selectIds", () => {
  it("takes ids and ranges in any order and returns them in the run set's order", () => {
    expect(select(["1", "2", "3", "4", "5"], "5, 1 - 2,2")).toEqual(["1", "2", "5"]);
  });

  it("takes an id that looks like a range as that id", () => {
    expect(select(["2024-01", "2024-02", "a:1"], "2024-02,a:1")).toEqual(["2024-02", "a:1"]);
  });

  it("refuses an empty selection and ids the run set does not have, with exit code 2", () => {
    expect(() => parseIdSelection(" ,")).toThrow(
      "--ids: nothing selected; give ids and ranges separated by commas, e.g. --ids 1-50,75",
    );
    let caught: unknown;
    try {
      select(["r1", "r2"], "r3");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).exitCode).toBe(2);
    expect((caught as UserError).message).toBe("--ids: no realisation r3 in p/s (its ids: r1, r2)");
    expect(() => select(["1"], "9-1")).toThrow('--ids: range "9-1" runs backwards; write it as 1-9');
    expect(() => select(["1"], "3-")).toThrow('--ids: "3-" is neither an id of p/s nor a range');
  });
});

describe("summariseIds", () => {
  it("writes runs of numbers as ranges and lists at most five items", () => {
    expect(summariseIds(["1", "2", "3", "7", "9", "10"])).toBe("1-3, 7, 9-10");
    expect(summariseIds(["a", "b", "c", "d", "e", "f", "g"])).toBe("a, b, c, d, e and 2 more");
    expect(summariseIds(["01", "02"])).toBe("01, 02");
    expect(summariseIds([])).toBe("none");
  });
});
