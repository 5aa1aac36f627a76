// The run set's current plan, as the store keeps it (`plan.json` in the run set's folder):
// a generation that every `run` raises by one, and the key every realisation of the spec
// has under it. Workers read it to recognise stale work (a message of an earlier run set
// whose key the plan no longer wants), publishers stamp results with their generation so
// older work never replaces newer, and reports aggregate only results whose key is current.

export const PLAN_FILE = "plan.json";

export interface PlanRecord {
  readonly schema: 1;
  /** 1 for a run set's first run; each run raises it by one. */
  readonly generation: number;
  readonly createdAt: string;
  /** The run-set fingerprint (plan/key.ts) of this plan. */
  readonly fingerprint: string;
  /** Every realisation of the spec, by id: its key under this plan. */
  readonly keys: Readonly<Record<string, string>>;
}

export interface NewPlan {
  readonly fingerprint: string;
  readonly keys: Readonly<Record<string, string>>;
}

export function nextPlanRecord(previous: PlanRecord | undefined, plan: NewPlan, now: Date): PlanRecord {
  return {
    schema: 1,
    generation: (previous?.generation ?? 0) + 1,
    createdAt: now.toISOString(),
    fingerprint: plan.fingerprint,
    keys: plan.keys,
  };
}

/** The record, or why the text is not one. */
export function parsePlanRecord(text: string): PlanRecord | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (typeof v !== "object" || v === null) return "not a JSON object";
  const r = v as Record<string, unknown>;
  if (r["schema"] !== 1) return `schema ${JSON.stringify(r["schema"])}, expected 1`;
  if (!Number.isInteger(r["generation"]) || (r["generation"] as number) < 1) return "no generation";
  if (typeof r["keys"] !== "object" || r["keys"] === null) return "no keys";
  return v as PlanRecord;
}
