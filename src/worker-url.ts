// Where a worker thread's module is, beside the module that starts it: `.ts` when running from
// source (Node strips the types), `.js` once built (the worker image runs dist/).
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}
