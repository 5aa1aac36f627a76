import { describe, expect, it } from "vitest";
import { testResult } from "../../test/helpers/realisation-results.ts";
import type { PlannedRealisation, RunPlan } from "../plan/plan.ts";
import { parameterValuesHash } from "../results/parameter-hash.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import { planChanges } from "./plan-changes.ts";

function planOf(all: PlannedRealisation[], published: RealisationResult[], earlier: string[] = []): RunPlan {
  return {
    all,
    published: new Map(published.map((r) => [r.id, r])),
    infraRetry: 0,
    longerTimeout: 0,
    retryFailed: 0,
    earlierScheme: new Set(earlier),
  } as unknown as RunPlan;
}

const values = (x: number) => new Map([["x", x]]);

describe("planChanges", () => {
  it("tells changed inputs from changed values by the hash a result carries of its values", () => {
    const same = { ...testResult("1"), key: "old", parametersHash: parameterValuesHash(values(1)) };
    const other = { ...testResult("2"), key: "old", parametersHash: parameterValuesHash(values(5)) };
    const changes = planChanges(
      planOf(
        [
          { id: "1", key: "new", values: values(1) },
          { id: "2", key: "new", values: values(2) },
          { id: "3", key: "new", values: values(3) },
        ],
        [same, other],
      ),
    );
    expect(changes).toMatchObject({ new: 1, inputsChanged: 1, parametersChanged: 1, removed: 0 });
  });

  it("does not count a result keyed the earlier way with the same inputs as changed (it runs again only as an infrastructure retry)", () => {
    const earlier = { ...testResult("1"), key: "earlier", parametersHash: parameterValuesHash(values(1)) };
    const changes = planChanges(planOf([{ id: "1", key: "new", values: values(1) }], [earlier], ["1"]));
    expect(changes).toMatchObject({ new: 0, inputsChanged: 0, parametersChanged: 0 });
  });

  it("compares the values themselves in results written before they carried a hash", () => {
    const same = { ...testResult("1", { parameters: { x: 1 } }), key: "old" };
    const other = { ...testResult("2", { parameters: { x: 5 } }), key: "old" };
    const changes = planChanges(
      planOf(
        [
          { id: "1", key: "new", values: values(1) },
          { id: "2", key: "new", values: values(2) },
        ],
        [same, other],
      ),
    );
    expect(changes).toMatchObject({ new: 0, inputsChanged: 1, parametersChanged: 1 });
  });
});
