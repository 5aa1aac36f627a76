// The plan step of a pull request: for every project file the change touches, validate, plan
// against the run set's results in S3 (or against none, saying why), estimate the cost, run one
// realisation on the runner, and post or edit the scenario's one comment.
import { access, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { plannedCalibration } from "../calibrate/planned-runs.ts";
import { readInfrastructureOutputs } from "../cloud/aws-wiring.ts";
import { priceTablesFor } from "../cost/price-table.ts";
import { planEstimate } from "../cost/run-set-cost.ts";
import { planRun } from "../plan/plan.ts";
import { renderComment } from "../report/comment.ts";
import type { CommentLinks, PlanStage, SmokeRun } from "../report/comment-stage.ts";
import { commentMarker } from "../report/markdown.ts";
import { planChanges } from "../report/plan-changes.ts";
import { defaultCalibration } from "../spec/calibration-schema.ts";
import { formatKeyPath } from "../spec/diagnostics.ts";
import { validateSpecFile } from "../spec/load.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import type { ResultStore } from "../store/result-store.ts";
import { createS3Client, createS3ResultStore } from "../store/s3-store.ts";
import { repoPath } from "./annotations.ts";
import type { GitHubClient } from "./client.ts";
import { upsertComment } from "./comment-upsert.ts";
import type { ImageDecision } from "./image-decision.ts";

export interface PlanSettings {
  readonly root: string;
  readonly files: readonly string[];
  readonly commit: string;
  /** Where earlier results are: the run sets' buckets named by the infrastructure outputs
   * files in `infraDir`, or nowhere (no AWS credentials), with why. */
  readonly results:
    | { readonly kind: "s3"; readonly infraDir: string }
    | { readonly kind: "none"; readonly reason: string };
  readonly image?: ImageDecision;
  /** The repository's prices file, overriding the shipped table (a project's own overrides both). */
  readonly pricesFile?: string | undefined;
  readonly smoke: boolean;
  /** The pull request to comment on; no comment without one. */
  readonly issue?: number;
  readonly links: CommentLinks;
}

export interface PlanDeps {
  readonly client?: GitHubClient;
  /** Runs one realisation; scrubs secrets first (smoke-run.ts). */
  readonly smoke: (options: { specFile: string; id: string }) => Promise<SmokeRun>;
  /** The S3 store of a run set (tests give a local one). */
  readonly s3Store?: (infra: { region: string; bucket: string; prefix?: string }) => ResultStore;
  readonly log?: (line: string) => void;
}

export interface PlannedScenario {
  readonly stage: PlanStage;
  readonly comment: string;
  readonly commentUrl?: string;
}

export async function planProjects(s: PlanSettings, deps: PlanDeps): Promise<PlannedScenario[]> {
  // Every plan reads S3 before any smoke run: a smoke run takes the credentials out of the
  // environment, since the model is the pull request's code.
  const planned: Array<{ stage: PlanStage; smokeId: string | undefined }> = [];
  for (const file of s.files) planned.push(await planOne(s, deps, file));
  const out: PlannedScenario[] = [];
  for (const p of planned) {
    const stage = await withSmoke(s, deps, p);
    const comment = renderComment(stage);
    let commentUrl: string | undefined;
    if (deps.client && s.issue !== undefined) {
      const done = await upsertComment({
        client: deps.client,
        issue: s.issue,
        marker: commentMarker(stage.project, stage.scenario),
        body: comment,
      });
      commentUrl = done.comment.url;
      deps.log?.(`${stage.project}/${stage.scenario}: comment ${done.action} (${commentUrl})`);
    }
    out.push({ stage, comment, ...(commentUrl ? { commentUrl } : {}) });
  }
  return out;
}

async function withSmoke(
  s: PlanSettings,
  deps: PlanDeps,
  p: { stage: PlanStage; smokeId: string | undefined },
): Promise<PlanStage> {
  if (!s.smoke || p.stage.problems.length > 0) return p.stage;
  const smoke: SmokeRun =
    p.smokeId === undefined
      ? { id: "-", status: "skipped", message: "the project file names no realisation" }
      : await deps.smoke({ specFile: join(s.root, p.stage.file), id: p.smokeId });
  return { ...p.stage, smoke };
}

async function planOne(
  s: PlanSettings,
  deps: PlanDeps,
  file: string,
): Promise<{ stage: PlanStage; smokeId: string | undefined }> {
  const path = join(s.root, file);
  const validation = await validateSpecFile(path);
  const common = { file, commit: s.commit, links: s.links };
  if (!validation.resolved || validation.diagnostics.length > 0) {
    const [project, scenario] = namesFromPath(file);
    const stage: PlanStage = {
      stage: "plan",
      project,
      scenario,
      ...common,
      problems: validation.diagnostics.map((d) => ({
        file: repoPath(d.file, s.root),
        line: d.line,
        column: d.column,
        key: formatKeyPath(d.path),
        message: `${d.message}${d.fix ? `; ${d.fix}` : ""}`,
      })),
    };
    return { stage, smokeId: undefined };
  }
  const resolved = validation.resolved;
  const { spec } = resolved;
  const { store, results } = await resultsOf(s, deps, spec.project, spec.scenario);
  const plan = await planRun(resolved, store, { image: s.image?.digest ?? "" });
  const projectDir = join(s.root, "projects", spec.project);
  const tables = await priceTablesFor({ file: s.pricesFile, projectDir });
  // A calibration runs its iterations' ensembles, resuming from its own results.
  const calibration = spec.observations
    ? plannedCalibration(spec.calibration ?? defaultCalibration(), plan.all.length)
    : undefined;
  const estimate = planEstimate({
    spec,
    realisations: calibration ? calibration.runs : plan.toRun.length,
    medianWallSeconds: plan.medianWallSeconds,
    tables,
  });
  const stage: PlanStage = {
    stage: "plan",
    project: spec.project,
    scenario: spec.scenario,
    ...common,
    problems: [],
    realisations: plan.all.length,
    done: plan.done,
    toRun: plan.toRun.length,
    changes: planChanges(plan),
    results,
    ...(s.image ? { image: { tag: s.image.tag, status: s.image.status } } : {}),
    estimate,
    ...(calibration ? { calibration } : {}),
  };
  return { stage, smokeId: plan.toRun[0]?.id ?? plan.all[0]?.id };
}

async function resultsOf(
  s: PlanSettings,
  deps: PlanDeps,
  project: string,
  scenario: string,
): Promise<{ store: ResultStore; results: PlanStage["results"] }> {
  const empty = async (reason: string) => ({
    store: createFsResultStore(await mkdtemp(join(tmpdir(), "modelfleet-plan-"))),
    results: { source: "none" as const, reason },
  });
  if (s.results.kind === "none") return empty(s.results.reason);
  const infraFile = join(s.results.infraDir, `${project}-${scenario}.json`);
  if (!(await exists(infraFile))) {
    return empty(
      `the project's infrastructure has not been applied yet (no ${repoPath(infraFile, s.root)}), so nothing has run`,
    );
  }
  const infra = await readInfrastructureOutputs(infraFile);
  const store = deps.s3Store
    ? deps.s3Store(infra)
    : createS3ResultStore({
        client: createS3Client({ region: infra.region }),
        bucket: infra.bucket,
        ...(infra.prefix !== undefined ? { prefix: infra.prefix } : {}),
      });
  return { store, results: { source: "s3" } };
}

function namesFromPath(file: string): [string, string] {
  const parts = file.split("/");
  return [parts.at(-2) ?? "project", (parts.at(-1) ?? "scenario").replace(/\.ya?ml$/, "")];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
