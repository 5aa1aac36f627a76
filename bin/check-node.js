// The Node.js version check that runs before anything else, in plain JavaScript any Node can
// parse: an older Node (20 is what many machines ship) gets one sentence saying what to
// install, instead of a stack trace about ".ts" files or minutes of failing tests.
// The version range is package.json's `engines.node`, the same one `npm ci` enforces
// (.npmrc sets engine-strict). Run directly (`node bin/check-node.js`), it exits 1 with that
// sentence when this Node does not satisfy the range, as .ci/run and the npm scripts use it.
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PACKAGE_JSON = new URL("../package.json", import.meta.url);

/** package.json's `engines.node`. */
export function requiredNodeRange() {
  const range = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")).engines?.node;
  if (typeof range !== "string") throw new Error(`${fileURLToPath(PACKAGE_JSON)}: engines.node is missing`);
  return range;
}

/**
 * Whether a Node version ("20.20.2", or "v24.1.0") satisfies a range as npm reads it. The
 * ranges understood are `>=X`, `>=X.Y` and `>=X.Y.Z`, alone or joined by `||`; anything else
 * throws, so a new kind of range in package.json is noticed rather than misread. As in npm, a
 * pre-release (22.18.0-rc.1) comes before its release.
 */
export function satisfiesNodeRange(version, range) {
  const have = parseVersion(version);
  if (have === undefined) throw new Error(`cannot read the Node version "${version}"`);
  return range.split("||").some((alternative) => {
    const m = /^\s*>=\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(alternative);
    if (m === null) {
      throw new Error(
        `package.json engines.node "${range}": only ">=X.Y.Z" ranges (joined by "||") are understood; write it that way`,
      );
    }
    const want = [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)];
    for (let i = 0; i < 3; i++) if (have.numbers[i] !== want[i]) return have.numbers[i] > want[i];
    return !have.prerelease;
  });
}

/** The sentence an unsupported Node gets, or undefined when `version` satisfies `range`. */
export function nodeVersionProblem(version, range, executable) {
  if (satisfiesNodeRange(version, range)) return undefined;
  const where = executable ? ` at ${executable}` : "";
  return (
    `modelfleet needs Node.js ${range}, but this is Node ${version.replace(/^v/, "")}${where}: ` +
    "install Node 24 (https://nodejs.org, or `nvm install 24`), put it first on your PATH, and run the command again."
  );
}

/** Ends the process with the sentence when this Node is too old; otherwise does nothing. */
export function exitUnlessNodeSupported() {
  const problem = nodeVersionProblem(process.versions.node, requiredNodeRange(), process.execPath);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

function parseVersion(text) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(?:\+.*)?$/.exec(String(text).trim());
  if (m === null) return undefined;
  return { numbers: [Number(m[1]), Number(m[2]), Number(m[3])], prerelease: m[4] !== undefined };
}

function isMainModule() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMainModule()) exitUnlessNodeSupported();
