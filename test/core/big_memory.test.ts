// Linear memory past 2 GiB: byte offsets above 2^31 must become the right typed-array indices (unsigned), so a
// model placed there trains exactly as one placed low; past wasm32's 4 GiB a model is refused up front.
import { describe, expect, it } from 'vitest';
import { Adam, Engine, LogicNet, MLP, ValidationError } from '../../src/index.ts';
import { releaseCoreBytes } from '../../src/engine/wasm_bytes.ts';
import training from '../fixtures/training.json' with { type: 'json' };

const lesson = training.cases.find((c) => c.name === 'seed_steplr')!;

function trainLesson(engine: Engine): { losses: number[]; weights: unknown } {
  const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0, engine });
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const losses = Array.from({ length: 200 }, () => model.trainStep(lesson.X, lesson.Y, optimizer));
  const weights = model.stateDict();
  model.dispose();
  optimizer.dispose();
  return { losses, weights };
}

describe('linear memory above 2 GiB', () => {
  it('a model built after a 2.5 GiB block trains to the same bits as one built alone', () => {
    const alone = trainLesson(Engine.fromBytes(releaseCoreBytes()));
    const engine = Engine.fromBytes(releaseCoreBytes());
    const big = engine.alloc(2.5 * 2 ** 30);
    const high = trainLesson(engine);
    expect(engine.memoryBytes).toBeGreaterThan(2.5 * 2 ** 30);
    expect(high.losses).toEqual(alone.losses);
    expect(high.weights).toEqual(alone.weights);
    expect(Math.abs(high.losses[0] - lesson.loss[0]) / lesson.loss[0]).toBeLessThan(1e-4);
    engine.free(big);
  }, 60_000);

  it('a model that does not fit in 4 GiB is refused before anything is allocated, naming the size', () => {
    const engine = Engine.fromBytes(releaseCoreBytes());
    const before = engine.bytesInUse;
    let error: unknown;
    try {
      new MLP({ sizes: [2, 40_000, 40_000, 2], engine });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const parameters = 2 * 40_000 + 40_000 + 40_000 * 40_000 + 40_000 + 40_000 * 2 + 2; // weights and biases
    const gib = ((parameters * 8) / 2 ** 30).toFixed(1); // f32 weights and gradients
    expect((error as Error).message).toBe(
      `anneal: MLP [2,40000,40000,2] (${parameters} parameters) needs ${gib} GiB of WebAssembly memory beside ` +
        "the 0 bytes in use; WebAssembly's limit is 4.0 GiB",
    );
    expect(engine.bytesInUse).toBe(before);
    trainLesson(engine); // still usable
  });
});
