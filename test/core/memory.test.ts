import { describe, expect, it } from 'vitest';
import { Adam, DeviceData, LogicNet, makeMoons, toMatrix } from '../../src/index.ts';

describe('no allocation inside a step', () => {
  it('100 000 fused steps grow neither the JS heap nor linear memory (least of three windows)', () => {
    const data = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const device = new DeviceData(model.engine, toMatrix(data, 2), data.y);
    const n = model.loadBatch(device, null);
    for (let i = 0; i < 10_000; i++) model.trainStepStaged(n, optimizer); // warm up: let V8 settle its code
    const memoryBefore = model.engine.memoryBytes;
    const inUseBefore = model.engine.bytesInUse;
    // Three windows of 100 000 steps; the least growth counts. A step that allocates grows the heap in every
    // window; V8's own occasional work (a tier-up, a concurrent GC while other test files run) in one only.
    let loss = 0;
    let heapGrowth = Infinity;
    for (let window = 0; window < 3; window++) {
      const heapBefore = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100_000; i++) loss = model.trainStepStaged(n, optimizer);
      heapGrowth = Math.min(heapGrowth, process.memoryUsage().heapUsed - heapBefore);
    }
    expect(Number.isFinite(loss)).toBe(true);
    expect(optimizer.stepCount()).toBe(310_000);
    expect(model.engine.memoryBytes).toBe(memoryBefore);
    expect(model.engine.bytesInUse).toBe(inUseBefore);
    // An allocation per step would be at least 100 000 × 16 bytes; what remains is V8's own noise.
    expect(heapGrowth).toBeLessThan(256 * 1024);
  });
});
