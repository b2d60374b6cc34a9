import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Adam, Engine, MLP } from '../../src/index.ts';
import { M_OPS, M_STRIDE, OP_W } from '../../src/engine/layout.ts';
import { GRADIENT_CASE, trainGradientCase } from '../support/gradient_case_run.ts';

const debug = Engine.fromBytes(readFileSync(new URL('../../build/anneal.debug.wasm', import.meta.url)), 'debug');

describe('debug build of the core (bounds-checked)', () => {
  it('computes the same bits as the release build', () => {
    const c = GRADIENT_CASE;
    const release = trainGradientCase();
    const checked = trainGradientCase(debug);
    expect(checked.losses).toEqual(release.losses);
    expect(checked.weights).toEqual(release.weights);
    expect(Math.abs(release.losses[0] - c.loss) / c.loss).toBeLessThan(1e-5);
  });

  it('traps a descriptor whose batch exceeds the laid-out activations', () => {
    const model = new MLP({ sizes: [2, 3, 2], engine: debug });
    model.forward([[0.5, -0.5]]);
    debug.i32[(model.descriptor >> 2) + M_STRIDE] = 4; // capacity 4 ...
    expect(() => debug.core.forward(model.descriptor, 9)).toThrow(/assertion failed/); // ... but 9 samples
  });

  it('traps a weight pointer past the end of linear memory', () => {
    const model = new MLP({ sizes: [2, 3, 2], engine: debug });
    const opWeights = (model.descriptor >> 2) + M_OPS + OP_W; // the first op's weight pointer
    debug.i32[opWeights] = debug.memoryBytes - 4;
    expect(() => debug.core.forward(model.descriptor, 1)).toThrow(/assertion failed/);
  });
});

describe('debug build: the padding the optimizer relies on', () => {
  it('traps a parameter whose padding is not zero (the update runs over whole f32x4 blocks)', () => {
    const model = new MLP({ sizes: [2, 3, 2], engine: debug });
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    opt.step(); // zero padding: fine
    const bias = model.layers[0].bias; // 3 values in a 4-float block
    debug.f32[(bias.ptr >> 2) + 3] = 1;
    expect(() => opt.step()).toThrow(/assertion failed/);
  });
});
