// precision: 'fast' — the relaxed-SIMD build of the core (fused multiply-adds in the matrix products). It is
// chosen by feature detection, falls back to the deterministic build where relaxed SIMD is missing (Node 20
// without --experimental-wasm-relaxed-simd), and its training still meets PyTorch's tolerances: each case of
// training.json runs in a Node started with the flag, through the library, and is checked against PyTorch.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getEngine, hasRelaxedSimd, ValidationError } from '../../src/index.ts';
import training from '../fixtures/training.json' with { type: 'json' };
import { TRAINING_CONFIGS } from '../support/training_cases.ts';
import { expectPyTorchTrajectory } from '../support/pytorch_trajectory.ts';
import type { FastRun } from './fast_precision_support.ts';

/** A module of one function that returns f32x4.relaxed_madd of three zero vectors: valid only with relaxed SIMD. */
const RELAXED_MADD_MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version
  0x01,
  0x05,
  0x01,
  0x60,
  0x00,
  0x01,
  0x7b, // types: () -> v128
  0x03,
  0x02,
  0x01,
  0x00, // functions: one, of type 0
  0x0a,
  0x3f,
  0x01,
  0x3d,
  0x00, // code: one body of 61 bytes, no locals
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]), // v128.const 0, three times
  0xfd,
  0x85,
  0x02, // f32x4.relaxed_madd (0xfd 0x105)
  0x0b, // end
]);

const repo = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = `
import { trainFastAndDeterministic } from './test/core/fast_precision_support.ts';
const lib = await import('./src/index.ts');
process.stdout.write(JSON.stringify(trainFastAndDeterministic(lib, ${JSON.stringify(TRAINING_CONFIGS)})));
`;

describe("precision: 'fast'", () => {
  it('is chosen by feature detection, and falls back to the deterministic build without relaxed SIMD', () => {
    const here = WebAssembly.validate(RELAXED_MADD_MODULE);
    expect(hasRelaxedSimd()).toBe(here);
    const fast = getEngine({ precision: 'fast' });
    expect(fast.precision).toBe(here ? 'fast' : 'deterministic');
    expect(fast.build).toBe(here ? 'fast' : 'release');
    if (!here) expect(fast).toBe(getEngine());
    expect(getEngine({ precision: 'deterministic' })).toBe(getEngine());
    expect(getEngine().precision).toBe('deterministic');
  });

  it('refuses a precision that is not one, naming the choices', () => {
    expect(() => getEngine({ precision: 'approximate' as 'fast' })).toThrow(ValidationError);
    expect(() => getEngine({ precision: 'approximate' as 'fast' })).toThrow(/precision.*deterministic.*fast/);
  });

  it("trains every training.json case within PyTorch's tolerances (Node with --experimental-wasm-relaxed-simd)", () => {
    const child = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--import', 'tsx', '--input-type=module', '-'],
      { cwd: repo, input: CHILD, encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    expect(child.status, child.stderr).toBe(0);
    const runs = JSON.parse(child.stdout) as FastRun[];
    expect(runs.map((r) => r.name)).toEqual(training.cases.map((c) => c.name));
    for (const run of runs) {
      expect(run.precision, run.name).toBe('fast');
      expectPyTorchTrajectory(run, training.cases.find((c) => c.name === run.name)!, run.name);
    }
    // How far the fast build strays from the deterministic one, for the README (not a bound: PyTorch's is above).
    console.log(
      runs
        .map((r) => `${r.name}: loss ${r.lossDiff.toExponential(1)} rel, weights ${r.weightDiff.toExponential(1)}`)
        .join('\n'),
    );
  });
});
