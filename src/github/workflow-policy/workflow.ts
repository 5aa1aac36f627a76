// A GitHub workflow file as the policy rules read it: parsed YAML with line numbers for the
// findings, and the few shapes the rules walk (triggers, jobs, steps).
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";

export interface Finding {
  readonly rule: string;
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly line: number;
}

export interface Job {
  readonly id: string;
  readonly line: number;
  readonly permissions: unknown;
  readonly concurrency: unknown;
  readonly steps: readonly Step[];
  readonly uses?: string;
}

export interface Workflow {
  readonly file: string;
  readonly triggers: readonly string[];
  readonly permissions: unknown;
  readonly concurrency: unknown;
  readonly jobs: readonly Job[];
  /** Line of a key path, for findings. */
  lineOf(path: ReadonlyArray<string | number>): number;
}

export interface WorkflowRule {
  readonly id: string;
  readonly description: string;
  check(workflow: Workflow): Finding[];
}

export function parseWorkflow(text: string, file: string): Workflow {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
  const json = (doc.toJS() ?? {}) as Record<string, unknown>;
  const lineOf = (path: ReadonlyArray<string | number>): number => {
    const node = doc.getIn(path, true) as Node | undefined;
    const pair = path.length > 0 ? findKeyLine(doc.contents as Node, path) : undefined;
    const offset = pair ?? (node && "range" in node && node.range ? node.range[0] : 0);
    return lines.linePos(offset).line;
  };
  // `on:` is a string, a list or a map of triggers.
  const on = json["on"] ?? json["true"];
  const triggers =
    typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : Object.keys((on ?? {}) as object);
  const jobsObj = (json["jobs"] ?? {}) as Record<string, Record<string, unknown>>;
  const jobs: Job[] = Object.entries(jobsObj).map(([id, job]) => ({
    id,
    line: lineOf(["jobs", id]),
    permissions: job["permissions"],
    concurrency: job["concurrency"],
    ...(typeof job["uses"] === "string" ? { uses: job["uses"] } : {}),
    steps: ((job["steps"] ?? []) as Array<Record<string, unknown>>).map((step, i) => ({
      ...(typeof step["uses"] === "string" ? { uses: step["uses"] } : {}),
      ...(typeof step["run"] === "string" ? { run: step["run"] } : {}),
      line: lineOf(["jobs", id, "steps", i]),
    })),
  }));
  return { file, triggers, permissions: json["permissions"], concurrency: json["concurrency"], jobs, lineOf };
}

/** The offset of the key of the last path element, so a finding points at `permissions:`. */
function findKeyLine(root: Node, path: ReadonlyArray<string | number>): number | undefined {
  let node: Node | undefined = root;
  let offset: number | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === part);
      if (!pair) return offset;
      offset = (pair.key as Node).range?.[0];
      node = pair.value as Node | undefined;
    } else if (
      node &&
      "items" in node &&
      Array.isArray((node as { items: unknown[] }).items) &&
      typeof part === "number"
    ) {
      const item = (node as { items: Node[] }).items[part];
      offset = item?.range?.[0];
      node = item;
    } else return offset;
  }
  return offset;
}
