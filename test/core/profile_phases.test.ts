import { describe, expect, it } from 'vitest';
import { Adam, DeviceData, LogicNet, MLP, makeMoons, toMatrix } from '../../src/index.ts';
import { M_NOPS, M_OPS, M_STRIDE, OP_OUT_ACT, OP_OUT_DIM, OP_WORDS } from '../../src/engine/layout.ts';
import fixture from '../fixtures/gradients.json' with { type: 'json' };

// The core's profiling exports (what `npm run bench -- --profile` times) are built from the phases of the fused
// step: run in order they must give the fused step's own numbers, bit for bit.

const d = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });

/** The lesson's model and optimizer, the 20 points staged. */
function lesson() {
  const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const data = new DeviceData(model.engine, toMatrix(d, 2), d.y);
  const n = model.loadBatch(data, null);
  const core = model.engine.core;
  const [md, od] = [model.descriptor, optimizer.descriptor];
  return {
    model,
    n,
    prefix: (phases: number, reps = 1) => core.profileStep(md, od, n, phases, reps),
    phase: (p: number, reps: number) => core.profilePhase(md, od, n, p, reps),
    fused: () => core.trainStep(md, od, n),
    weights: () => model.parameters().map((p) => Array.from(p.data)),
    grads: () => model.parameters().map((p) => Array.from(p.grad)),
  };
}

describe('profiling exports of the core: the phases compose to the fused step', () => {
  it('forward + loss gives the fused step its loss, and the whole prefix its update, for 50 steps', () => {
    const fused = lesson();
    const cut = lesson();
    const losses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const loss = fused.fused();
      losses.push(loss);
      expect(cut.prefix(2)).toBe(0); // zero grads + forward: no loss yet
      expect(cut.prefix(3)).toBe(loss); // + loss
      expect(cut.prefix(5)).toBe(loss); // + backward + update: the whole step
      expect(cut.weights()).toEqual(fused.weights());
    }
    expect(losses[49]).toBeLessThan(losses[0]); // it trains: the steps are real ones
  });

  it("zero grads + forward + loss + backward leaves the line-by-line loop's gradients", () => {
    const cut = lesson();
    const loop = lesson();
    const loss = loop.model.getLoss(d, d.y);
    loop.model.zeroGrad();
    loss.backward();
    expect(cut.prefix(4)).toBe(loss.item());
    expect(cut.grads()).toEqual(loop.grads());
    expect(
      cut
        .grads()
        .flat()
        .some((g) => g !== 0),
    ).toBe(true);
  });

  it('a phase repeated alone on what the phases before it left: loss and forward idempotent, backward adds', () => {
    const a = lesson();
    const b = lesson();
    const loss = a.prefix(3);
    b.prefix(2); // zero grads + forward, then the loss 7 times
    expect(b.phase(3, 7)).toBe(loss);
    expect(b.phase(2, 5)).toBe(0); // forward 5 times more: the same output
    expect(b.phase(3, 1)).toBe(loss);
    expect(b.prefix(5)).toBe(a.prefix(5));
    expect(b.weights()).toEqual(a.weights());
    // backward repeated k times after zeroed gradients accumulates k times the gradient
    const once = lesson();
    once.prefix(3);
    once.phase(4, 1);
    const twice = lesson();
    twice.prefix(3);
    twice.phase(4, 2);
    expect(twice.grads()).toEqual(once.grads().map((g) => g.map((v) => v + v)));
  });

  it('alternating Linear-only and activation-only forward passes rebuild every activation (MLP 10-32-16-5)', () => {
    const c = fixture.cases[3];
    const model = new MLP({ sizes: c.sizes, activation: c.activation });
    model.loadLayerWeights(c.weights);
    const { engine } = model;
    const md = model.descriptor;
    model.forward(c.X); // stages the batch and computes every op's output
    const word = (op: number, w: number) => engine.i32[(md >> 2) + M_OPS + op * OP_WORDS + w];
    const stride = engine.i32[(md >> 2) + M_STRIDE];
    const nOps = engine.i32[(md >> 2) + M_NOPS];
    const outputs = () =>
      Array.from({ length: nOps }, (_, k) =>
        Array.from(engine.readF32(word(k, OP_OUT_ACT), word(k, OP_OUT_DIM) * stride)),
      );
    const expected = outputs();
    for (let k = 0; k < nOps; k++) engine.fillF32(word(k, OP_OUT_ACT), word(k, OP_OUT_DIM) * stride, Number.NaN);
    const n = c.X.length;
    for (const linear of [1, 0, 1, 0, 1]) engine.core.profileForwardOps(md, n, linear, 1); // L, tanh, L, tanh, L
    expect(outputs()).toEqual(expected);
    expect(expected[nOps - 1].slice(0, n).every(Number.isFinite)).toBe(true);
  });
});
