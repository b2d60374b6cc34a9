// Where the compiled core comes from: the release build travels inside the library as base64
// (src/engine/core_wasm.generated.ts, written by scripts/build-wasm.mjs), so that Node ESM, CommonJS and any
// bundler get it without reading or fetching a file.
import { CORE_WASM_BASE64 } from './core_wasm.generated.ts';

/**
 * The core's builds: `release` (what the library uses), `debug` (bounds-checked, for the tests) and `threads`
 * (shared memory, for an engine with helper threads: `createEngine({ threads })`).
 */
export type CoreBuild = 'release' | 'debug' | 'threads';

/** The release core's bytes, decoded on each call (callers compile them once). */
export function releaseCoreBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(CORE_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
