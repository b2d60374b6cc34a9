import { checkChoice } from '../params/check.ts';
import { Engine } from './engine.ts';
import { fastCoreBytes, PRECISIONS, type Precision, releaseCoreBytes } from './wasm_bytes.ts';

export { Engine } from './engine.ts';
export type { CoreExports, ThreadPool } from './engine.ts';
export { createEngine, type CreateEngineOptions } from './threads.ts';
export { PRECISIONS, type CoreBuild, type Precision } from './wasm_bytes.ts';

/** What `getEngine` and `ready` take. */
export interface EngineOptions {
  /** `deterministic` (default) or `fast`; see `Precision`. */
  precision?: Precision;
}

// Importing the library does no work: a shared core is compiled on first use (getEngine), or ahead of time
// and off the calling thread by `await ready()`.
const shared: Partial<Record<Precision, Engine>> = {};
const compiling: Partial<Record<Precision, Promise<Engine>>> = {};
let relaxedSimd: boolean | undefined;

/**
 * Whether this JavaScript engine runs WebAssembly's relaxed SIMD (Chromium and Node ≥ 22 do; Node 20 only
 * when started with `--experimental-wasm-relaxed-simd`): whether the `fast` core validates here.
 */
export function hasRelaxedSimd(): boolean {
  relaxedSimd ??= WebAssembly.validate(fastCoreBytes());
  return relaxedSimd;
}

/**
 * The build the asked precision runs on here (`fast` falls back to `release` without relaxed SIMD), and the
 * shared engine's slot.
 */
function buildFor(options: EngineOptions, where: string) {
  const asked = checkChoice(where, 'precision', options.precision ?? 'deterministic', PRECISIONS, 'plain');
  return asked === 'fast' && hasRelaxedSimd()
    ? { key: 'fast' as const, build: 'fast' as const, bytes: fastCoreBytes }
    : { key: 'deterministic' as const, build: 'release' as const, bytes: releaseCoreBytes };
}

/**
 * The shared engine (a build of the WebAssembly core and its linear memory), which models and optimizers use
 * unless given another: one per precision. The first call compiles the core synchronously (about 28 KB of
 * WebAssembly, a millisecond or two); later calls return the same engine. With `precision: 'fast'` where relaxed
 * SIMD is missing, the deterministic engine is returned (its `precision` says `deterministic`).
 */
export function getEngine(options: EngineOptions = {}): Engine {
  const { key, build, bytes } = buildFor(options, 'getEngine');
  shared[key] ??= Engine.fromBytes(bytes(), build);
  return shared[key];
}

/**
 * Compiles a shared core asynchronously, like TensorFlow.js's `tf.ready()`. Never required — the first model
 * built compiles it synchronously — but it moves that compile off the first model's construction, and it is
 * the way for a page whose browser limits synchronous compilation on the main thread.
 */
export async function ready(options: EngineOptions = {}): Promise<Engine> {
  const { key, build, bytes } = buildFor(options, 'ready');
  if (shared[key]) return shared[key];
  compiling[key] ??= WebAssembly.compile(bytes()).then((module) => (shared[key] ??= Engine.fromModule(module, build)));
  return compiling[key];
}
