import { describe, expect, it } from 'vitest';
import { MLP } from '../../src/nn/models.ts';
import { optimizerFromSpec, type OptimizerSpec } from '../../src/config/optimizer_spec.ts';
import { ReduceLROnPlateau, schedulerFromSpec, type SchedulerSpec } from '../../src/lr_scheduler/index.ts';
import training from '../fixtures/training.json' with { type: 'json' };

const data = training.cases.find((c) => c.name === 'moons200_cosine_minibatch')!;
const X = data.X.slice(0, 48);
const Y = data.Y.slice(0, 48);

const adam = (lrs: number[]): OptimizerSpec => ({ type: 'Adam', groups: lrs.map((lr) => ({ lr })) });
const sgd = (lrs: number[]): OptimizerSpec => ({
  type: 'SGD',
  groups: lrs.map((lr) => ({ lr })),
  kwargs: { momentum: 0.9 },
});

// Every scheduler with a real model and optimizer: train k steps, save model, optimizer and scheduler,
// load the three into fresh objects, and the rest of the run must match an uninterrupted one bit for bit.
const CASES: [string, OptimizerSpec, SchedulerSpec][] = [
  [
    'LambdaLR',
    adam([0.02, 0.01]),
    { type: 'LambdaLR', args: { lr_lambda: ['0.97 ** epoch', 'min(1, (epoch + 1) / 10)'] } },
  ],
  ['MultiplicativeLR', adam([0.02]), { type: 'MultiplicativeLR', args: { lr_lambda: '0.98' } }],
  ['StepLR', adam([0.02, 0.01]), { type: 'StepLR', args: { step_size: 7, gamma: 0.5 } }],
  ['MultiStepLR', adam([0.02]), { type: 'MultiStepLR', args: { milestones: [5, 9, 9, 20], gamma: 0.3 } }],
  ['ConstantLR', adam([0.02]), { type: 'ConstantLR', args: { factor: 0.3, total_iters: 12 } }],
  ['LinearLR', adam([0.02]), { type: 'LinearLR', args: { start_factor: 0.1, total_iters: 25 } }],
  ['ExponentialLR', adam([0.02]), { type: 'ExponentialLR', args: { gamma: 0.97 } }],
  ['PolynomialLR', adam([0.02]), { type: 'PolynomialLR', args: { total_iters: 30, power: 2 } }],
  ['CosineAnnealingLR', sgd([0.1, 0.05]), { type: 'CosineAnnealingLR', args: { T_max: 13, eta_min: 0.001 } }],
  ['CosineAnnealingWarmRestarts', adam([0.02]), { type: 'CosineAnnealingWarmRestarts', args: { T_0: 4, T_mult: 2 } }],
  [
    'CyclicLR (SGD momentum)',
    sgd([0.1, 0.05]),
    { type: 'CyclicLR', args: { base_lr: 0.01, max_lr: 0.1, step_size_up: 5, mode: 'exp_range', gamma: 0.99 } },
  ],
  [
    'CyclicLR (Adam beta1)',
    adam([0.02]),
    { type: 'CyclicLR', args: { base_lr: 0.001, max_lr: 0.02, step_size_up: 6, mode: 'triangular2' } },
  ],
  ['OneCycleLR', adam([0.02]), { type: 'OneCycleLR', args: { max_lr: 0.05, total_steps: 40 } }],
  [
    'ReduceLROnPlateau',
    adam([0.02]),
    { type: 'ReduceLROnPlateau', args: { factor: 0.5, patience: 2, threshold: 0.05 } },
  ],
  [
    'SequentialLR',
    adam([0.02]),
    {
      type: 'SequentialLR',
      args: {
        schedulers: [
          { type: 'LinearLR', args: { start_factor: 0.1, total_iters: 8 } },
          { type: 'ExponentialLR', args: { gamma: 0.95 } },
        ],
        milestones: [8],
      },
    },
  ],
  [
    'ChainedScheduler',
    adam([0.02]),
    {
      type: 'ChainedScheduler',
      args: {
        schedulers: [
          { type: 'ExponentialLR', args: { gamma: 0.98 } },
          { type: 'StepLR', args: { step_size: 6, gamma: 0.5 } },
        ],
      },
    },
  ],
  ['SWALR', sgd([0.1]), { type: 'SWALR', args: { swa_lr: 0.01, anneal_epochs: 10 } }],
];

function build(opt: OptimizerSpec, sched: SchedulerSpec, seed: number) {
  const model = new MLP({ sizes: [2, 8, 2], activation: 'tanh', seed });
  const groups = opt.groups!.length === 2 ? model.layers.map((l) => l.parameters()) : [model.parameters()];
  const optimizer = optimizerFromSpec(opt, groups);
  const scheduler = schedulerFromSpec(optimizer, sched);
  const step = () => {
    const loss = model.trainStep(X, Y, optimizer);
    if (scheduler instanceof ReduceLROnPlateau) scheduler.step(loss);
    else scheduler.step();
    return [loss, ...optimizer.paramGroups.map((g) => g.lr)];
  };
  return { model, optimizer, scheduler, step };
}

describe('resume: model, optimizer and scheduler saved at step k continue bit-identically', () => {
  for (const [name, opt, sched] of CASES) {
    it(name, () => {
      const total = 40;
      const k = 17;
      const straight = build(opt, sched, 1);
      const reference = Array.from({ length: total }, straight.step);

      const first = build(opt, sched, 1);
      for (let i = 0; i < k; i++) first.step();
      const saved = JSON.parse(
        JSON.stringify({
          model: first.model.stateDict(),
          optimizer: first.optimizer.stateDict(),
          scheduler: first.scheduler.stateDict(),
        }),
      );

      const resumed = build(opt, sched, 99); // other initial weights: everything must come from the saved state
      resumed.model.loadStateDict(saved.model);
      resumed.optimizer.loadStateDict(saved.optimizer);
      resumed.scheduler.loadStateDict(saved.scheduler);
      const rest = Array.from({ length: total - k }, resumed.step);
      expect(rest).toEqual(reference.slice(k));
      expect(resumed.model.stateDict()).toEqual(straight.model.stateDict());
    });
  }
});
