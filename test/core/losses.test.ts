import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Engine,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  criterionFromSpec,
  HuberLoss,
  L1Loss,
  MLP,
  MSELoss,
  SGD,
  SmoothL1Loss,
  Trainer,
  ValidationError,
} from '../../src/index.ts';

// The criteria of src/nn/losses.ts as library objects: what losses.json has no case of (pos_weight, class
// weights, reduction 'sum') against the formulas of ATen in f64, the metrics and predictions that follow the loss,
// the fused step against the line-by-line one, and the refusals.

const X = [
  [0.5, -1.2],
  [1.5, 0.3],
  [-0.7, 0.9],
  [0.1, -0.4],
  [2.0, 1.1],
];

/** The model's outputs (f32) for X, as f64 rows. */
function outputsOf(model: MLP): number[][] {
  const m = model.forward(X);
  return Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)));
}

const softplus = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(-x, 0);

function expectRel(got: number, want: number, tol = 2e-6): void {
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
}

describe('criteria against their formulas', () => {
  it('BCEWithLogitsLoss with pos_weight, mean and sum', () => {
    const Y = [
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 0],
      [1, 0],
    ];
    const posWeight = [3, 0.5];
    for (const reduction of ['mean', 'sum'] as const) {
      const model = new MLP({ sizes: [2, 4, 2], seed: 3, criterion: new BCEWithLogitsLoss({ posWeight, reduction }) });
      const out = outputsOf(model);
      let total = 0;
      out.forEach((row, s) =>
        row.forEach((x, c) => {
          const y = Y[s][c];
          total += (1 - y) * x + ((posWeight[c] - 1) * y + 1) * softplus(x);
        }),
      );
      expectRel(model.getLoss(X, Y).item(), reduction === 'mean' ? total / 10 : total);
      model.dispose();
    }
  });

  it('CrossEntropyLoss with class weights and label smoothing: weighted mean over the labels’ weights', () => {
    const labels = [0, 2, 1, 2, 0];
    const weight = [0.5, 2, 1.5];
    const eps = 0.2;
    const model = new MLP({
      sizes: [2, 5, 3],
      seed: 4,
      criterion: new CrossEntropyLoss({ weight, labelSmoothing: eps }),
    });
    const out = outputsOf(model);
    let nll = 0;
    let smooth = 0;
    let W = 0;
    out.forEach((z, s) => {
      const max = Math.max(...z);
      const lse = Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
      const logp = z.map((v) => v - lse);
      nll -= weight[labels[s]] * logp[labels[s]];
      smooth -= logp.reduce((a, lp, c) => a + weight[c] * lp, 0);
      W += weight[labels[s]];
    });
    expectRel(model.getLoss(X, labels).item(), (1 - eps) * (nll / W) + (eps / 3) * (smooth / W));
    // The gradient through log-softmax: the last layer's bias gradient sums to zero over the classes.
    const loss = model.getLoss(X, labels);
    model.zeroGrad();
    loss.backward();
    const gb = model.layers[1].bias.grad;
    expect(gb.reduce((a, v) => a + v, 0)).toBeCloseTo(0, 6);
    model.dispose();
  });

  it('regression losses, reduction sum: the sum of the per-element terms', () => {
    const Y = X.map(([a, b]) => [a - b]);
    const cases: [MSELoss | L1Loss | SmoothL1Loss | HuberLoss, (d: number) => number][] = [
      [new MSELoss({ reduction: 'sum' }), (d) => d * d],
      [new L1Loss({ reduction: 'sum' }), (d) => Math.abs(d)],
      [
        new SmoothL1Loss({ beta: 0.3, reduction: 'sum' }),
        (d) => (Math.abs(d) < 0.3 ? (0.5 * d * d) / 0.3 : Math.abs(d) - 0.15),
      ],
      [
        new HuberLoss({ delta: 0.4, reduction: 'sum' }),
        (d) => (Math.abs(d) < 0.4 ? 0.5 * d * d : 0.4 * (Math.abs(d) - 0.2)),
      ],
    ];
    for (const [criterion, term] of cases) {
      const model = new MLP({ sizes: [2, 3, 1], seed: 5, criterion });
      const want = outputsOf(model).reduce((a, [o], s) => a + term(o - Y[s][0]), 0);
      expectRel(model.getLoss(X, Y).item(), want);
      model.dispose();
    }
  });
});

describe('metrics and predictions follow the loss', () => {
  it('regression: predict gives the outputs; evaluate gives MSE, MAE and R² (NaN accuracy)', () => {
    const model = new MLP({ sizes: [2, 6, 2], seed: 1, criterion: new MSELoss() });
    const Y = X.map(([a, b]) => [a + b, a * b]);
    const out = outputsOf(model);
    const predicted = model.predict(X);
    expect(predicted).toBeInstanceOf(Float32Array);
    expect(Array.from(predicted)).toEqual(out.flat().map(Math.fround));
    const e = model.evaluate(X, Y);
    const diffs = out.flat().map((o, i) => o - Y.flat()[i]);
    expectRel(e.mse as number, diffs.reduce((a, d) => a + d * d, 0) / 10);
    expectRel(e.mae as number, diffs.reduce((a, d) => a + Math.abs(d), 0) / 10);
    expectRel(e.loss, e.mse as number);
    const r2 = [0, 1].map((c) => {
      const ys = Y.map((r) => r[c]);
      const mean = ys.reduce((a, v) => a + v, 0) / 5;
      const res = ys.reduce((a, v, s) => a + (out[s][c] - v) ** 2, 0);
      return 1 - res / ys.reduce((a, v) => a + (v - mean) ** 2, 0);
    });
    expectRel(e.r2 as number, (r2[0] + r2[1]) / 2, 1e-5);
    expect(e.accuracy).toBeNaN();
    model.dispose();
  });

  it('BCE: 0/1 per output (logit > 0), per-label accuracy and exact match', () => {
    const model = new MLP({ sizes: [2, 6, 3], seed: 2, criterion: new BCEWithLogitsLoss() });
    const out = outputsOf(model);
    const Y = out.map((row, s) => row.map((v, c) => (s === 0 && c === 0 ? (v > 0 ? 0 : 1) : v > 0 ? 1 : 0)));
    const predicted = model.predict(X);
    expect(predicted).toBeInstanceOf(Int32Array);
    expect(Array.from(predicted)).toEqual(out.flat().map((v) => (v > 0 ? 1 : 0)));
    const e = model.evaluate(X, Y);
    expect(e.accuracy).toBeCloseTo(14 / 15, 12);
    expect(e.exactMatch).toBeCloseTo(4 / 5, 12);
    model.dispose();
  });

  it('CrossEntropyLoss stays the default: argmax predictions and accuracy', () => {
    const model = new MLP({ sizes: [2, 4, 3], seed: 0 });
    expect(model.criterion).toBeInstanceOf(CrossEntropyLoss);
    const e = model.evaluate(X, [0, 1, 2, 0, 1]);
    expect(e.predictions).toEqual(model.predict(X));
    expect(e.mse).toBeUndefined();
    model.dispose();
  });
});

describe('training with a criterion', () => {
  it('the fused step is the line-by-line step, bit for bit (HuberLoss, SGD)', () => {
    const Y = X.map(([a, b]) => [Math.sin(a) + b]);
    const fused = new MLP({ sizes: [2, 8, 1], seed: 7, activation: 'gelu', criterion: new HuberLoss({ delta: 0.5 }) });
    const manual = new MLP({ sizes: [2, 8, 1], seed: 7, activation: 'gelu', criterion: new HuberLoss({ delta: 0.5 }) });
    const o1 = new SGD(fused.parameters(), { lr: 0.1, momentum: 0.9 });
    const o2 = new SGD(manual.parameters(), { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 5; i++) {
      const a = fused.trainStep(X, Y, o1);
      o2.zeroGrad();
      const loss = manual.getLoss(X, Y);
      loss.backward();
      o2.step();
      expect(a).toBe(loss.item());
    }
    expect(fused.parameters().map((p) => Array.from(p.data))).toEqual(
      manual.parameters().map((p) => Array.from(p.data)),
    );
  });

  it('the Trainer takes float targets (nested rows or flat) and evaluates with the criterion', () => {
    const Y = X.map(([a, b]) => [a - 0.5 * b]);
    const model = new MLP({ sizes: [2, 8, 1], seed: 1, criterion: new MSELoss() });
    const trainer = new Trainer({ model, optimizer: new Adam(model.parameters(), { lr: 0.05 }), x: X, y: Y });
    const history = trainer.run(200);
    expect(history.loss[199]).toBeLessThan(history.loss[0] / 10);
    const e = trainer.evaluate();
    expect(e.mse).toBeCloseTo(e.loss, 6);
    expect(e.r2).toBeGreaterThan(0.9);
    const flat = new Trainer({ model, optimizer: new Adam(model.parameters()), x: X, y: Y.flat() });
    expect(flat.evaluate().loss).toBe(e.loss);
    trainer.dispose();
    flat.dispose();
  });

  it('switching criteria lays the targets out again; the loss block is the model’s', () => {
    const model = new MLP({ sizes: [2, 4, 2], seed: 0 });
    const ce = model.getLoss(X, [0, 1, 1, 0, 1]).item();
    const bytes = model.memoryBytes;
    model.setCriterion(new L1Loss());
    expect(model.memoryBytes).toBeGreaterThan(bytes);
    expect(model.getLoss(X, X).item()).toBeGreaterThan(0);
    model.setCriterion(new CrossEntropyLoss());
    expect(model.getLoss(X, [0, 1, 1, 0, 1]).item()).toBe(ce);
    model.setCriterion(new CrossEntropyLoss({ labelSmoothing: 0 }));
    expect(model.getLoss(X, [0, 1, 1, 0, 1]).item()).toBe(ce);
    model.dispose();
  });
});

describe('the debug build of the core (bounds-checked)', () => {
  it('computes the same bits for every criterion, with float targets and loss weights', () => {
    const debug = Engine.fromBytes(readFileSync(new URL('../../build/anneal.debug.wasm', import.meta.url)), 'debug');
    const Y = X.map(([a, b]) => [a * b, a - b > 0 ? 1 : 0]);
    const criteria = () => [
      new MSELoss(),
      new SmoothL1Loss({ beta: 0.5 }),
      new BCEWithLogitsLoss({ posWeight: [2, 0.5] }),
      new CrossEntropyLoss({ weight: [1, 3], labelSmoothing: 0.1 }),
    ];
    const run = (engine: Engine | undefined, criterion: ReturnType<typeof criteria>[number]) => {
      const model = new MLP({ sizes: [2, 6, 2], seed: 3, activation: 'silu', engine, criterion });
      const opt = new Adam(model.parameters(), { lr: 0.01 });
      const y = criterion instanceof CrossEntropyLoss ? [0, 1, 1, 0, 1] : Y;
      const losses = Array.from({ length: 5 }, () => model.trainStep(X, y, opt));
      return { losses, weights: model.parameters().map((p) => Array.from(p.data)) };
    };
    criteria().forEach((c, i) => expect(run(debug, c)).toEqual(run(undefined, criteria()[i])));
  });
});

describe('refusals', () => {
  const refusal = (f: () => unknown): ValidationError => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return err as ValidationError;
    }
    throw new Error('not refused');
  };

  it('options outside their declarations, naming PyTorch’s keyword', () => {
    expect(refusal(() => new MSELoss({ reduction: 'none' as 'mean' })).message).toMatch(
      /reduction must be one of 'mean', 'sum'/,
    );
    expect(refusal(() => new HuberLoss({ delta: 0 })).message).toMatch(/delta must be a finite number > 0/);
    expect(refusal(() => new SmoothL1Loss({ beta: -1 })).message).toMatch(/beta must be a finite number >= 0/);
    expect(refusal(() => new CrossEntropyLoss({ labelSmoothing: 1.5 })).message).toMatch(
      /labelSmoothing \(label_smoothing\) must be a finite number in \[0, 1\]/,
    );
    expect(refusal(() => new BCEWithLogitsLoss({ posWeight: [1, Number.NaN] })).param).toBe('posWeight[1]');
    expect(refusal(() => criterionFromSpec({ type: 'CrossEntropyLoss', args: { ignore_index: 3 } })).message).toMatch(
      /takes no argument "ignore_index"/,
    );
    expect(refusal(() => criterionFromSpec({ type: 'KLDivLoss' })).message).toMatch(/unknown loss "KLDivLoss"/);
  });

  it('weights of the wrong length, and targets of the wrong kind', () => {
    const model = new MLP({ sizes: [2, 4, 3], seed: 0 });
    expect(refusal(() => model.setCriterion(new CrossEntropyLoss({ weight: [1, 2] }))).message).toMatch(
      /weight has 2 values but the model has 3 outputs/,
    );
    model.setCriterion(new MSELoss());
    expect(refusal(() => model.getLoss(X, [0, 1, 2, 0, 1])).message).toMatch(/5 targets for 5 samples × 3 outputs/);
    expect(refusal(() => model.getLoss(X, X)).message).toMatch(/row 0 has 2 targets; the model has 3 outputs/);
    model.dispose();
  });
});
