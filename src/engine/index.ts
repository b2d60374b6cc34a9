import { Engine } from './engine.ts';

export { Engine } from './engine.ts';
export type { CoreExports } from './engine.ts';
export type { CoreBuild } from './wasm_bytes.ts';

let defaultEngine: Engine | undefined;
let loading: Promise<Engine> | undefined;

/** Loads (once) the shared release build of the core. Importing this module already awaits it. */
export function loadEngine(): Promise<Engine> {
  loading ??= Engine.load('release').then((engine) => (defaultEngine = engine));
  return loading;
}

// Compiled once, when this module is first imported (anything that builds a model imports it), so models and
// optimizers can then be built synchronously.
await loadEngine();

/** The shared engine; models and optimizers use it unless given another. */
export function getEngine(): Engine {
  if (!defaultEngine) throw new Error('anneal: the WebAssembly core is not loaded yet; `await loadEngine()` first');
  return defaultEngine;
}
