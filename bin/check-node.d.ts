// Types of check-node.js, which stays plain JavaScript so that any Node can run it.

/** package.json's `engines.node`. */
export function requiredNodeRange(): string;
/** Whether a Node version ("20.20.2", or "v24.1.0") satisfies a `>=X.Y.Z` range (or several joined by `||`). */
export function satisfiesNodeRange(version: string, range: string): boolean;
/** The sentence an unsupported Node gets, or undefined when `version` satisfies `range`. */
export function nodeVersionProblem(version: string, range: string, executable?: string): string | undefined;
/** Ends the process with that sentence when this Node is too old. */
export function exitUnlessNodeSupported(): void;
