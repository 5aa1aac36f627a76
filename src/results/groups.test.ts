import { describe, expect, it } from "vitest";
import { createGroupResolver, defaultGroupName, groupObservations } from "./groups.ts";

describe("defaultGroupName", () => {
  it("drops the trailing number and the separators before it", () => {
    expect(defaultGroupName("h_w3")).toBe("h_w");
    expect(defaultGroupName("tr_x01")).toBe("tr_x");
    expect(defaultGroupName("obs_12")).toBe("obs");
    expect(defaultGroupName("flux-r-7")).toBe("flux-r");
    expect(defaultGroupName("mb_disc")).toBe("mb_disc");
    expect(defaultGroupName("h_well3_t012")).toBe("h_well3_t");
  });

  it("keeps a name that is all number", () => {
    expect(defaultGroupName("0042")).toBe("0042");
    expect(defaultGroupName("_12")).toBe("_12");
  });
});

describe("createGroupResolver", () => {
  it("tries the spec's globs first, first matching group winning, ignoring case", () => {
    const groupOf = createGroupResolver({ shallow: ["h_w1*", "H_W2"], heads: ["h_*"], fluxes: ["q_{a,b}?"] });
    expect(groupOf("h_w1")).toBe("shallow");
    expect(groupOf("h_w10")).toBe("shallow");
    expect(groupOf("h_w2")).toBe("shallow");
    expect(groupOf("h_w3")).toBe("heads");
    expect(groupOf("q_a1")).toBe("fluxes");
    expect(groupOf("q_c1")).toBe("q_c");
    expect(groupOf("mb_disc")).toBe("mb_disc");
  });
});

describe("groupObservations", () => {
  it("lists spec groups in spec order (empty ones too), then groups from names as they appear", () => {
    const groups = groupObservations(["tr_x01", "h_w1", "tr_x02", "mb_disc", "h_w2", "conc1"], {
      heads: ["h_*"],
      nothing: ["zz*"],
    });
    expect(groups).toEqual([
      { group: "heads", source: "spec", observations: ["h_w1", "h_w2"] },
      { group: "nothing", source: "spec", observations: [] },
      { group: "tr_x", source: "name", observations: ["tr_x01", "tr_x02"] },
      { group: "mb_disc", source: "name", observations: ["mb_disc"] },
      { group: "conc", source: "name", observations: ["conc1"] },
    ]);
  });
});
