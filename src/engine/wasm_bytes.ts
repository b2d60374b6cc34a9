// Where the compiled core comes from: the release builds travel inside the library as base64
// (src/engine/core_wasm*.generated.ts, written by scripts/build-wasm.mjs), so that Node ESM, CommonJS and any
// bundler get them without reading or fetching a file.
import { CORE_WASM_BASE64 } from './core_wasm.generated.ts';
import { CORE_WASM_FAST_BASE64 } from './core_wasm_fast.generated.ts';

/**
 * The core's builds: `release` (what the library uses by default: the same bits on every machine), `fast` (relaxed
 * SIMD: fused multiply-adds in the matrix products, opt-in with `precision: 'fast'`), `threads` (shared memory,
 * for an engine with helper threads: `createEngine({ threads })`) and `debug` (bounds-checked, for the tests).
 */
export type CoreBuild = 'release' | 'fast' | 'threads' | 'debug';

/**
 * How the core computes: `deterministic` (default: the same seed gives the same bits on every machine, in Node
 * and in every browser) or `fast` (relaxed SIMD: the matrix products use fused multiply-adds where the CPU has
 * them, so the last bits differ from machine to machine; where the JavaScript engine lacks relaxed SIMD, the
 * deterministic build runs instead — `Engine.precision` says which).
 */
export type Precision = (typeof PRECISIONS)[number];
/** The values of `Precision`. */
export const PRECISIONS = ['deterministic', 'fast'] as const;

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The release core's bytes, decoded on each call (callers compile them once). */
export function releaseCoreBytes(): Uint8Array<ArrayBuffer> {
  return decode(CORE_WASM_BASE64);
}

/** The relaxed-SIMD core's bytes, decoded on each call; they compile only where relaxed SIMD is on. */
export function fastCoreBytes(): Uint8Array<ArrayBuffer> {
  return decode(CORE_WASM_FAST_BASE64);
}
