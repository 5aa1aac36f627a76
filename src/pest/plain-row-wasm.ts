// plain-row-wat.ts compiled, once: wabt turns the text into a module. The threads that read
// rows get the module and a memory (plain-row-memory.ts); a machine where it cannot be
// compiled reads every row with plain-row.ts, which gives the same values.
import wabtInit from "wabt";
import { PLAIN_ROW_WAT } from "./plain-row-wat.ts";

let compiled: Promise<WebAssembly.Module | undefined> | undefined;

/** The compiled module, or undefined when it cannot be compiled here. */
export function plainRowModule(): Promise<WebAssembly.Module | undefined> {
  compiled ??= (async () => {
    try {
      const wabt = await wabtInit();
      const parsed = wabt.parseWat("plain-row.wat", PLAIN_ROW_WAT, { threads: true });
      try {
        return new WebAssembly.Module(parsed.toBinary({}).buffer);
      } finally {
        parsed.destroy();
      }
    } catch {
      return undefined;
    }
  })();
  return compiled;
}
