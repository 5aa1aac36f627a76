// Realisation keys: a hash of everything that decides a realisation's outcome. Same key,
// same result, so a published result with the key is done and never run again.
import { createHash } from "node:crypto";
import { type ParameterTransforms, transformList } from "../params/transforms.ts";
import { parameterValuesHash, sortedNames } from "../results/parameter-hash.ts";

export interface KeyInputs {
  readonly bundleHash: string;
  readonly command: readonly string[] | string;
  readonly shell: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly templates: ReadonlyArray<{ readonly writes: string; readonly sha256: string }>;
  readonly instructions: ReadonlyArray<{ readonly reads: string; readonly sha256: string }>;
  readonly success: unknown;
  /** The worker image digest in the cloud; empty locally. */
  readonly image: string;
  /** Scale and offset of parameters: a change changes what the model sees. */
  readonly transforms?: ParameterTransforms;
}

/** The part of the key every realisation of a run set shares, hashed once. */
export function runSetFingerprint(inputs: KeyInputs): string {
  const sortedEnv = Object.keys(inputs.env)
    .sort()
    .map((k) => [k, inputs.env[k]]);
  return createHash("sha256")
    .update(
      JSON.stringify({
        v: 1,
        bundle: inputs.bundleHash,
        command: inputs.command,
        shell: inputs.shell,
        env: sortedEnv,
        templates: inputs.templates,
        instructions: inputs.instructions,
        success: inputs.success,
        image: inputs.image,
        // Only when some parameter is transformed, so keys without any stay as they were.
        ...(inputs.transforms?.size ? { transforms: transformList(inputs.transforms) } : {}),
      }),
    )
    .digest("hex");
}

/** Results record the scheme their key was made with: one without is from before this one. */
export const KEY_SCHEME = 2;

/** Key of one realisation: the run-set fingerprint plus the hash of its parameter values
 * (their names and exact doubles, results/parameter-hash.ts), so any change to a double
 * changes the key. No value is turned into text: 10,000 realisations × 8,000 parameters key
 * in well under a second. */
export function realisationKey(fingerprint: string, values: ReadonlyMap<string, number>): string {
  return createHash("sha256")
    .update(`modelfleet key 2\n${fingerprint}\n${parameterValuesHash(values)}`)
    .digest("hex");
}

/** The key results were published under before realisationKey: the values written in
 * shortest round-trip form. Still recognised (plan.ts), so those results stay done. */
export function legacyRealisationKey(fingerprint: string, values: ReadonlyMap<string, number>): string {
  const names = sortedNames(values);
  const lines = new Array<string>(names.length);
  for (let i = 0; i < names.length; i++) lines[i] = `\n${names[i]}=${String(values.get(names[i]!))}`;
  return createHash("sha256").update(fingerprint).update(lines.join("")).digest("hex");
}
