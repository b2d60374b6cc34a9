// `anneal train --checkpoint-every N --checkpoint-dir DIR` then `anneal train --resume DIR`: a run of 1000 steps
// equals one of 400 steps plus a resumed 600, bit for bit — every step's loss, lr, momentum (or beta1), batch
// size and batch, the evaluations, the final weights — for every scheduler the CLI runs, batch-size schedules,
// the hand-written decay, SGD with momentum, Adam and AdamW. In-process, on 20 moons points.

import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-resume-'));
let serial = 0;
const fresh = (name: string) => join(tmp, `${name.replace(/[^A-Za-z0-9]+/g, '_')}-${serial++}`);

const adam = (lr = 0.02) => ({ type: 'Adam', groups: [{ lr }] });
const sgd = (lr = 0.1) => ({ type: 'SGD', groups: [{ lr }], kwargs: { momentum: 0.9 } });

type Case = { name: string; config: Record<string, unknown> };
const base = { sizes: [2, 4, 2], data: { type: 'moons', n_samples: 20 }, seed: 5, batch_size: 4 };
const scheduled = (name: string, optimizer: object, scheduler: object | null, extra: object = {}): Case => ({
  name,
  config: { ...base, optimizer, scheduler, ...extra },
});

const CASES: Case[] = [
  scheduled('no scheduler (Adam)', adam(), null),
  scheduled('LambdaLR', adam(), { type: 'LambdaLR', args: { lr_lambda: '0.999 ** epoch' } }),
  scheduled('MultiplicativeLR', adam(), { type: 'MultiplicativeLR', args: { lr_lambda: '0.999' } }),
  scheduled('StepLR (SGD momentum)', sgd(), { type: 'StepLR', args: { step_size: 70, gamma: 0.7 } }),
  scheduled('MultiStepLR', adam(), {
    type: 'MultiStepLR',
    args: { milestones: [100, 390, 400, 401, 700], gamma: 0.5 },
  }),
  scheduled('ConstantLR', adam(), { type: 'ConstantLR', args: { factor: 0.3, total_iters: 450 } }),
  scheduled('LinearLR', sgd(), { type: 'LinearLR', args: { start_factor: 0.1, total_iters: 600 } }),
  scheduled('ExponentialLR', adam(), { type: 'ExponentialLR', args: { gamma: 0.998 } }),
  scheduled('PolynomialLR', adam(), { type: 'PolynomialLR', args: { total_iters: 900, power: 2 } }),
  scheduled('CosineAnnealingLR', sgd(), { type: 'CosineAnnealingLR', args: { T_max: 130, eta_min: 0.001 } }),
  scheduled('CosineAnnealingWarmRestarts', adam(), {
    type: 'CosineAnnealingWarmRestarts',
    args: { T_0: 30, T_mult: 2, eta_min: 0.001 },
  }),
  scheduled('CyclicLR (SGD momentum cycles)', sgd(), {
    type: 'CyclicLR',
    args: { base_lr: 0.01, max_lr: 0.1, step_size_up: 45, mode: 'exp_range', gamma: 0.999 },
  }),
  scheduled('CyclicLR (Adam beta1 cycles)', adam(), {
    type: 'CyclicLR',
    args: { base_lr: 0.001, max_lr: 0.02, step_size_up: 60, mode: 'triangular2' },
  }),
  scheduled('OneCycleLR', adam(), { type: 'OneCycleLR', args: { max_lr: 0.05, total_steps: 1000 } }),
  scheduled('ReduceLROnPlateau', sgd(), {
    type: 'ReduceLROnPlateau',
    args: { factor: 0.5, patience: 5, threshold: 0.01, cooldown: 3 },
  }),
  scheduled('SequentialLR', adam(), {
    type: 'SequentialLR',
    args: {
      schedulers: [
        { type: 'LinearLR', args: { start_factor: 0.1, total_iters: 300 } },
        { type: 'ExponentialLR', args: { gamma: 0.998 } },
      ],
      milestones: [300],
    },
  }),
  scheduled('ChainedScheduler', adam(), {
    type: 'ChainedScheduler',
    args: {
      schedulers: [
        { type: 'ExponentialLR', args: { gamma: 0.999 } },
        { type: 'StepLR', args: { step_size: 150, gamma: 0.5 } },
      ],
    },
  }),
  scheduled('SWALR', sgd(), { type: 'SWALR', args: { swa_lr: 0.01, anneal_epochs: 500 } }),
  scheduled('manual decay alone (SGD)', sgd(), null, { manual_decay: { every: 30, factor: 0.97 } }),
  scheduled(
    'manual decay + StepLR (Adam)',
    adam(),
    { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } },
    {
      manual_decay: { every: 7, factor: 0.995 },
    },
  ),
  scheduled(
    'AdamW, two param groups (group_by_layer)',
    { type: 'AdamW', groups: [{ lr: 0.02 }, { lr: 0.01 }] },
    {
      type: 'CosineAnnealingLR',
      args: { T_max: 1000 },
    },
    { group_by_layer: true },
  ),
  scheduled('full batch', adam(), { type: 'StepLR', args: { step_size: 50, gamma: 0.9 } }, { batch_size: null }),
  scheduled('StepBS per epoch', adam(), null, {
    batch_size: 2,
    batch_schedule: { type: 'StepBS', args: { step_size: 30, gamma: 2, max_batch_size: 16 } },
  }),
  scheduled(
    'MultiStepBS per step + ExponentialLR',
    sgd(),
    { type: 'ExponentialLR', args: { gamma: 0.999 } },
    {
      batch_size: 2,
      batch_schedule: { type: 'MultiStepBS', args: { milestones: [150, 399, 650] }, interval: 'step' },
    },
  ),
  scheduled('CosineAnnealingLR on the batch size', adam(), null, {
    batch_size: 4,
    batch_schedule: { type: 'CosineAnnealingLR', args: { T_max: 40, eta_min: 0.5 } },
  }),
  scheduled(
    'ChainedScheduler on the batch size (no closed form) + ReduceLROnPlateau',
    adam(),
    {
      type: 'ReduceLROnPlateau',
      args: { factor: 0.7, patience: 10 },
    },
    {
      batch_size: 2,
      batch_schedule: {
        type: 'ChainedScheduler',
        args: {
          schedulers: [
            { type: 'StepLR', args: { step_size: 20, gamma: 1.5 } },
            { type: 'ExponentialLR', args: { gamma: 1.01 } },
          ],
          max_batch_size: 12,
        },
      },
    },
  ),
  scheduled(
    'explicit batches',
    adam(),
    { type: 'StepLR', args: { step_size: 100, gamma: 0.5 } },
    {
      batch_size: null,
      batches: Array.from({ length: 1000 }, (_, i) => [i % 20, (i * 7 + 3) % 20, (i * 13 + 5) % 20]),
    },
  ),
];

const json = async (...args: string[]) => {
  const { code, stdout, stderr } = await runCli('train', ...args, '--json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
};

/** The per-step keys of `run` from entry `from` on, the evaluations from step `start`, and the run's end. */
const tail = (run: Record<string, unknown[]>, from: number, start = from) => ({
  loss: run.loss.slice(from),
  lr: run.lr.slice(from),
  momentum: run.momentum.slice(from),
  batch_sizes: run.batch_sizes.slice(from),
  batches: run.batches === null ? null : run.batches.slice(from, 1000),
  evals: run.evals.filter((e) => (e as { step: number }).step >= start),
  final: run.final,
  final_loss: run.final_loss,
  final_accuracy: run.final_accuracy,
});

describe('a 1000-step run equals 400 steps + a resumed 600, bit for bit', () => {
  for (const { name, config } of CASES) {
    it(name, async () => {
      const file = `${fresh(name)}.json`;
      writeFileSync(file, JSON.stringify({ ...config, steps: 1000 }));
      const straight = await json('--config', file);
      expect(straight.loss).toHaveLength(1000);

      const dir = fresh(name);
      const short = `${fresh(name)}.json`;
      writeFileSync(short, JSON.stringify({ ...config, steps: 400 }));
      const first = await json('--config', short, '--checkpoint-every', '400', '--checkpoint-dir', dir);
      expect(first.loss).toEqual(straight.loss.slice(0, 400));
      expect(readdirSync(dir)).toEqual(['step-000000400.safetensors']);

      const rest = await json('--resume', dir, '--steps', '1000');
      expect(rest.start_step).toBe(400);
      expect(rest.loss).toHaveLength(600);
      expect(rest.init).toEqual(straight.init);
      expect(rest.evals[0].step).toBe(400);
      expect(tail(rest, 0, 400)).toEqual(tail(straight, 400));
      // The resumed run checkpoints as the first did (every 400 steps, and at the end), into the same folder.
      expect(readdirSync(dir)).toEqual([
        'step-000000400.safetensors',
        'step-000000800.safetensors',
        'step-000001000.safetensors',
      ]);
    });
  }

  it('from a checkpoint in the middle of a longer run, and with 0 steps left', async () => {
    const file = `${fresh('mid')}.json`;
    writeFileSync(file, JSON.stringify({ ...CASES[4].config, steps: 1000 }));
    const dir = fresh('mid');
    const straight = await json('--config', file, '--checkpoint-every', '300', '--checkpoint-dir', dir, '--keep', '0');
    expect(readdirSync(dir)).toEqual([
      'step-000000300.safetensors',
      'step-000000600.safetensors',
      'step-000000900.safetensors',
      'step-000001000.safetensors',
    ]);
    // An earlier checkpoint of the folder, checkpointing into another folder: the rest of the run, exactly.
    const other = fresh('other');
    const rest = await json('--resume', join(dir, 'step-000000300.safetensors'), '--checkpoint-dir', other);
    expect(tail(rest, 0, 300)).toEqual(tail(straight, 300));
    expect(readdirSync(other)).toEqual([
      'step-000000600.safetensors',
      'step-000000900.safetensors',
      'step-000001000.safetensors',
    ]);
    // The last checkpoint of a finished run: nothing to train, the same final weights.
    const done = await json('--resume', dir);
    expect(done.loss).toEqual([]);
    expect(done.start_step).toBe(1000);
    expect(done.final).toEqual(straight.final);
    expect(done.final_loss).toBe(straight.final_loss);
  });
});
