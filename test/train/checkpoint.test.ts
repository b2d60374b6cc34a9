// saveCheckpoint / readCheckpoint / loadCheckpoint in the library: the file's layout (PyTorch's state-dict keys,
// the optimizer's buffers, JSON in __metadata__), a resume that continues bit for bit, and every refusal — a
// FileFormatError naming the file and what is wrong — leaving the model, optimizer, scheduler, trainer and
// batch source exactly as they were.

import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/run_config.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { makeMoons } from '../../src/data/datasets.ts';
import { RandomState } from '../../src/data/numpy_random.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { FileFormatError, type TensorToWrite } from '../../src/io/tensors.ts';
import { ExponentialLR, ReduceLROnPlateau, StepLR } from '../../src/lr_scheduler/index.ts';
import { MLP } from '../../src/nn/models.ts';
import { Adam } from '../../src/optim/adam.ts';
import { SGD } from '../../src/optim/sgd.ts';
import { ValidationError } from '../../src/params/error.ts';
import { ExplicitBatches, RecordedBatches } from '../../src/train/batches.ts';
import { batchScheduleFromSpec, ScheduledBatches } from '../../src/train/batch_schedule.ts';
import {
  CHECKPOINT_KEYS,
  loadCheckpoint,
  nonFiniteTensor,
  readCheckpoint,
  saveCheckpoint,
} from '../../src/train/checkpoint.ts';
import { runConfigToJson, runTraining } from '../../src/train/run.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { snapshotRun as snapshot } from './run_snapshot.ts';

const data = makeMoons({ nSamples: 24, noise: 0.2, seed: 3 });

type Kind = 'adam-step-loader' | 'sgd-plateau-scheduled';

/** A run's objects; `seed` sets the initial weights (a resumed run must get everything from the checkpoint). */
function setup(kind: Kind, seed: number, options: { hidden?: number; decay?: boolean } = {}) {
  const model = new MLP({ sizes: [2, options.hidden ?? 5, 2], seed });
  if (kind === 'adam-step-loader') {
    const optimizer = new Adam(model.parameters(), { lr: 0.03 });
    const scheduler = new StepLR(optimizer, { stepSize: 9, gamma: 0.8 });
    const batches = new RecordedBatches(new DataLoader(data, { batchSize: 5, shuffle: true, seed: 7, dropLast: true }));
    const manualDecay = options.decay === false ? null : { every: 4, factor: 0.99 };
    const trainer = new Trainer({ model, optimizer, scheduler, manualDecay, batches, x: data, y: data.y });
    return { model, optimizer, scheduler, batches, trainer };
  }
  const optimizer = new SGD(
    model.layers.map((l) => ({ params: l.parameters() })),
    { lr: 0.2, momentum: 0.9 },
  );
  const scheduler = new ReduceLROnPlateau(optimizer, { factor: 0.5, patience: 2, threshold: 0.05 });
  const schedule = batchScheduleFromSpec(
    { type: 'StepBS', args: { step_size: 3, max_batch_size: 12 } },
    { batchSize: 3, datasetSize: 24 },
  );
  const batches = new ScheduledBatches({ nSamples: 24, schedule, seed: 11, steps: 60 });
  const trainer = new Trainer({
    model,
    optimizer,
    scheduler,
    schedulerMetric: 'loss',
    batches,
    x: data,
    y: data.y,
  });
  return { model, optimizer, scheduler, batches, trainer };
}

type Run = ReturnType<typeof setup>;

/** Rewrites a checkpoint's bytes with some metadata entries replaced (or removed, when undefined). */
function rewrite(bytes: Uint8Array, change: Record<string, string | undefined>, tensors?: Map<string, TensorToWrite>) {
  const file = readSafetensors(bytes);
  const meta: Record<string, string> = { ...file.metadata };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete meta[k];
    else meta[k] = v;
  }
  return writeSafetensors(tensors ?? new Map(file.tensors.map((t) => [t.name, t])), meta);
}

/** Rewrites one metadata JSON entry through `edit`. */
function editJson(bytes: Uint8Array, key: string, edit: (value: Record<string, unknown>) => void): Uint8Array {
  const value = JSON.parse(readSafetensors(bytes).metadata![key]);
  edit(value);
  return rewrite(bytes, { [key]: JSON.stringify(value) });
}

describe('checkpoint file layout', () => {
  it("holds the model under PyTorch's keys, the optimizer's buffers, and the rest as JSON in __metadata__", () => {
    const run = setup('adam-step-loader', 1);
    run.trainer.run(13);
    const bytes = saveCheckpoint({ trainer: run.trainer, config: { note: 'any JSON' }, extra: { mine: [1, 2] } });
    const file = readSafetensors(bytes, 'ck.safetensors');
    expect(file.tensors.map((t) => t.name).sort()).toEqual(
      [
        'layers.0.bias',
        'layers.0.weight',
        'layers.1.bias',
        'layers.1.weight',
        ...[0, 1, 2, 3].flatMap((i) =>
          ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'].map((b) => `optimizer.state.${i}.${b}`),
        ),
      ].sort(),
    );
    for (const [key, p] of run.model.namedParameters()) {
      const t = file.tensors.find((x) => x.name === key)!;
      expect(t.shape).toEqual(p.shape);
      expect(t.data).toEqual(p.data);
    }
    const sd = run.optimizer.stateDict();
    const expAvg = file.tensors.find((t) => t.name === 'optimizer.state.1.exp_avg')!;
    expect(Array.from(expAvg.data)).toEqual((sd.state[1].expAvg as number[][]).flat());
    const meta = file.metadata!;
    expect(meta.format).toBe('pt');
    expect(meta[CHECKPOINT_KEYS.version]).toBe('1');
    expect(meta[CHECKPOINT_KEYS.step]).toBe('13');
    const opt = JSON.parse(meta[CHECKPOINT_KEYS.optimizer]);
    expect(opt.type).toBe('Adam');
    expect(Object.keys(opt.param_groups[0])).toEqual(
      expect.arrayContaining(['lr', 'betas', 'weight_decay', 'initial_lr']),
    );
    expect(opt.state['0']).toEqual({ step: 13 });
    expect(JSON.parse(meta[CHECKPOINT_KEYS.scheduler]).type).toBe('StepLR');
    expect(JSON.parse(meta[CHECKPOINT_KEYS.trainer])).toEqual({ step: 13, manual_decay: { every: 4, factor: 0.99 } });
    const order = JSON.parse(meta[CHECKPOINT_KEYS.batches]);
    expect(order.type).toBe('DataLoader');
    expect(order.loader.rng.bit_generator).toBe('MT19937');
    expect(order.loader.rng.state.key).toHaveLength(624);
    expect(JSON.parse(meta[CHECKPOINT_KEYS.config])).toEqual({ note: 'any JSON' });
    expect(JSON.parse(meta[CHECKPOINT_KEYS.extra])).toEqual({ mine: [1, 2] });
    const read = readCheckpoint(bytes, 'ck.safetensors');
    expect(read.step).toBe(13);
    expect(read.extra).toEqual({ mine: [1, 2] });
    expect(read.model.map((t) => t.name)).toEqual([
      'layers.0.bias',
      'layers.0.weight',
      'layers.1.bias',
      'layers.1.weight',
    ]);
  });

  it("SGD's momentum buffer not yet created is null in JSON, not a tensor", () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 0 });
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    model.trainStep([[0, 1]], [1], optimizer);
    const bytes = saveCheckpoint({ model, optimizer, step: 1 });
    const read = readCheckpoint(bytes);
    expect(read.optimizer.tensors).toEqual([]);
    expect(read.optimizer.state['0']).toEqual({ step: 1, momentum_buffer: null });
    const other = new MLP({ sizes: [2, 3, 2], seed: 9 });
    const opt2 = new SGD(other.parameters(), { lr: 0.5 });
    loadCheckpoint(bytes, { model: other, optimizer: opt2 });
    expect(opt2.stateDict()).toEqual(optimizer.stateDict());
    expect(other.stateDict()).toEqual(model.stateDict());
  });
});

describe('resume from a checkpoint', () => {
  for (const kind of ['adam-step-loader', 'sgd-plateau-scheduled'] as const) {
    it(`continues bit for bit (${kind}): losses, lrs, momenta, batches, weights`, () => {
      const straight = setup(kind, 1);
      straight.trainer.run(60);
      const first = setup(kind, 1);
      first.trainer.run(23);
      const bytes = saveCheckpoint({ trainer: first.trainer });

      const resumed = setup(kind, 2); // other initial weights: everything comes from the checkpoint
      const ck = loadCheckpoint(bytes, { trainer: resumed.trainer }, 'ck.safetensors');
      expect(ck.step).toBe(23);
      expect(resumed.trainer.step).toBe(23);
      expect(resumed.trainer.firstStep).toBe(23);
      expect(resumed.trainer.lastStep).toBeNull();
      resumed.trainer.run(37);
      expect(resumed.trainer.history).toEqual(straight.trainer.historyRange(23));
      expect(resumed.trainer.historyRange(40, 50)).toEqual(straight.trainer.historyRange(40, 50));
      expect(resumed.model.stateDict()).toEqual(straight.model.stateDict());
      expect(resumed.optimizer.stateDict()).toEqual(straight.optimizer.stateDict());
      expect(resumed.scheduler.stateDict()).toEqual(straight.scheduler.stateDict());
      expect(resumed.batches.stateDict()).toEqual(straight.batches.stateDict());
      expect(resumed.batches.record).toEqual((straight.batches.record as unknown[]).slice(23));
    });
  }

  it('a hand-written loop without a Trainer: model, optimizer and scheduler with an explicit step', () => {
    const build = (seed: number) => {
      const model = new MLP({ sizes: [2, 4, 2], seed });
      const optimizer = new Adam(model.parameters(), { lr: 0.05 });
      const scheduler = new ExponentialLR(optimizer, { gamma: 0.95 });
      const step = () => {
        const loss = model.trainStep(data, data.y, optimizer);
        scheduler.step();
        return [loss, optimizer.paramGroups[0].lr];
      };
      return { model, optimizer, scheduler, step };
    };
    const straight = build(0);
    const reference = Array.from({ length: 30 }, straight.step);
    const first = build(0);
    for (let i = 0; i < 12; i++) first.step();
    const bytes = saveCheckpoint({
      model: first.model,
      optimizer: first.optimizer,
      scheduler: first.scheduler,
      step: 12,
    });
    const resumed = build(5);
    expect(loadCheckpoint(bytes, resumed).step).toBe(12);
    expect(Array.from({ length: 18 }, resumed.step)).toEqual(reference.slice(12));
    expect(resumed.model.stateDict()).toEqual(straight.model.stateDict());
  });

  it('runTraining resumes from bytes (hooks.resume) and refuses a checkpoint past the run', () => {
    const config = parseRunConfig({
      sizes: [2, 4, 2],
      data: { type: 'moons', n_samples: 20 },
      optimizer: { type: 'Adam', groups: [{ lr: 0.02 }] },
      scheduler: { type: 'CosineAnnealingLR', args: { T_max: 50 } },
      batch_size: 4,
      steps: 90,
    });
    const straight = runTraining(config);
    const writes: [Uint8Array, number][] = [];
    runTraining(config, { checkpoint: { every: 35, write: (b, s) => writes.push([b, s]) } });
    expect(writes.map(([, s]) => s)).toEqual([35, 70, 90]);
    const rest = runTraining(config, { resume: writes[0][0] });
    expect(rest.start_step).toBe(35);
    expect(rest.loss).toEqual(straight.loss.slice(35));
    expect(rest.batches).toEqual(straight.batches!.slice(35));
    expect(rest.batch_sizes).toEqual(straight.batch_sizes.slice(35));
    expect(rest.final).toEqual(straight.final);
    expect(rest.init).toEqual(straight.init);
    expect(JSON.parse(readCheckpoint(writes[0][0]).metadata[CHECKPOINT_KEYS.config])).toEqual(runConfigToJson(config));
    expect(() => runTraining({ ...config, steps: 30 }, { resume: writes[0][0] })).toThrow(
      "steps: bytes is at step 35, past the run's 30 steps",
    );
  });

  it('a diverging run writes no checkpoint with non-finite weights: the last good one stays the newest', () => {
    const config = parseRunConfig({
      sizes: [2, 3, 2],
      data: { type: 'moons', n_samples: 20 },
      optimizer: { type: 'SGD', groups: [{ lr: 0.1 }] },
      scheduler: { type: 'ExponentialLR', args: { gamma: 100 } },
      steps: 40,
    });
    const steps: number[] = [];
    expect(() => runTraining(config, { checkpoint: { every: 1, write: (_bytes, s) => steps.push(s) } })).toThrow(
      /the loss at step 21 is NaN/,
    );
    expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

describe('bad checkpoints are refused, naming the file, and change nothing', () => {
  const source = setup('sgd-plateau-scheduled', 1);
  source.trainer.run(17);
  const good = saveCheckpoint({ trainer: source.trainer, config: { steps: 60 } });
  const file = 'runs/ck.safetensors';

  /** Loads `bytes` into a fresh run that has trained a little; expects a refusal matching `message`. */
  function refused(bytes: Uint8Array, message: RegExp | string, into?: Run) {
    const run = into ?? setup('sgd-plateau-scheduled', 4);
    if (!into) run.trainer.run(5);
    const before = snapshot(run);
    let error: unknown;
    try {
      loadCheckpoint(bytes, { trainer: run.trainer }, file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(FileFormatError);
    expect((error as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(snapshot(run)).toBe(before);
    return error as FileFormatError;
  }

  it('truncated, or not safetensors at all', () => {
    refused(good.subarray(0, good.length - 10), /truncated|bytes of data/);
    refused(good.subarray(0, 100), /truncated|runs past the end/);
    refused(new TextEncoder().encode('not a checkpoint'), /header/);
  });

  it('a weights file, or a checkpoint of a newer format', () => {
    const weights = writeSafetensors(
      new Map(source.model.namedParameters().map(([k, p]) => [k, { shape: p.shape, data: p.data }])),
      { format: 'pt' },
    );
    refused(weights, 'not an anneal checkpoint');
    refused(rewrite(good, { [CHECKPOINT_KEYS.version]: '2' }), /format 2 was written by a newer anneal/);
    refused(rewrite(good, { [CHECKPOINT_KEYS.version]: 'x' }), /anneal.checkpoint is "x"/);
    refused(rewrite(good, { [CHECKPOINT_KEYS.step]: '-1' }), /anneal.step/);
  });

  it('a model of another shape, or other keys', () => {
    const wider = setup('sgd-plateau-scheduled', 4, { hidden: 6 });
    refused(good, /tensor layers.0.weight has shape \[5, 2\] but MLP's layers.0.weight is \[6, 2\]/, wider);
    const tensors = new Map(readSafetensors(good).tensors.map((t) => [t.name, t as TensorToWrite]));
    tensors.set('0.weight', tensors.get('layers.0.weight')!);
    tensors.delete('layers.0.weight');
    refused(rewrite(good, {}, tensors), /missing layers.0.weight; unexpected 0.weight/);
    tensors.set('optimizer.state.9.momentum_buffer', { shape: [1], data: new Float32Array(1) });
    refused(rewrite(good, {}, tensors), /not an optimizer buffer/);
  });

  it('tampered metadata JSON: invalid, or refused by a loader after others loaded (those are put back)', () => {
    refused(rewrite(good, { [CHECKPOINT_KEYS.optimizer]: '{"type": "SGD",' }), /anneal.optimizer is not valid JSON/);
    refused(rewrite(good, { [CHECKPOINT_KEYS.scheduler]: undefined }), /anneal.scheduler is missing/);
    // The batches load first, then the scheduler, then the optimizer: each refusal puts back what loaded before.
    refused(
      editJson(good, CHECKPOINT_KEYS.scheduler, (s) => {
        (s.state as Record<string, unknown>).last_epoch = 'x';
      }),
      /anneal.scheduler: ReduceLROnPlateau.loadStateDict: .*last_epoch/,
    );
    refused(
      editJson(good, CHECKPOINT_KEYS.optimizer, (o) => {
        (o.param_groups as Record<string, unknown>[])[1].lr = -1;
      }),
      /anneal.optimizer: SGD.loadStateDict.*lr/,
    );
    refused(
      editJson(good, CHECKPOINT_KEYS.batches, (b) => {
        (b.order as number[])[0] = (b.order as number[])[1];
      }),
      /anneal.batches: .*order must be a permutation/,
    );
    refused(
      editJson(good, CHECKPOINT_KEYS.trainer, (t) => {
        t.manual_decay = { every: 3, factor: 0.5 };
      }),
      /anneal.trainer: .*hand-written decay \(every 3 × 0.5\) is not this trainer's \(none\)/,
    );
    refused(
      editJson(good, CHECKPOINT_KEYS.trainer, (t) => {
        t.step = 3;
      }),
      /anneal.trainer.step \(number 3\) is not the checkpoint's step 17/,
    );
  });

  it('another optimizer, scheduler or batch source', () => {
    const adamRun = setup('adam-step-loader', 3);
    const adamBytes = saveCheckpoint({ trainer: adamRun.trainer });
    refused(adamBytes, 'the checkpoint\'s optimizer is "Adam"; this one is SGD');
    refused(
      editJson(good, CHECKPOINT_KEYS.scheduler, (s) => {
        s.type = 'StepLR';
      }),
      'the checkpoint\'s scheduler is "StepLR"; this one is ReduceLROnPlateau',
    );
    refused(
      editJson(good, CHECKPOINT_KEYS.batches, (b) => {
        b.type = 'DataLoader';
      }),
      'the checkpoint\'s batches come from a "DataLoader"; these come from a ScheduledBatches',
    );
  });

  it('NaN weights, unless allowNonFinite', () => {
    const tensors = new Map(readSafetensors(good).tensors.map((t) => [t.name, t as TensorToWrite]));
    const bias = tensors.get('layers.1.bias')!;
    tensors.set('layers.1.bias', { shape: bias.shape, data: Float32Array.from([Number.NaN, 1]) });
    const nan = rewrite(good, {}, tensors);
    expect(nonFiniteTensor(nan)).toBe('layers.1.bias');
    refused(nan, /tensor layers.1.bias holds NaN at index 0: weights must be finite/);
    const run = setup('sgd-plateau-scheduled', 4);
    loadCheckpoint(nan, { trainer: run.trainer }, { file, allowNonFinite: true });
    expect(run.model.layers[1].bias.data[0]).toBeNaN();
  });

  it('strict: a state without a target, or a target without a state, unless strict is false', () => {
    const run = setup('sgd-plateau-scheduled', 4);
    const before = snapshot(run);
    const load = (targets: object, strict?: boolean) => () =>
      loadCheckpoint(good, { model: run.model, optimizer: run.optimizer, ...targets }, { file, strict });
    expect(load({})).toThrow('but no scheduler was given (strict: false leaves it out)');
    expect(snapshot(run)).toBe(before);
    const noScheduler = saveCheckpoint({ model: run.model, optimizer: run.optimizer, scheduler: null, step: 0 });
    expect(() => loadCheckpoint(noScheduler, { trainer: run.trainer }, file)).toThrow(
      'the checkpoint holds no scheduler state (anneal.scheduler is null)',
    );
    expect(snapshot(run)).toBe(before);
    load({}, false)();
    expect(run.model.stateDict()).toEqual(source.model.stateDict());
    expect(run.optimizer.stateDict()).toEqual(source.optimizer.stateDict());
    expect(run.trainer.step).toBe(0); // the trainer was left out
  });

  it('misuse of the API is a ValidationError too', () => {
    const run = setup('adam-step-loader', 1);
    expect(() => saveCheckpoint({ model: run.model, optimizer: run.optimizer })).toThrow('give step (or a trainer)');
    expect(() => saveCheckpoint({ trainer: run.trainer, step: 4 })).toThrow("is not the trainer's step 0");
    const other = setup('adam-step-loader', 2);
    expect(() => saveCheckpoint({ trainer: run.trainer, model: other.model })).toThrow(ValidationError);
    const custom = new Trainer({
      model: run.model,
      optimizer: run.optimizer,
      batches: { next: () => null },
      x: data,
      y: data.y,
    });
    expect(() => saveCheckpoint({ trainer: custom })).toThrow('pass batches: null to leave it out');
    expect(readCheckpoint(saveCheckpoint({ trainer: custom, batches: null })).batches).toBeNull();
  });
});

describe('the data order: DataLoader, ScheduledBatches, ExplicitBatches and RandomState save their place', () => {
  it('a DataLoader continues batch for batch across epochs', () => {
    const a = new DataLoader({ nSamples: 10 }, { batchSize: 3, shuffle: true, seed: 4 });
    for (let i = 0; i < 7; i++) a.nextBatch();
    const state = JSON.parse(JSON.stringify(a.stateDict()));
    const b = new DataLoader({ nSamples: 10 }, { batchSize: 3, shuffle: true, seed: 99 });
    b.loadStateDict(state);
    expect(b.epochs).toBe(a.epochs);
    for (let i = 0; i < 12; i++) expect(b.nextBatch()).toEqual(a.nextBatch());
    const c = new DataLoader({ nSamples: 11 }, { batchSize: 3, shuffle: true });
    const before = JSON.stringify(c.stateDict());
    expect(() => c.loadStateDict(state)).toThrow("n_samples must be 11 (this loader's), got 10");
    expect(() => b.loadStateDict({ ...state, position: 11 })).toThrow('position must be an integer in [0, 10]');
    expect(JSON.stringify(c.stateDict())).toBe(before);
  });

  it("a RandomState's state (Gaussian kept included) round-trips", () => {
    const a = new RandomState(5);
    a.standardNormal();
    const s = a.getState();
    expect(s.has_gauss).toBe(1);
    const b = new RandomState(0);
    b.setState(JSON.parse(JSON.stringify(s)));
    expect([b.standardNormal(), b.randomSample(), b.permutation(9)]).toEqual([
      a.standardNormal(),
      a.randomSample(),
      a.permutation(9),
    ]);
    expect(() => b.setState({ ...s, has_gauss: 2 as 0 })).toThrow('has_gauss must be 0 or 1');
    expect(() => b.setState({ ...s, state: { key: s.state.key.slice(1), pos: 0 } })).toThrow('624');
  });

  it('explicit batches have no place to keep but their kind', () => {
    const e = new ExplicitBatches([[0], [1]], 2, 2);
    expect(e.stateDict()).toEqual({ type: 'ExplicitBatches' });
    expect(() => e.loadStateDict({ type: 'ExplicitBatches', extra: 1 })).toThrow('unknown key "extra"');
  });
});
