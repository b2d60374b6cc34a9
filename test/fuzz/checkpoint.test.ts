// Random and hostile checkpoints: byte mutations and truncations of real ones, hostile metadata JSON (whole
// entries, or one value deep inside), renamed, reshaped and missing tensors. Each either loads or is refused
// with a ValidationError (a FileFormatError naming the file) — never another exception — within a time bound,
// and a refused one leaves the model, optimizer, scheduler, trainer and batch source exactly as they were.
// Seeds are fixed, so a failure names an input that fails again.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/loader.ts';
import { makeMoons } from '../../src/data/datasets.ts';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import { FileFormatError, type TensorToWrite } from '../../src/io/tensors.ts';
import { CosineAnnealingWarmRestarts, ReduceLROnPlateau } from '../../src/lr_scheduler/index.ts';
import { MLP } from '../../src/nn/models.ts';
import { Adam } from '../../src/optim/adam.ts';
import { SGD } from '../../src/optim/sgd.ts';
import { ValidationError } from '../../src/params/error.ts';
import { RecordedBatches } from '../../src/train/batches.ts';
import { batchScheduleFromSpec, ScheduledBatches } from '../../src/train/batch_schedule.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { TIME_LIMIT_MS } from './support.ts';
import { snapshotRun as snapshot } from '../train/run_snapshot.ts';

const RUNS = 150;
const FILE = 'fuzz.safetensors';
const data = makeMoons({ nSamples: 16, noise: 0.2, seed: 1 });

function setup(kind: 0 | 1, seed: number) {
  const model = new MLP({ sizes: [2, 3, 2], seed });
  if (kind === 0) {
    const optimizer = new Adam(model.parameters(), { lr: 0.03, amsgrad: true });
    const scheduler = new CosineAnnealingWarmRestarts(optimizer, { t0: 4, tMult: 2 });
    const batches = new RecordedBatches(new DataLoader(data, { batchSize: 3, shuffle: true, seed: 2, dropLast: true }));
    const manualDecay = { every: 5, factor: 0.9 };
    return {
      model,
      optimizer,
      scheduler,
      batches,
      trainer: new Trainer({ ...{ model, optimizer, scheduler }, manualDecay, batches, x: data, y: data.y }),
    };
  }
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
  const scheduler = new ReduceLROnPlateau(optimizer, { patience: 1 });
  const schedule = batchScheduleFromSpec(
    { type: 'StepBS', args: { step_size: 2, max_batch_size: 8 } },
    { batchSize: 2, datasetSize: 16 },
  );
  const batches = new ScheduledBatches({ nSamples: 16, schedule, seed: 3 });
  const trainer = new Trainer({ model, optimizer, scheduler, schedulerMetric: 'loss', batches, x: data, y: data.y });
  return { model, optimizer, scheduler, batches, trainer };
}

// Two real checkpoints, and a run of each kind that holds one as its base state.
const sources = ([0, 1] as const).map((kind) => {
  const run = setup(kind, 1);
  run.trainer.run(11);
  return saveCheckpoint({ trainer: run.trainer, config: { any: 'config' }, extra: { note: 1 } });
});
const targets = ([0, 1] as const).map((kind) => {
  const run = setup(kind, 7);
  loadCheckpoint(sources[kind], { trainer: run.trainer }, FILE);
  return { run, base: snapshot(run) };
});

/** Loads `bytes` into the run of `kind`: it loads or is refused with a ValidationError; a refusal changes nothing. */
function loadsOrRefuses(kind: 0 | 1, bytes: Uint8Array): void {
  const { run, base } = targets[kind];
  const start = performance.now();
  let refused = false;
  try {
    loadCheckpoint(bytes, { trainer: run.trainer }, FILE);
  } catch (err) {
    if (!(err instanceof ValidationError)) {
      throw new Error(
        `expected a ValidationError, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`,
      );
    }
    expect(err).toBeInstanceOf(FileFormatError);
    expect(err.message.startsWith(`${FILE}: `)).toBe(true);
    refused = true;
  }
  expect(performance.now() - start).toBeLessThan(TIME_LIMIT_MS);
  if (refused) {
    expect(snapshot(run), 'a refused checkpoint changed something').toBe(base);
  } else {
    loadCheckpoint(sources[kind], { trainer: run.trainer }, FILE);
    expect(snapshot(run)).toBe(base);
  }
}

const hostileScalar = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e308, 5e-324, 2 ** 53 + 2, -1, 0, 1, 0.5, 624, 16, 11),
  fc.constantFrom('', 'NaN', 'Infinity', '-0', '__proto__', 'constructor', 'MT19937', 'DataLoader', 'Adam', 'SGD'),
  fc.integer({ min: -10, max: 100 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'type', 'state', 'step')),
      tie('value'),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

/** Every place in a JSON tree: [container, key] pairs. */
function places(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([value, i]);
      places(v, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      places(v, out);
    }
  }
  return out;
}

const META_KEYS = [
  'format',
  'anneal.checkpoint',
  'anneal.step',
  'anneal.optimizer',
  'anneal.scheduler',
  'anneal.trainer',
  'anneal.batches',
  'anneal.config',
  'anneal.extra',
  'anneal.model',
];

describe('fuzz: checkpoints load or are refused with a ValidationError, and a refusal changes nothing', () => {
  it('random byte mutations and truncations of real checkpoints', () => {
    const headerOf = (bytes: Uint8Array) =>
      8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    fc.assert(
      fc.property(
        fc.constantFrom(0 as const, 1 as const),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat(), { nil: undefined }),
        (kind, edits, cut) => {
          const bytes = sources[kind].slice();
          const header = headerOf(bytes);
          for (const [at, value, inHeader] of edits) bytes[inHeader ? at % header : at % bytes.length] = value;
          loadsOrRefuses(kind, cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length));
        },
      ),
      { numRuns: RUNS * 2, seed: 41 },
    );
  });

  it('hostile metadata: a whole entry replaced or removed, or one value deep inside its JSON', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0 as const, 1 as const),
        fc.constantFrom(...META_KEYS),
        fc.oneof(
          hostileValue.map((v) => ({ whole: JSON.stringify(v) ?? 'null' })),
          fc.string({ maxLength: 30 }).map((s) => ({ whole: s })),
          fc.constant({ whole: undefined }),
          fc.tuple(fc.nat(), fc.oneof(hostileValue, fc.constant(undefined))).map(([at, value]) => ({ at, value })),
        ),
        (kind, key, change) => {
          const file = readSafetensors(sources[kind]);
          const meta: Record<string, string> = { ...file.metadata };
          if ('whole' in change) {
            if (change.whole === undefined) delete meta[key];
            else meta[key] = change.whole;
          } else if (meta[key] !== undefined && key !== 'format') {
            const parsed: unknown = JSON.parse(meta[key]);
            const all = places(parsed);
            if (all.length) {
              const [container, k] = all[change.at % all.length];
              if (change.value === undefined && !Array.isArray(container)) delete container[k as string];
              else (container as Record<string | number, unknown>)[k] = change.value;
            }
            meta[key] = JSON.stringify(parsed) ?? 'null';
          }
          const tensors = new Map<string, TensorToWrite>(file.tensors.map((t) => [t.name, t]));
          loadsOrRefuses(kind, writeSafetensors(tensors, meta));
        },
      ),
      { numRuns: RUNS * 3, seed: 42 },
    );
  });

  it('renamed, reshaped, added and missing tensors', () => {
    const name = fc.oneof(
      fc.constantFrom(
        'layers.0.weight',
        'layers.2.weight',
        'optimizer.state.0.exp_avg',
        'optimizer.state.9.exp_avg',
        'optimizer.state.1.momentum_buffer',
        'optimizer.state.1.step',
        'optimizer.state.01.exp_avg',
        'optimizer.x',
        '__proto__',
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(0 as const, 1 as const),
        fc.nat(),
        fc.constantFrom('rename', 'flatten', 'drop', 'add', 'nan'),
        name,
        (kind, which, how, newName) => {
          const file = readSafetensors(sources[kind]);
          const tensors = new Map<string, TensorToWrite>(file.tensors.map((t) => [t.name, t]));
          const t = file.tensors[which % file.tensors.length];
          if (how === 'rename') {
            tensors.delete(t.name);
            tensors.set(newName, t);
          } else if (how === 'flatten') tensors.set(t.name, { shape: [t.data.length], data: t.data });
          else if (how === 'drop') tensors.delete(t.name);
          else if (how === 'add') tensors.set(newName, { shape: [2], data: new Float32Array(2) });
          else tensors.set(t.name, { shape: t.shape, data: t.data.map((v, i) => (i === 0 ? Number.NaN : v)) });
          if (newName === '__metadata__' && (how === 'rename' || how === 'add')) return;
          loadsOrRefuses(kind, writeSafetensors(tensors, { ...file.metadata }));
        },
      ),
      { numRuns: RUNS, seed: 43 },
    );
  });
});
