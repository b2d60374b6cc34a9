import { ValidationError } from '../../src/params/error.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalName, findCanonicalName } from '../../src/canonical_name.ts';
import { OPTIMIZER_TYPES } from '../../src/config/optimizer_spec.ts';
import { SCHEDULER_TYPES } from '../../src/lr_scheduler/spec.ts';
import { runCli } from './run_cli.ts';

// Names are case-insensitive wherever they are chosen, and come back in their canonical spelling.

const tmp = mkdtempSync(join(tmpdir(), 'anneal-names-'));

function writeJson(name: string, value: unknown): string {
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('canonicalName', () => {
  it('maps any casing (and an alias) to the canonical name', () => {
    expect(findCanonicalName('steplr', SCHEDULER_TYPES)).toBe('StepLR');
    expect(findCanonicalName('  COSINEANNEALINGLR ', SCHEDULER_TYPES)).toBe('CosineAnnealingLR');
    expect(findCanonicalName('ADAMW', OPTIMIZER_TYPES)).toBe('AdamW');
    expect(findCanonicalName('Cosine', SCHEDULER_TYPES, { cosine: 'CosineAnnealingLR' })).toBe('CosineAnnealingLR');
    expect(findCanonicalName('warmup', SCHEDULER_TYPES)).toBeUndefined();
    expect(findCanonicalName('constructor', OPTIMIZER_TYPES, {})).toBeUndefined();
  });

  it("or throws the caller's kind of error naming what was given and listing the canonical names", () => {
    const refuse = () => canonicalName('adagrad', OPTIMIZER_TYPES, { what: 'optimizer', where: 'optimizer.type' });
    expect(refuse).toThrow(ValidationError);
    expect(refuse).toThrow('optimizer.type: unknown optimizer "adagrad"; expected one of Adam, AdamW, SGD');
    expect(() =>
      canonicalName('x', ['a', 'b'] as const, { what: 'thing', aliases: { alpha: 'a' }, error: TypeError }),
    ).toThrow(new TypeError('unknown thing "x"; expected one of a, b (or alpha)'));
  });
});

describe('names on the command line', () => {
  it(
    'anneal train --scheduler steplr --optimizer ADAM --activation Tanh --dataset MOONS ' +
      'is the lesson, spelled canonically',
    async () => {
      const lesson = await runCli('train', '--steps', '120', '--json');
      const shouted = await runCli(
        'train',
        '--scheduler',
        'steplr',
        '--optimizer',
        'ADAM',
        '--activation',
        'Tanh',
        '--dataset',
        'MOONS',
        '--steps',
        '120',
        '--json',
      );
      expect(shouted.code, shouted.stderr).toBe(0);
      const [a, b] = [JSON.parse(lesson.stdout), JSON.parse(shouted.stdout)];
      expect(b.loss).toEqual(a.loss);
      expect(b.lr).toEqual(a.lr);
      expect([b.scheduler.type, b.optimizer.type, b.activation, b.data.type]).toEqual([
        'StepLR',
        'Adam',
        'tanh',
        'moons',
      ]);
      const summary = await runCli(
        'train',
        '--scheduler',
        'STEPLR',
        '--optimizer',
        'sgd',
        '--activation',
        'RELU',
        '--dataset',
        'Circles',
        '--steps',
        '10',
        '--quiet',
      );
      expect(summary.stdout).toMatch(
        new RegExp(
          /^anneal train — MLP 2-3-2 \(relu\), SGD lr=0\.01, /.source +
            /StepLR\(step_size=50, gamma=0\.99\), 10 steps, batch full, data: circles /.source,
        ),
      );
    },
  );

  it('--scheduler NONE and --batch-schedule stepbs(...) are read too', async () => {
    const none = JSON.parse((await runCli('train', '--scheduler', 'NONE', '--steps', '5', '--json')).stdout);
    expect(none.scheduler).toBeNull();
    expect(none.lr).toEqual([[0.01], [0.01], [0.01], [0.01], [0.01]]);
    const grown = await runCli(
      'train',
      '--batch-size',
      '5',
      '--batch-schedule',
      'stepbs(step_size=1, gamma=2)',
      '--steps',
      '6',
      '--json',
    );
    expect(grown.code, grown.stderr).toBe(0);
    const run = JSON.parse(grown.stdout);
    expect(run.batch_schedule).toEqual({ type: 'StepBS', args: { step_size: 1, gamma: 2 }, interval: 'epoch' });
    // 20 samples: 4 batches of 5 in epoch 0, 2 of 10 in epoch 1, then the whole 20.
    expect(run.batch_sizes).toEqual([5, 5, 5, 5, 10, 10]);
  });

  it('anneal schedule --scheduler STEPLR --optimizer sgd names them canonically', async () => {
    const { code, stdout } = await runCli(
      'schedule',
      '--scheduler',
      'STEPLR',
      '--optimizer',
      'sgd',
      '--step-size',
      '2',
      '--steps',
      '2',
    );
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('StepLR(step_size=2) over SGD, 2 steps');
  });

  it('an unknown name is still an error listing the canonical names', async () => {
    const cases: [string[], string][] = [
      [
        ['train', '--optimizer', 'adagrad'],
        "error: option '--optimizer <name>' argument 'adagrad' is invalid. " +
          'expected one of Adam, AdamW, SGD, got "adagrad"',
      ],
      [
        ['train', '--activation', 'Mish'],
        "error: option '--activation <name>' argument 'Mish' is invalid. " +
          'expected one of tanh, relu, sigmoid, leaky_relu, gelu, gelu_tanh, elu, silu, got "Mish"',
      ],
      [
        ['train', '--dataset', 'hexagons'],
        "error: option '--dataset <name>' argument 'hexagons' is invalid. " +
          'expected one of moons, circles, blobs, spirals, iris, digits, diabetes, got "hexagons"',
      ],
      [
        ['train', '--scheduler', 'warmup'],
        `unknown scheduler "warmup"; expected one of ${SCHEDULER_TYPES.join(', ')} (or lambda, multiplicative, step,`,
      ],
      [
        ['train', '--batch-size', '5', '--batch-schedule', 'GrowBS(gamma=2)'],
        'anneal train: error: --batch-schedule: unknown batch schedule "GrowBS"; ' +
          'expected one of StepBS, MultiStepBS, ExponentialBS, LambdaBS (or step,',
      ],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toContain(message);
    }
  });
});

describe('names in JSON configs', () => {
  const config = {
    sizes: [2, 3, 2],
    activation: 'tanh',
    data: { type: 'moons', n_samples: 20, noise: 0.2, seed: 0 },
    optimizer: { type: 'AdamW', groups: [{ lr: 0.01 }] },
    scheduler: {
      type: 'SequentialLR',
      args: {
        schedulers: [
          { type: 'LinearLR', args: { start_factor: 0.5, total_iters: 4 } },
          { type: 'StepLR', args: { step_size: 5, gamma: 0.5 } },
        ],
        milestones: [4],
      },
    },
    steps: 30,
    batch_size: 5,
    batch_schedule: { type: 'StepBS', args: { step_size: 2, gamma: 2, max_batch_size: 20 } },
    seed: 0,
  };
  const anyCase = {
    ...config,
    activation: 'TANH',
    data: { ...config.data, type: 'Moons' },
    optimizer: { ...config.optimizer, type: 'adamw' },
    scheduler: {
      type: 'sequentiallr',
      args: {
        schedulers: [
          { type: 'linearLR', args: { start_factor: 0.5, total_iters: 4 } },
          { type: 'steplr', args: { step_size: 5, gamma: 0.5 } },
        ],
        milestones: [4],
      },
    },
    batch_schedule: { ...config.batch_schedule, type: 'stepbs' },
  };

  it('anneal train --config reads every name in any casing and writes the canonical ones', async () => {
    const a = await runCli('train', '--config', writeJson('canonical.json', config), '--json');
    const b = await runCli('train', '--config', writeJson('any-case.json', anyCase), '--json');
    expect(b.code, b.stderr).toBe(0);
    const [ra, rb] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(rb.loss).toEqual(ra.loss);
    expect(rb.lr).toEqual(ra.lr);
    expect(rb.batch_sizes).toEqual(ra.batch_sizes);
    expect(rb.activation).toBe('tanh');
    expect(rb.data.type).toBe('moons');
    expect(rb.optimizer.type).toBe('AdamW');
    expect(rb.scheduler).toEqual(config.scheduler);
    expect(rb.batch_schedule.type).toBe('StepBS');
    const text = await runCli('train', '--config', writeJson('any-case.json', anyCase), '--quiet');
    expect(text.stdout).toMatch(
      new RegExp(
        /^anneal train — MLP 2-3-2 \(tanh\), AdamW lr=0\.01, /.source +
          /SequentialLR\(schedulers=\[\{"type":"LinearLR",.*\{"type":"StepLR",.*/.source +
          /StepBS\(step_size=2, gamma=2, max_batch_size=20\) per epoch from 5, data: moons /.source,
      ),
    );
  });

  it('anneal schedule --config too', async () => {
    const spec = {
      optimizer: { type: 'sgd', groups: [{ lr: 0.1 }], kwargs: { momentum: 0.9 } },
      scheduler: { type: 'onecyclelr', args: { max_lr: 0.1, total_steps: 10 } },
      steps: 3,
    };
    const lower = await runCli('schedule', '--config', writeJson('spec.json', spec));
    expect(lower.code, lower.stderr).toBe(0);
    expect(lower.stdout.split('\n')[0]).toBe('OneCycleLR(max_lr=0.1, total_steps=10) over SGD, 3 steps');
    const canonical = await runCli(
      'schedule',
      '--config',
      writeJson('spec2.json', {
        ...spec,
        optimizer: { ...spec.optimizer, type: 'SGD' },
        scheduler: { ...spec.scheduler, type: 'OneCycleLR' },
      }),
    );
    expect(lower.stdout).toBe(canonical.stdout);
  });

  it('an unknown name in a config is still refused, naming the key and the canonical names', async () => {
    const cases: [unknown, string][] = [
      [
        { ...config, optimizer: { type: 'adagrad', groups: [{ lr: 0.01 }] } },
        'optimizer.type: unknown optimizer "adagrad"; expected one of Adam, AdamW, SGD',
      ],
      [
        { ...config, scheduler: { type: 'warmuplr' } },
        `schedulerFromSpec: unknown scheduler type "warmuplr"; expected one of ${SCHEDULER_TYPES.join(', ')}`,
      ],
      [
        { ...config, activation: 'mish' },
        'activation: Invalid option: expected one of ' +
          '"tanh"|"relu"|"sigmoid"|"leaky_relu"|"gelu"|"gelu_tanh"|"elu"|"silu"',
      ],
    ];
    for (const [value, message] of cases) {
      const { code, stderr } = await runCli('train', '--config', writeJson('bad.json', value));
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(message);
    }
  });
});
