import { Engine } from './engine.ts';
import { releaseCoreBytes } from './wasm_bytes.ts';

export { Engine } from './engine.ts';
export type { CoreExports, ThreadPool } from './engine.ts';
export { createEngine, type EngineOptions } from './threads.ts';
export type { CoreBuild } from './wasm_bytes.ts';

// Importing the library does no work: the shared core is compiled on first use (getEngine), or ahead of time
// and off the calling thread by `await ready()`.
let shared: Engine | undefined;
let compiling: Promise<Engine> | undefined;

/**
 * The shared engine (the release build of the WebAssembly core and its linear memory), which models and
 * optimizers use unless given another. The first call compiles the core synchronously (about 17 KB of
 * WebAssembly, a millisecond or two); later calls return the same engine.
 */
export function getEngine(): Engine {
  shared ??= Engine.fromBytes(releaseCoreBytes(), 'release');
  return shared;
}

/**
 * Compiles the shared core asynchronously, like TensorFlow.js's `tf.ready()`. Never required — the first model
 * built compiles it synchronously — but it moves that compile off the first model's construction, and it is
 * the way for a page whose browser limits synchronous compilation on the main thread.
 */
export async function ready(): Promise<Engine> {
  if (shared) return shared;
  compiling ??= WebAssembly.compile(releaseCoreBytes()).then(
    (module) => (shared ??= Engine.fromModule(module, 'release')),
  );
  return compiling;
}
