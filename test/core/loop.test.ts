import { describe, expect, it } from 'vitest';
import { Adam, LogicNet, MLP, SGD } from '../../src/index.ts';
import { NonFiniteLossError, Trainer } from '../../src/train/trainer.ts';
import training from '../fixtures/training.json' with { type: 'json' };

const lesson = training.cases.find((c) => c.name === 'seed_manual_decay')!;

/** The lesson's loop, line for line: loss, zero_grad, backward, step, then the hand-written decay. */
function lineByLine(steps: number) {
  const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  const lrList: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = model.getLoss(lesson.X, lesson.Y);
    losses.push(loss.item());
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    if (i % 50 === 0) for (const p of optimizer.paramGroups) p.lr = p.lr * 0.99;
    lrList.push(optimizer.stateDict().paramGroups[0].lr as number);
  }
  return { losses, lrList, weights: model.stateDict() };
}

describe("the lesson's loop", () => {
  it('line by line reproduces PyTorch (seed_manual_decay: same init, same data, every loss within 1e-4)', () => {
    const { losses } = lineByLine(1000);
    losses.forEach((l, i) => expect(Math.abs(l - lesson.loss[i]) / lesson.loss[i]).toBeLessThanOrEqual(1e-4));
  });

  it('the manual decay multiplies lr by 0.99 at steps 0, 50, 100, ...', () => {
    const { lrList } = lineByLine(1000);
    let expected = 0.01;
    lrList.forEach((lr, i) => {
      if (i % 50 === 0) expected *= 0.99;
      expect(lr).toBe(expected);
      if (i + 1 < 1000) expect(lr).toBe(lesson.lr[i + 1][0]); // what PyTorch's next step used
    });
    expect(lrList[999]).toBeCloseTo(0.01 * 0.99 ** 20, 15);
  });

  it('the fused step and the Trainer give bit-identical numbers to the line-by-line loop', () => {
    const reference = lineByLine(1000);

    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const fused: number[] = [];
    for (let i = 0; i < 1000; i++) {
      fused.push(model.trainStep(lesson.X, lesson.Y, optimizer));
      if (i % 50 === 0) for (const p of optimizer.paramGroups) p.lr = p.lr * 0.99;
    }
    expect(fused).toEqual(reference.losses);
    expect(model.stateDict()).toEqual(reference.weights);

    const m2 = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const o2 = new Adam(m2.parameters(), { lr: 0.01 });
    const trainer = new Trainer({
      model: m2,
      optimizer: o2,
      x: lesson.X,
      y: lesson.Y,
      manualDecay: { every: 50, factor: 0.99 },
    });
    const history = trainer.run(1000);
    expect(history.loss).toEqual(reference.losses);
    expect(m2.stateDict()).toEqual(reference.weights);
    expect(history.lr.map((g) => g[0])).toEqual(lesson.lr.map((g) => g[0]));
  });

  it('the same seed gives the same bits; another seed does not', () => {
    const run = (seed: number) => {
      const model = new MLP({ sizes: [2, 8, 2], activation: 'relu', seed });
      const optimizer = new Adam(model.parameters(), { lr: 0.05 });
      return Array.from({ length: 200 }, () => model.trainStep(lesson.X, lesson.Y, optimizer));
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });
});

describe('bad input is refused before any state changes', () => {
  const make = () => {
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    return { model, optimizer: new Adam(model.parameters(), { lr: 0.01 }) };
  };

  it('wrong feature count', () => {
    const { model, optimizer: opt } = make();
    const before = model.stateDict();
    expect(() => model.trainStep([[1, 2, 3]], [0], opt)).toThrow(/row 0 has 3 features; the model takes 2/);
    expect(model.stateDict()).toEqual(before);
    expect(opt.stepCount()).toBe(0);
  });

  it('labels out of range', () => {
    const { model, optimizer: opt } = make();
    expect(() => model.trainStep([[1, 2]], [2], opt)).toThrow(/label 0 is 2; labels must be integers in \[0, 1\]/);
    expect(() => model.getLoss([[1, 2]], [0.5])).toThrow(/labels must be integers/);
    expect(() =>
      model.getLoss(
        [
          [1, 2],
          [3, 4],
        ],
        [0],
      ),
    ).toThrow(/1 labels for 2 samples/);
    expect(opt.stepCount()).toBe(0);
  });

  it('NaN or Inf in the data', () => {
    const { model } = make();
    expect(() => model.forward([[1, NaN]])).toThrow(/sample 0, feature 1 is NaN; inputs must be finite/);
    expect(
      () =>
        new Trainer({
          ...make(),
          x: [
            [0, 0],
            [Infinity, 1],
          ],
          y: [0, 1],
        }),
    ).toThrow(/sample 1, feature 0 is Infinity/);
  });

  it('an empty dataset', () => {
    expect(() => new Trainer({ ...make(), x: [], y: [] })).toThrow(
      /x: the batch is empty; at least 1 sample is needed/,
    );
  });

  it('negative lr and betas outside [0, 1)', () => {
    const { model, optimizer: opt } = make();
    expect(() => new Adam(model.parameters(), { lr: -0.1 })).toThrow(/Adam: lr must be a finite number >= 0, got -0.1/);
    expect(() => new Adam(model.parameters(), { betas: [0.9, 1] })).toThrow(
      /betas\[1\] must be a number in \[0, 1\), got 1/,
    );
    expect(() => new SGD(model.parameters(), { lr: 0.1, nesterov: true })).toThrow(/nesterov needs momentum > 0/);
    expect(() => new Adam(model.parameters(), { lr: NaN })).toThrow(/lr must be a finite number >= 0, got NaN/);
    expect(() => (opt.paramGroups[0].lr = -1)).toThrow(/lr must be a finite number >= 0/);
    expect(() => (opt.paramGroups[0].betas = [1.5, 0.999])).toThrow(/betas\[0\] must be a number in \[0, 1\)/);
    expect(opt.paramGroups[0].lr).toBe(0.01);
    expect(opt.paramGroups[0].betas).toEqual([0.9, 0.999]);
    expect(() => new Adam(model.parameters(), { learningRate: 0.1 } as never)).toThrow(/unknown option learningRate/);
  });

  it('a NaN or Inf loss stops training, names the step, and keeps the last finite weights', () => {
    const model = new MLP({ sizes: [2, 16, 2], activation: 'relu', seed: 0 });
    const opt = new SGD(model.parameters(), { lr: 1e6 });
    const trainer = new Trainer({ model, optimizer: opt, x: lesson.X, y: lesson.Y });
    let caught: unknown;
    try {
      trainer.run(100);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NonFiniteLossError);
    const err = caught as NonFiniteLossError;
    expect(err.message).toMatch(new RegExp(`the loss at step ${err.step} is (NaN|Infinity)`));
    expect(err.history.loss.length).toBe(err.step);
    for (const p of model.parameters()) for (const v of p.data) expect(Number.isFinite(v)).toBe(true);
  });
});
