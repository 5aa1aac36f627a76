// Where a cloud run set stands, from what the CLI prints with --json: the last line of
// `modelfleet watch <spec> --executor ecs --once --json`, or the object `modelfleet run <spec>
// --executor ecs --json` prints when it ends (finished, or ended early: stopped, replaced, its
// client stopped). The one seam between the CLI's cloud commands and the comment.
import type { WorkerTask } from "../cost/spent.ts";
import type { AlertResult, RunSetSummary } from "../results/summary.ts";

export type RunSetState =
  | {
      readonly kind: "running";
      readonly runId?: string;
      readonly total: number;
      readonly done: number;
      readonly running: number;
      readonly waiting: number;
      readonly workers: number;
      readonly regions: ReadonlyArray<{
        readonly region: string;
        readonly desired: number;
        readonly running: number;
      }>;
      readonly tasks?: readonly WorkerTask[];
    }
  | {
      readonly kind: "finished";
      readonly runId?: string;
      readonly counts?: RunSetSummary["counts"];
      readonly alerts?: readonly AlertResult[];
      readonly tasks?: readonly WorkerTask[];
    }
  | {
      /** Settled without a report to post: stopped, given up, realisations lost, replaced by
       * another run, no run at all; or this client ended while the run goes on. */
      readonly kind: "ended";
      readonly state: string;
      readonly text: string;
      readonly goesOn: boolean;
    };

/** The last JSON object of the output (watch prints one per step). */
export function lastJsonObject(output: string): Record<string, unknown> | undefined {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  // `run --json` prints one object over several lines; watch one per line.
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith("{")) continue;
    try {
      return JSON.parse(lines.slice(i).join("\n")) as Record<string, unknown>;
    } catch {}
  }
  return undefined;
}

export function parseRunSetState(json: Record<string, unknown>): RunSetState {
  const tasks = Array.isArray(json["tasks"]) ? (json["tasks"] as WorkerTask[]) : undefined;
  const runId = typeof json["run"] === "string" ? json["run"] : undefined;
  const state = typeof json["state"] === "string" ? json["state"] : undefined;
  const withRun = <T extends object>(o: T) => ({
    ...o,
    ...(runId ? { runId } : {}),
    ...(tasks ? { tasks } : {}),
  });
  // `run --json` at the end of a complete run: counts and alerts.
  if (state === undefined && isRecord(json["counts"])) {
    return withRun({
      kind: "finished" as const,
      counts: json["counts"] as RunSetSummary["counts"],
      ...(Array.isArray(json["alerts"]) ? { alerts: json["alerts"] as AlertResult[] } : {}),
    });
  }
  // `run --json` when the client ended before the run set did.
  if (state === undefined && typeof json["ended"] === "string") {
    const ended = json["ended"];
    const done = num(json["done"]);
    const total = num(json["realisations"]);
    return {
      kind: "ended",
      state: ended,
      text:
        ended === "client-stopped"
          ? `the client that started the run ended with ${done} of ${total} realisations done; the run set goes on`
          : ended === "stopped"
            ? `the run set was stopped with ${done} of ${total} realisations done`
            : `another run took the run set over with ${done} of ${total} realisations done`,
      goesOn: ended === "client-stopped",
    };
  }
  if (state === "finished") {
    return withRun({
      kind: "finished" as const,
      ...(isRecord(json["counts"]) ? { counts: json["counts"] as RunSetSummary["counts"] } : {}),
    });
  }
  if (state === "running") {
    const queue = isRecord(json["queue"]) ? json["queue"] : {};
    const regions = Array.isArray(json["regions"])
      ? (json["regions"] as Array<Record<string, unknown>>).map((r) => ({
          region: String(r["region"] ?? ""),
          desired: num(r["desired"]),
          running: num(r["running"]),
        }))
      : [];
    const total = num(json["queued"]);
    return withRun({
      kind: "running" as const,
      total,
      done: total - num(json["pending"]),
      running: num(queue["inFlight"]),
      waiting: num(queue["visible"]),
      workers: regions.reduce((n, r) => n + r.running, 0),
      regions,
    });
  }
  return {
    kind: "ended",
    state: state ?? "unknown",
    text: typeof json["text"] === "string" ? json["text"] : describeState(state),
    goesOn: false,
  };
}

function describeState(state: string | undefined): string {
  switch (state) {
    case "none":
      return "no run is recorded for this run set";
    case "stopped":
      return "the run set was stopped (modelfleet stop)";
    case "failed":
      return "its workers kept dying, so the run was given up";
    case "lost":
      return "realisations were left with neither a message on the queue nor a result; running again queues them";
    case "replaced":
      return "another run took the run set over";
    default:
      return `the watch said "${state ?? "nothing"}"`;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}
