import { afterEach, describe, expect, it } from 'vitest';
import { makeMoons } from '../../src/data/datasets.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { MLP } from '../../src/nn/models.ts';
import { Adam } from '../../src/optim/adam.ts';
import { StepLR } from '../../src/lr_scheduler/index.ts';
import { ValidationError } from '../../src/params/error.ts';
import { RecordedBatches } from '../../src/train/batches.ts';
import { type Callback, LrMonitor, type EvalPoint } from '../../src/train/callbacks.ts';
import { Trainer, type TrainerOptions } from '../../src/train/trainer.ts';

const data = makeMoons({ nSamples: 30, noise: 0.2, seed: 0 });
const held = makeMoons({ nSamples: 57, noise: 0.3, seed: 9 }); // larger than the training set
const live: { dispose(): void }[] = [];
afterEach(() => {
  for (const thing of live.splice(0)) thing.dispose();
});

/** A fresh trainer of the same run each time (mini-batches of 7 when `batched`). */
function trainer(extra: Partial<TrainerOptions> = {}, batched = false): Trainer {
  const model = new MLP({ sizes: [2, 8, 2], activation: 'tanh', seed: 3 });
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });
  const scheduler = new StepLR(optimizer, { stepSize: 10, gamma: 0.5 });
  const loader = new DataLoader({ nSamples: 30 }, { batchSize: 7, shuffle: true, seed: 1, dropLast: true });
  const batches = batched ? new RecordedBatches(loader, true) : null;
  const t = new Trainer({ model, optimizer, scheduler, batches, x: data, y: data.y, ...extra });
  live.push(t, optimizer, model);
  return t;
}

const weightsOf = (t: Trainer) => JSON.stringify(t.model.layerWeights());

/** A callback that writes down every call. */
function recorder(name: string, log: string[]): Callback {
  return {
    onTrainBegin: (t) => log.push(`${name} begin @${t.step}`),
    onStepEnd: (r, t) => log.push(`${name} step ${r.step} (trainer at ${t.step})`),
    onEvalEnd: (p, _t, c) => log.push(`${name} eval ${p.step} epoch ${c.epoch}`),
    onTrainEnd: (t) => log.push(`${name} end @${t.step}`),
  };
}

describe('Trainer callbacks', () => {
  it('are called in order: begin, an evaluation before each period, each step, the final evaluation, end', () => {
    const log: string[] = [];
    const t = trainer({ callbacks: [recorder('a', log)] });
    t.addCallback(recorder('b', log));
    const fit = t.fit(5, { evalEvery: 2 });
    expect(fit.evals.map((e) => e.step)).toEqual([0, 2, 4, 5]);
    expect(fit.stopped).toBe(false);
    expect(fit.steps).toBe(5);
    expect(log).toEqual([
      'a begin @0',
      'b begin @0',
      'a eval 0 epoch null',
      'b eval 0 epoch null',
      'a step 0 (trainer at 1)',
      'b step 0 (trainer at 1)',
      'a step 1 (trainer at 2)',
      'b step 1 (trainer at 2)',
      'a eval 2 epoch 0',
      'b eval 2 epoch 0',
      'a step 2 (trainer at 3)',
      'b step 2 (trainer at 3)',
      'a step 3 (trainer at 4)',
      'b step 3 (trainer at 4)',
      'a eval 4 epoch 1',
      'b eval 4 epoch 1',
      'a step 4 (trainer at 5)',
      'b step 4 (trainer at 5)',
      'a eval 5 epoch 2',
      'b eval 5 epoch 2',
      'a end @5',
      'b end @5',
    ]);
  });

  it("a fit's own callbacks come after the trainer's; run() calls onStepEnd only", () => {
    const log: string[] = [];
    const t = trainer({ callbacks: [recorder('a', log)] });
    t.fit(1, { evalEvery: 1, callbacks: [recorder('own', log)] });
    expect(log.filter((l) => l.includes('step'))).toEqual(['a step 0 (trainer at 1)', 'own step 0 (trainer at 1)']);
    log.length = 0;
    t.run(2);
    expect(log).toEqual(['a step 1 (trainer at 2)', 'a step 2 (trainer at 3)']);
  });

  it('see each step as history records it (the record is reused: copy it)', () => {
    const seen: { step: number; loss: number; lr: number }[] = [];
    let record: unknown = null;
    const t = trainer({
      callbacks: [
        {
          onStepEnd: (r) => {
            if (record !== null) expect(r).toBe(record);
            record = r;
            seen.push({ step: r.step, loss: r.loss, lr: r.lr[0] });
          },
        },
      ],
    });
    const history = t.run(25);
    expect(seen.map((s) => s.step)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(seen.map((s) => s.loss)).toEqual(history.loss);
    expect(seen.map((s) => s.lr)).toEqual(history.lr.map((g) => g[0]));
  });

  it('stop the run by setting stopTraining: after the step it was set in, or at an evaluation: before the next', () => {
    const atStep = trainer({
      callbacks: [
        {
          onStepEnd: (r, t) => {
            if (r.step === 6) t.stopTraining = true;
          },
        },
      ],
    });
    const fit = atStep.fit(20, { evalEvery: 4 });
    expect(fit.stopped).toBe(true);
    expect(fit.steps).toBe(7);
    expect(atStep.step).toBe(7);
    // The weights it stopped with are evaluated: step 7 is not an evaluation step, so a last one is made.
    expect(fit.evals.map((e) => e.step)).toEqual([0, 4, 7]);

    const atEval = trainer({
      callbacks: [
        {
          onEvalEnd: (p, t) => {
            if (p.step === 8) t.stopTraining = true;
          },
        },
      ],
    });
    const fit2 = atEval.fit(20, { evalEvery: 4 });
    expect(fit2.steps).toBe(8);
    expect(fit2.evals.map((e) => e.step)).toEqual([0, 4, 8]); // not evaluated twice
    // stopTraining is cleared when the next run or fit begins.
    atEval.run(3);
    expect(atEval.step).toBe(11);
  });

  it('change nothing of the training: the same losses and weights as run(), with or without callbacks', () => {
    for (const batched of [false, true]) {
      const plain = trainer({}, batched);
      plain.run(40);
      const busy = trainer(
        {
          callbacks: [{ onStepEnd: () => {}, onEvalEnd: () => {} }, new LrMonitor({ every: 3 })],
        },
        batched,
      );
      busy.fit(40, { evalEvery: 3 });
      expect(busy.history.loss).toEqual(plain.history.loss);
      expect(weightsOf(busy)).toBe(weightsOf(plain));
    }
  });

  it('a held-out set is evaluated beside the training set and changes nothing of the training (bit for bit)', () => {
    for (const batched of [false, true]) {
      for (const evalEvery of [1, 7]) {
        const without = trainer({}, batched);
        const a = without.fit(30, { evalEvery });
        const withHeld = trainer({}, batched);
        const b = withHeld.fit(30, { evalEvery, validation: { x: held, y: held.y } });
        expect(withHeld.history.loss).toEqual(without.history.loss);
        expect(weightsOf(withHeld)).toBe(weightsOf(without));
        expect(b.evals.map(({ step, loss, accuracy }) => ({ step, loss, accuracy }))).toEqual(a.evals);
        expect(a.evals[0].val_loss).toBeUndefined();
        for (const e of b.evals) {
          expect(Number.isFinite(e.val_loss)).toBe(true);
          expect(e.val_accuracy! * held.nSamples).toBeCloseTo(Math.round(e.val_accuracy! * held.nSamples), 9);
        }
      }
    }
  });

  it('the held-out numbers are the training numbers when the held-out set is the training set', () => {
    const t = trainer();
    const fit = t.fit(12, { evalEvery: 4, validation: { x: data, y: data.y } });
    for (const e of fit.evals) {
      expect(e.val_loss).toBe(e.loss);
      expect(e.val_accuracy).toBe(e.accuracy);
    }
  });

  it('count epochs as a resumed run would: a fit continuing off an evaluation step starts with a baseline', () => {
    const epochs: [number, number | null][] = [];
    const t = trainer({ callbacks: [{ onEvalEnd: (p, _t, c) => epochs.push([p.step, c.epoch]) }] });
    t.fit(6, { evalEvery: 4 });
    t.fit(6, { evalEvery: 4 });
    t.fit(0, { evalEvery: 4 });
    expect(epochs).toEqual([
      [0, null],
      [4, 0],
      [6, 1],
      [6, null], // the second fit's first evaluation, between two evaluation steps: a baseline
      [8, 1],
      [12, 2],
      [12, null], // a fit of no steps: its one evaluation is a baseline
    ]);
  });

  it('LrMonitor keeps the lrs and momenta of every k-th step', () => {
    const monitor = new LrMonitor({ every: 10 });
    const t = trainer({ callbacks: [monitor] });
    t.run(35);
    expect(monitor.steps).toEqual([0, 10, 20, 30]);
    expect(monitor.lr).toEqual([[0.05], [0.025], [0.0125], [0.00625]]);
    expect(monitor.momentum).toEqual([[0.9], [0.9], [0.9], [0.9]]);
    expect(() => new LrMonitor({ every: 0 })).toThrow('LrMonitor: every must be an integer >= 1, got 0');
  });

  it('what is not a callback is refused, naming it', () => {
    const t = trainer();
    expect(() => t.addCallback(3 as never)).toThrow(ValidationError);
    expect(() => t.addCallback(3 as never)).toThrow(
      'Trainer.addCallback: callbacks[0] must be an object with any of onTrainBegin, onStepEnd, onEvalEnd, ' +
        'onTrainEnd (functions), got number',
    );
    expect(() => t.addCallback({ onStepEnd: 'yes' } as never)).toThrow(
      'Trainer.addCallback: callbacks[0].onStepEnd must be a function, got string',
    );
    expect(() => t.fit(3, { callbacks: [null as never] })).toThrow('Trainer.fit: callbacks[0] must be an object');
    expect(() => trainer({ callbacks: [{ onEvalEnd: 1 } as never] }).run(1)).toThrow(
      'Trainer: callbacks[0].onEvalEnd must be a function, got number',
    );
    expect(() => t.fit(3, { evalEvery: 0 })).toThrow('Trainer.fit: evalEvery must be an integer >= 1, got 0');
    expect(() => t.fit(3, { validation: { x: [[1, 2, 3]], y: [0] } })).toThrow(/validation\.x/);
    expect(t.step).toBe(0);
  });

  it('an evaluation holds the training and held-out numbers under the keys Keras logs', () => {
    const t = trainer();
    const fit = t.fit(2, { evalEvery: 1, validation: { x: held, y: held.y } });
    const keys = (p: EvalPoint) => Object.keys(p);
    expect(keys(fit.evals[0])).toEqual(['step', 'loss', 'accuracy', 'val_loss', 'val_accuracy']);
  });
});
