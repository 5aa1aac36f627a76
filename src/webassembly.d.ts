// The part of the WebAssembly API the code uses (plain-row-wasm.ts). Node has all of it; its
// types come with the DOM library, which this project, running on Node only, does not load.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBuffer | Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
