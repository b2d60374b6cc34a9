// Issue 11 (3): a disposed model or optimizer refuses every use with `... was disposed` and never touches memory
// a newer object reused; an optimizer over another model's parameters is refused before anything runs; a model
// or optimizer nobody disposed is freed by a FinalizationRegistry once it is garbage-collected.

import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Adam, DeviceData, Engine, LogicNet, MLP, SGD, StepLR, toMatrix, ValidationError } from '../../src/index.ts';
import { releaseCoreBytes } from '../../src/engine/wasm_bytes.ts';

const x = [
  [0.5, -1],
  [1, 2],
  [-0.3, 0.7],
];
const y = [0, 1, 1];

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a refusal');
}

const net = (engine: Engine) => new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0, engine });

describe('dispose', () => {
  it('a stale scheduler on a disposed Adam refuses, and leaves the next Adam (same memory) alone', () => {
    const engine = Engine.fromBytes(releaseCoreBytes());
    const a = net(engine);
    const adamA = new Adam(a.parameters(), { lr: 0.03 });
    const scheduler = new StepLR(adamA, { stepSize: 1, gamma: 0.25 });
    adamA.dispose();
    a.dispose();
    const b = net(engine);
    const adamB = new Adam(b.parameters(), { lr: 0.03 });
    expect(adamB.descriptor).toBe(adamA.descriptor); // the memory was reused
    expect(refusal(() => scheduler.step()).message).toMatch(/Adam was disposed: build a new optimizer/);
    expect(adamB.paramGroups[0].lr).toBe(0.03);
    expect(() => adamA.paramGroups[0].lr).toThrow(/Adam was disposed/);
    expect(() => {
      adamA.paramGroups[0].lr = 0.1;
    }).toThrow(/Adam was disposed/);
  });

  it("a disposed model's or optimizer's every use refuses and never changes a new model's weights", () => {
    const engine = Engine.fromBytes(releaseCoreBytes());
    const a = net(engine);
    const adamA = new Adam(a.parameters(), { lr: 0.1 });
    a.trainStep(x, y, adamA);
    const [pa] = a.parameters();
    a.dispose();
    adamA.dispose();
    a.dispose(); // a second dispose does nothing
    adamA.dispose();
    const b = net(engine);
    const adamB = new Adam(b.parameters(), { lr: 0.1 });
    const before = JSON.stringify(b.stateDict());
    const uses: [string, () => unknown][] = [
      ['trainStep', () => a.trainStep(x, y, adamB)],
      ['forward', () => a.forward(x)],
      ['predict', () => a.predict(x)],
      ['predictProba', () => a.predictProba(x)],
      ['getLoss', () => a.getLoss(x, y)],
      ['evaluate', () => a.evaluate(x, y)],
      ['stateDict', () => a.stateDict()],
      ['loadStateDict', () => a.loadStateDict(JSON.parse(before))],
      ['zeroGrad', () => a.zeroGrad()],
      ['reserveBatch', () => a.reserveBatch(64)],
    ];
    for (const [method, use] of uses) {
      expect(refusal(use).message, method).toMatch(/^LogicNet\.\w+: LogicNet was disposed: build a new model$/);
    }
    expect(() => pa.data).toThrow(/Parameter was disposed/);
    expect(() => pa.grad).toThrow(/Parameter was disposed/);
    const optimizerUses: [string, () => unknown][] = [
      ['step', () => adamA.step()],
      ['zeroGrad', () => adamA.zeroGrad()],
      ['stateDict', () => adamA.stateDict()],
      ['loadStateDict', () => adamA.loadStateDict(adamB.stateDict())],
      ['trainStep', () => b.trainStep(x, y, adamA)],
    ];
    for (const [method, use] of optimizerUses) {
      expect(refusal(use).message, method).toMatch(/Adam was disposed: build a new optimizer$/);
    }
    expect(JSON.stringify(b.stateDict())).toBe(before);
    b.trainStep(x, y, adamB); // the new pair still trains
    expect(JSON.stringify(b.stateDict())).not.toBe(before);
  });

  it('an optimizer whose model was disposed refuses to step', () => {
    const engine = Engine.fromBytes(releaseCoreBytes());
    const a = net(engine);
    const sgd = new SGD(a.parameters(), { lr: 0.1 });
    a.dispose();
    const b = net(engine);
    const before = JSON.stringify(b.stateDict());
    expect(refusal(() => sgd.step()).message).toMatch(/a parameter of this SGD was disposed/);
    expect(refusal(() => sgd.zeroGrad()).param).toBe('params');
    expect(JSON.stringify(b.stateDict())).toBe(before);
  });

  it('disposed device data refuses to be gathered, and a second dispose does nothing', () => {
    const engine = Engine.fromBytes(releaseCoreBytes());
    const model = net(engine);
    const data = new DeviceData(engine, toMatrix(x, 2), Int32Array.from(y));
    expect(model.loadBatch(data, [0, 2])).toBe(2);
    data.dispose();
    data.dispose();
    expect(refusal(() => model.loadBatch(data, [0, 1])).message).toBe(
      'LogicNet.loadBatch: DeviceData was disposed: build new data',
    );
    expect(() => data.stageIndices([0])).toThrow(/DeviceData was disposed/);
  });

  it("trainStep with an optimizer over another model's parameters is refused before anything runs", () => {
    const a = new MLP({ sizes: [2, 3, 2], seed: 1 });
    const b = new MLP({ sizes: [2, 3, 2], seed: 2 });
    const optB = new Adam(b.parameters(), { lr: 0.1 });
    const [sa, sb, so] = [a.stateDict(), b.stateDict(), optB.stateDict()];
    const err = refusal(() => a.trainStep(x, y, optB));
    expect(err.where).toBe('MLP.trainStep');
    expect(err.message).toMatch(/holds parameters that are not this model's/);
    expect([a.stateDict(), b.stateDict(), optB.stateDict()]).toEqual([sa, sb, so]);
    expect(optB.stepCount()).toBe(0);
  });

  it('10 000 models and optimizers never disposed are freed once collected (FinalizationRegistry)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const engine = Engine.fromBytes(releaseCoreBytes());
    const perModel = (() => {
      const m = new MLP({ sizes: [32, 64, 32], seed: 0, engine });
      const o = new Adam(m.parameters(), { lr: 0.01 });
      const bytes = m.memoryBytes + o.memoryBytes;
      o.dispose();
      m.dispose();
      return bytes;
    })();
    expect(engine.bytesInUse).toBeLessThan(1024 * 1024);
    const MODELS = 10_000;
    // Without finalization the loop would need this much linear memory.
    expect(perModel * MODELS).toBeGreaterThan(512 * 2 ** 20);
    for (let i = 0; i < MODELS; i++) {
      const m = new MLP({ sizes: [32, 64, 32], seed: i, engine });
      const o = new Adam(m.parameters(), { lr: 0.01 });
      m.trainStep([Array.from({ length: 32 }, (_, j) => j / 32)], [i % 32], o);
      if (i % 250 === 249) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(engine.memoryBytes).toBeLessThan(64 * 2 ** 20);
    expect(engine.bytesInUse).toBeLessThan(64 * 2 ** 20);
  });
});
