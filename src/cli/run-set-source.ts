// Where a command finds a run set's results: the local results folder, or with
// `--executor ecs` the run set's S3 folder named by the infrastructure outputs. Keys in the
// cloud hash the worker image, so a cloud plan is made with the image the last run used.
import { resolve } from "node:path";
import { parseRunRecord, runRecordKey } from "../cloud/run-record.ts";
import { DEFAULT_RESULTS_ROOT, DEFAULT_WORK_ROOT } from "../engine/local-run.ts";
import { UserError } from "../errors.ts";
import type { PlanOptions } from "../plan/plan.ts";
import type { ResolvedSpec } from "../spec/load.ts";
import { loadSpec } from "../spec/load.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import type { ResultStore } from "../store/result-store.ts";
import { defaultInfraFile, loadEcsRunSet } from "./commands/run-ecs.ts";
import type { CliIO } from "./io.ts";

export interface RunSetSource {
  readonly resolved: ResolvedSpec;
  readonly store: ResultStore;
  /** What planRun needs to give the keys the results were published with. */
  readonly planOptions: Pick<PlanOptions, "image" | "writesTo">;
  readonly executor: "local" | "ecs";
}

export const EXECUTOR_OPTIONS = {
  executor: { type: "string" },
  infra: { type: "string" },
} as const;

export async function runSetSource(
  command: string,
  specFile: string,
  o: { executor?: string | undefined; infra?: string | undefined; results?: string | undefined },
  io: CliIO,
): Promise<RunSetSource> {
  const executor = o.executor ?? "local";
  if (executor !== "local" && executor !== "ecs") {
    throw new UserError(`${command}: --executor takes local or ecs, got "${executor}"`, { exitCode: 2 });
  }
  if (executor === "local") {
    if (o.infra !== undefined) {
      throw new UserError(`${command}: --infra goes with --executor ecs`, { exitCode: 2 });
    }
    const resolved = await loadSpec(specFile);
    const store = createFsResultStore(resolve(io.cwd, o.results ?? DEFAULT_RESULTS_ROOT));
    return {
      resolved,
      store,
      planOptions: { writesTo: [store.location, resolve(io.cwd, DEFAULT_WORK_ROOT)] },
      executor,
    };
  }
  if (o.results !== undefined) {
    throw new UserError(
      `${command}: --results is a local folder; with --executor ecs the results are in S3`,
      {
        exitCode: 2,
      },
    );
  }
  const infraFile = o.infra ?? (await defaultInfraFile(specFile));
  const { resolved, pieces, runSetKey } = await loadEcsRunSet({ specFile, infraFile }, io);
  const text = await pieces.objects.getTextIfExists(runRecordKey(runSetKey));
  const record = text === undefined ? undefined : parseRunRecord(text);
  return { resolved, store: pieces.store, planOptions: { image: record?.image ?? "" }, executor };
}
