// Failed realisations grouped by kind and reason, so a report says "37 × model / timeout"
// with the ids and a few examples (message and log tail) instead of 37 separate lines. Every
// failed result lands in exactly one group: none is dropped.
import type { Failure, RealisationResult } from "./realisation-result.ts";
import type { FailureSummary } from "./summary.ts";

/** Examples kept per group. */
export const FAILURE_EXAMPLES = 3;
/** Characters of log tail kept per example: enough for the last lines of a traceback, small
 * enough that summary.json stays readable. */
export const EXAMPLE_LOG_CHARACTERS = 4000;

/** What a failed result without a recorded failure is counted as: the publisher should always
 * write one, so its absence points at the infrastructure, not the model. */
const UNRECORDED: Failure = {
  kind: "infrastructure",
  reason: "publish",
  message: "the realisation is marked failed but its result records no failure",
};

export interface FailureGrouper {
  /** Takes any result; successful ones are ignored. Keeps only ids and the examples. */
  add(result: RealisationResult): void;
  /** Largest group first; ties model before infrastructure, then by reason. */
  groups(): FailureSummary[];
}

export function createFailureGrouper(examples = FAILURE_EXAMPLES): FailureGrouper {
  const byKey = new Map<
    string,
    { failure: Failure; ids: string[]; examples: { id: string; message: string; logTail: string }[] }
  >();
  return {
    add(result) {
      if (result.status !== "failed") return;
      const failure = result.failure ?? UNRECORDED;
      const key = `${failure.kind}/${failure.reason}`;
      let group = byKey.get(key);
      if (group === undefined) {
        group = { failure, ids: [], examples: [] };
        byKey.set(key, group);
      }
      group.ids.push(result.id);
      if (group.examples.length < examples) {
        group.examples.push({
          id: result.id,
          message: failure.message,
          logTail: lastCharacters(result.logTail ?? "", EXAMPLE_LOG_CHARACTERS),
        });
      }
    },
    groups() {
      return [...byKey.values()]
        .map((g) => ({
          kind: g.failure.kind,
          reason: g.failure.reason,
          count: g.ids.length,
          ids: [...g.ids].sort(byNaturalOrder),
          examples: [...g.examples].sort((a, b) => byNaturalOrder(a.id, b.id)),
        }))
        .sort(
          (a, b) =>
            b.count - a.count ||
            kindOrder(a.kind) - kindOrder(b.kind) ||
            (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0),
        );
    },
  };
}

/** The failures among `results`, grouped (see createFailureGrouper). */
export function groupFailures(
  results: Iterable<RealisationResult>,
  examples = FAILURE_EXAMPLES,
): FailureSummary[] {
  const grouper = createFailureGrouper(examples);
  for (const r of [...results].sort((a, b) => byNaturalOrder(a.id, b.id))) grouper.add(r);
  return grouper.groups();
}

const collator = new Intl.Collator("en", { numeric: true });

/** r2 before r10: realisation ids usually end in a number. */
export function byNaturalOrder(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

function kindOrder(kind: Failure["kind"]): number {
  // Model failures first: they are results the modeller must look at; infrastructure ones are
  // retried anyway.
  return kind === "model" ? 0 : 1;
}

function lastCharacters(text: string, count: number): string {
  return text.length <= count ? text : text.slice(text.length - count);
}
