// The names of every AWS resource modelfleet creates, in one place: AWS limits their length,
// some are global (IAM, S3) and some per region, and the workflow roles' permissions match
// them by prefix (`modelfleet-*`, `role/modelfleet/*`), so they must all follow the pattern.
import { createHash } from "node:crypto";

export const NAME_PREFIX = "modelfleet";
/** The IAM path of the workers' roles; the run workflow may manage roles only under it. */
export const WORKLOAD_ROLE_PATH = `/${NAME_PREFIX}/`;
/** The IAM path of the GitHub workflow roles, out of the run workflow's reach. */
export const WORKFLOW_ROLE_PATH = `/${NAME_PREFIX}-github/`;
export const ENGINE_REPOSITORY = `${NAME_PREFIX}-agent`;
export const WORKLOAD_BOUNDARY_POLICY = `${NAME_PREFIX}-workload-boundary`;
export const CONTAINER_NAME = "agent";
/** Results live under `<prefix><project>/<scenario>/` in the project's bucket. */
export const RESULTS_PREFIX = "results/";
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** Parts joined by "-"; when longer than `max`, cut and ended by a hash of the whole name, so
 * two long names that share a beginning still differ. */
export function boundedName(parts: readonly string[], max: number): string {
  const whole = parts.join("-");
  if (whole.length <= max) return whole;
  const hash = createHash("sha256").update(whole).digest("hex").slice(0, 8);
  return `${whole.slice(0, max - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

export function foundationStackName(): string {
  return `${NAME_PREFIX}-foundation`;
}

export function projectStackName(project: string, region: string): string {
  return `${NAME_PREFIX}-${project}-${region}`;
}

/** Terraform state keys: the run workflow may write only under `projects/`. */
export const STATE_KEYS = {
  foundation: "foundation/terraform.tfstate",
  project: (project: string, region: string) => `projects/${project}/${region}/terraform.tfstate`,
} as const;

export interface ProjectNames {
  readonly cluster: string;
  readonly alertsTopic: string;
  readonly executionRole: string;
  readonly securityGroup: string;
  readonly network: string;
  /** The bucket name without its account id suffix (S3 names are global, at most 63). */
  readonly bucketStem: string;
}

export function projectNames(project: string, region: string): ProjectNames {
  return {
    cluster: boundedName([NAME_PREFIX, project], 255),
    alertsTopic: boundedName([NAME_PREFIX, project, "alerts"], 256),
    // IAM names are global: the region keeps two regions' roles apart.
    executionRole: boundedName([NAME_PREFIX, project, region, "execution"], 64),
    securityGroup: boundedName([NAME_PREFIX, project, "workers"], 255),
    network: boundedName([NAME_PREFIX, project], 255),
    // "-" and a 12-digit account id follow.
    bucketStem: boundedName([NAME_PREFIX, project, region], 63 - 13),
  };
}

export interface ScenarioNames {
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly logGroup: string;
  readonly taskFamily: string;
  readonly service: string;
  readonly taskRole: string;
  readonly scaleOutAlarm: string;
  readonly scaleInAlarm: string;
  readonly deadLetterAlarm: string;
}

export function scenarioNames(project: string, scenario: string, region: string): ScenarioNames {
  const queue = boundedName([NAME_PREFIX, project, scenario], 80 - 4);
  const alarm = (what: string) => boundedName([NAME_PREFIX, project, scenario, what], 255);
  return {
    queue,
    deadLetterQueue: `${queue}-dlq`,
    logGroup: `/${NAME_PREFIX}/${project}/${scenario}`,
    taskFamily: boundedName([NAME_PREFIX, project, scenario], 255),
    service: boundedName([scenario, "workers"], 255),
    taskRole: boundedName([NAME_PREFIX, project, scenario, region, "task"], 64),
    scaleOutAlarm: alarm("scale-out"),
    scaleInAlarm: alarm("scale-in"),
    deadLetterAlarm: alarm("dead-letters"),
  };
}
