import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, createEngine, type Engine, MLP, SGD } from '../../src/index.ts';
import { trainGradientCase } from '../support/gradient_case_run.ts';
import { trainW2Losses } from './threads_w2.ts';

/** Seeded features in [-1, 1) and labels, as a row-major matrix. */
function batch(rows: number, cols: number, classes: number, seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const data = Float32Array.from({ length: rows * cols }, () => next() * 2 - 1);
  const y = Int32Array.from({ length: rows }, () => Math.floor(next() * classes));
  return { x: { rows, cols, data }, y };
}

interface Run {
  losses: number[];
  weights: Float32Array[];
}

function train(sizes: number[], rows: number, steps: number, engine: Engine | undefined, sgd = false): Run {
  const model = new MLP({ sizes, activation: 'tanh', seed: 3, engine });
  const opt = sgd
    ? new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 })
    : new Adam(model.parameters(), { lr: 0.01 });
  const { x, y } = batch(rows, sizes[0], sizes[sizes.length - 1], 11);
  const losses = Array.from({ length: steps }, () => model.trainStep(x, y, opt));
  const weights = model.parameters().map((p) => Float32Array.from(p.data));
  opt.dispose();
  model.dispose();
  return { losses, weights };
}

function expectSameBits(a: Run, b: Run): void {
  expect(b.losses.map((v) => v.toString())).toEqual(a.losses.map((v) => v.toString()));
  expect(b.weights.length).toBe(a.weights.length);
  for (let i = 0; i < a.weights.length; i++) {
    expect(new Uint32Array(b.weights[i].buffer)).toEqual(new Uint32Array(a.weights[i].buffer));
  }
}

describe('an engine with two threads (createEngine({ threads: 2 }))', () => {
  let two: Engine;
  beforeAll(async () => {
    two = await createEngine({ threads: 2 });
  });
  afterAll(() => two.close());

  it('is the threads build with two threads', () => {
    expect(two.build).toBe('threads');
    expect(two.threads).toBe(2);
  });

  it('trains W2 (784-256-10, batch 128, Adam) to the same bits as one thread', () => {
    expectSameBits(train([784, 256, 10], 128, 4, undefined), train([784, 256, 10], 128, 4, two));
  });

  it('splits layers whose sizes are not multiples of 4 to the same bits (SGD with momentum, batch 37)', () => {
    expectSameBits(train([301, 130, 257, 10], 37, 3, undefined, true), train([301, 130, 257, 10], 37, 3, two, true));
  });

  it('trains the lesson (tiny layers, never split) to the same bits', () => {
    expectSameBits(trainGradientCase(), trainGradientCase(two));
  });

  it('allocates nothing per step', () => {
    const model = new MLP({ sizes: [784, 256, 10], activation: 'tanh', seed: 1, engine: two });
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const { x, y } = batch(128, 784, 10, 5);
    model.trainStep(x, y, opt);
    const bytes = two.memoryBytes;
    const inUse = two.bytesInUse;
    for (let i = 0; i < 5; i++) model.trainStep(x, y, opt);
    expect(two.memoryBytes).toBe(bytes);
    expect(two.bytesInUse).toBe(inUse);
    opt.dispose();
    model.dispose();
  });
});

describe('createEngine', () => {
  it('gives an ordinary single-thread engine by default', async () => {
    const one = await createEngine();
    expect(one.build).toBe('release');
    expect(one.threads).toBe(1);
    one.close();
  });

  it('refuses a thread count that is not a positive integer', async () => {
    await expect(createEngine({ threads: 0 })).rejects.toThrow(/threads/);
    await expect(createEngine({ threads: 1.5 })).rejects.toThrow(/threads/);
  });

  it('keeps training, to the same bits, after close() ends the helpers', async () => {
    const engine = await createEngine({ threads: 2 });
    const before = train([784, 256, 10], 64, 2, engine);
    engine.close();
    expect(engine.threads).toBe(1);
    expectSameBits(before, train([784, 256, 10], 64, 2, engine));
  });
});

describe('createEngine from an ES-module one-liner (node --input-type=module -e)', () => {
  it('starts its helper there too, and trains W2 to the bits of one thread', () => {
    // The helper is a worker of eval'd code, which inherits --input-type=module: it must not need require.
    const script =
      "import { createEngine } from './src/index.ts'; import { trainW2Losses } from './test/core/threads_w2.ts';" +
      'const e = await createEngine({ threads: 2 });' +
      'process.stdout.write(JSON.stringify({ threads: e.threads, losses: trainW2Losses(e) })); e.close();';
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    const got = JSON.parse(child.stdout) as { threads: number; losses: number[] };
    expect(got.threads).toBe(2);
    expect(got.losses).toEqual(trainW2Losses(undefined));
  });
});
