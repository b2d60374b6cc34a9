import { describe, expect, it } from 'vitest';
import {
  Adam,
  AdamW,
  getEngine,
  Linear,
  LogicNet,
  manualSeed,
  MLP,
  ReLU,
  Sequential,
  SGD,
  Tanh,
} from '../../src/index.ts';
import training from '../fixtures/training.json' with { type: 'json' };

const lesson = training.cases.find((c) => c.name === 'seed_manual_decay')!;

describe('model API', () => {
  it('initialises weights exactly as torch.manual_seed(seed) + nn.Linear do', () => {
    for (const c of training.cases) {
      const seed = {
        seed_manual_decay: 0,
        seed_steplr: 0,
        moons200_cosine_minibatch: 3,
        blobs_amsgrad_wd: 4,
        moons_adamw_plateau: 5,
        moons_sgd_nesterov_onecycle: 6,
        finetune_per_layer_lambda: 7,
      }[c.name]!;
      const model = new MLP({ sizes: c.sizes, activation: c.activation, seed });
      expect(model.layerWeights(), c.name).toEqual(c.init);
      manualSeed(seed);
      const viaGlobal = new MLP({ sizes: c.sizes, activation: c.activation });
      expect(viaGlobal.layerWeights(), `${c.name} via manualSeed`).toEqual(c.init);
    }
  });

  it('LogicNet is Linear → tanh → Linear with the lesson state-dict keys', () => {
    const net = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    expect(Object.keys(net.stateDict())).toEqual(['Linear1.weight', 'Linear1.bias', 'Linear2.weight', 'Linear2.bias']);
    expect(net.stateDict()['Linear1.weight']).toEqual(lesson.init[0].weight);
    expect(net.layers.map((l) => [l.inFeatures, l.outFeatures])).toEqual([
      [2, 3],
      [3, 2],
    ]);
    expect(net.modules[1]).toBeInstanceOf(Tanh);
  });

  it('predict is the arg-max of softmax(forward), and getLoss the mean cross-entropy of forward', () => {
    const net = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const logits = net.forward(lesson.X);
    const proba = net.predictProba(lesson.X);
    const pred = net.predict(lesson.X);
    let ce = 0;
    for (let i = 0; i < lesson.X.length; i++) {
      const [a, b] = [logits.data[2 * i], logits.data[2 * i + 1]];
      const m = Math.max(a, b);
      const lse = m + Math.log(Math.exp(a - m) + Math.exp(b - m));
      ce += lse - (lesson.Y[i] === 0 ? a : b);
      expect(proba.data[2 * i]).toBeCloseTo(Math.exp(a - lse), 6);
      expect(pred[i]).toBe(b > a ? 1 : 0);
    }
    expect(net.getLoss(lesson.X, lesson.Y).item()).toBeCloseTo(ce / lesson.X.length, 6);
    expect(net.getLoss(lesson.X, lesson.Y).item()).toBeCloseTo(lesson.loss[0], 6);
  });

  it('Sequential keys follow torch.nn.Sequential and load back', () => {
    manualSeed(1);
    const seq = new Sequential(new Linear(2, 4), new ReLU(), new Linear(4, 3));
    const sd = seq.stateDict();
    expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    manualSeed(2);
    const other = new Sequential(new Linear(2, 4), new ReLU(), new Linear(4, 3));
    expect(other.stateDict()).not.toEqual(sd);
    other.loadStateDict(sd);
    expect(other.stateDict()).toEqual(sd);
  });

  it('param groups per layer, and lr written between steps is used by the very next step', () => {
    const run = (changeAt: number | null) => {
      const net = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
      const opt = new Adam([
        { params: net.layers[0].parameters(), lr: 1e-3 },
        { params: net.layers[1].parameters(), lr: 2e-2 },
      ]);
      expect(opt.paramGroups.map((g) => g.lr)).toEqual([1e-3, 2e-2]);
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) {
        if (i === changeAt) opt.paramGroups[1].lr = 0.5;
        losses.push(net.trainStep(lesson.X, lesson.Y, opt));
      }
      return losses;
    };
    const base = run(null);
    const changed = run(3);
    // step 3 used the new lr; its loss is computed before the update
    expect(changed.slice(0, 4)).toEqual(base.slice(0, 4));
    expect(changed[4]).not.toEqual(base[4]);
  });

  it('betas, momentum and weightDecay are readable and writable', () => {
    const net = new MLP({ sizes: [2, 3, 2], seed: 0 });
    const adam = new AdamW(net.parameters());
    expect(adam.paramGroups[0].weightDecay).toBe(0.01);
    expect(adam.paramGroups[0].betas).toEqual([0.9, 0.999]);
    adam.paramGroups[0].betas = [0.8, 0.99];
    expect(adam.paramGroups[0].betas).toEqual([0.8, 0.99]);
    expect(() => {
      (adam.paramGroups[0].betas as unknown as number[])[0] = 0.5;
    }).toThrow(TypeError);
    const sgd = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    sgd.paramGroups[0].momentum = 0.5;
    sgd.paramGroups[0].weightDecay = 1e-4;
    expect(sgd.paramGroups[0].momentum).toBe(0.5);
    expect(sgd.paramGroups[0].weightDecay).toBe(1e-4);
    expect('momentum' in adam.paramGroups[0]).toBe(false);
  });

  it('the optimizer state dict round-trips and resumes bit-identically', () => {
    const make = () => {
      const net = new MLP({ sizes: [2, 5, 2], activation: 'relu', seed: 3 });
      const opt = new Adam(net.parameters(), { lr: 0.02, amsgrad: true });
      return { net, opt };
    };
    const a = make();
    for (let i = 0; i < 10; i++) a.net.trainStep(lesson.X, lesson.Y, a.opt);
    const saved = JSON.parse(JSON.stringify({ model: a.net.stateDict(), opt: a.opt.stateDict() }));
    expect(saved.opt.state[0].step).toBe(10);
    expect(Object.keys(saved.opt.state[0])).toEqual(['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq']);
    expect(saved.opt.paramGroups[0]).toMatchObject({
      lr: 0.02,
      betas: [0.9, 0.999],
      amsgrad: true,
      params: [0, 1, 2, 3],
    });
    const rest = Array.from({ length: 10 }, () => a.net.trainStep(lesson.X, lesson.Y, a.opt));
    const b = make();
    b.net.loadStateDict(saved.model);
    b.opt.loadStateDict(saved.opt);
    const resumed = Array.from({ length: 10 }, () => b.net.trainStep(lesson.X, lesson.Y, b.opt));
    expect(resumed).toEqual(rest);
    expect(b.net.stateDict()).toEqual(a.net.stateDict());
  });

  it('SGD momentum buffers are saved (null before the first step with momentum) and restored', () => {
    const net = new MLP({ sizes: [2, 4, 2], seed: 1 });
    const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0 });
    net.trainStep(lesson.X, lesson.Y, opt);
    expect(opt.stateDict().state[0].momentumBuffer).toBeNull();
    opt.paramGroups[0].momentum = 0.9;
    net.trainStep(lesson.X, lesson.Y, opt);
    const sd = opt.stateDict();
    // The first step with momentum clones the gradient into the buffer, as PyTorch does.
    expect(sd.state[1].momentumBuffer).toEqual(Array.from(net.layers[0].bias.grad));
  });
});

describe('memory', () => {
  it('views are recreated after linear memory grows, so no write is lost', () => {
    const engine = getEngine();
    const small = new MLP({ sizes: [2, 3, 2], seed: 0 });
    const before = engine.memoryBytes;
    const big = new MLP({ sizes: [784, 1024, 10], seed: 0 });
    big.reserveBatch(512);
    expect(engine.memoryBytes).toBeGreaterThan(before);
    small.layers[0].bias.data[0] = 0.25; // through a view made after the growth
    expect(small.stateDict()['layers.0.bias'][0]).toBe(0.25);
    const opt = new Adam(small.parameters(), { lr: 0.01 });
    const loss = small.trainStep(lesson.X, lesson.Y, opt);
    expect(Number.isFinite(loss)).toBe(true);
    big.dispose();
  });

  it('memoryBytes matches the layout: weights, grads, activations for the largest batch', () => {
    const net = new MLP({ sizes: [2, 3, 2], seed: 0 });
    net.reserveBatch(20);
    const params = (2 * 3 + 3 + 3 * 2 + 2) * 4 * 2; // weights and grads
    // activations, their grads, labels, predictions
    const acts = (2 + 3 + 3 + 2) * 20 * 4 + (3 + 3 + 2) * 20 * 4 + 2 * 20 * 4;
    const descriptor = (8 + 3 * 12) * 4;
    expect(net.memoryBytes).toBe(params + acts + descriptor);
    const opt = new Adam(net.parameters());
    expect(opt.memoryBytes).toBe((4 + 4 * 8) * 4 + 10 * 8 + (6 + 3 + 6 + 2) * 4 * 3 + 4 * 16);
  });
});
