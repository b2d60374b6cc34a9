// The playground's "find lr" button (issue 14 part 1): the library's lrFind (fastai's lr_find range test) run in
// the worker on the run's model, optimizer and data as they are — before training or between two steps — its
// curve drawn on a log lr axis with the four suggestions, each of which can be put into the lr field. In Debian's
// Chromium, the page's lrs, losses, smoothed losses and suggestions are lrFind's in Node on the same setup, bit
// for bit; the run goes on after the test as if it had not been made.
//
// The page is built into a directory of this file's own (other browser tests may build at the same time).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crPow } from '../../src/data/correctly_rounded_math.ts';
import { makeMoons } from '../../src/data/datasets.ts';
import { parseRunConfig, runTraining } from '../../src/index.ts';
import { MLP } from '../../src/nn/models.ts';
import { Adam } from '../../src/optim/adam.ts';
import { prepareRun } from '../../src/train/run.ts';
import { type LrFindResult, lrFind } from '../../src/tuner/lr_find.ts';
import { useBuiltPlayground } from './built_playground.ts';

/** 100 moons, LogicNet 2-8-2, Adam lr 0.01, batches of 20, 300 steps. */
const QUERY = '?n=100&hidden=8&batch=20&steps=300&speed=max';
const config = {
  seed: 0,
  sizes: [2, 8, 2],
  activation: 'tanh',
  data: { type: 'moons', n_samples: 100, noise: 0.2, seed: 0 },
  optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
  scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } },
  steps: 300,
  batch_size: 20,
};

/** lrFind in Node on the same model, optimizer and data, written with the library's classes. */
function nodeLrFind(): LrFindResult {
  const data = makeMoons({ nSamples: 100, noise: 0.2, seed: 0 });
  const model = new MLP({ sizes: [2, 8, 2], activation: 'tanh', seed: 0 });
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  try {
    return lrFind({ model, optimizer, x: data, y: data.y, batchSize: 20, seed: 0 });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** lrFind in Node after `steps` steps of the run config, on the run's model and optimizer. */
function nodeLrFindAfter(steps: number): LrFindResult {
  const prepared = prepareRun(parseRunConfig(config));
  try {
    prepared.trainer.run(steps);
    const { model, optimizer, data } = prepared;
    return lrFind({ model, optimizer, x: data, y: data.y, batchSize: 20, seed: 0 });
  } finally {
    prepared.trainer.dispose();
    prepared.optimizer.dispose();
    prepared.model.dispose();
  }
}

const web = useBuiltPlayground('lr-find');
const open = (query: string) => web.open(query);

type Found = { step: number; result: LrFindResult } | null;

/** Clicks "find lr" and waits for the page's result of a range test at `step`. */
async function findLr(step: number): Promise<LrFindResult> {
  await web.page.click('#find-lr');
  await web.page.waitForSelector('#lr-find-box:not([hidden])');
  const read = () =>
    web.page.evaluate(() => (window as unknown as { playground: { lrFind(): Found } }).playground.lrFind());
  await expect.poll(async () => (await read())?.step).toBe(step);
  return (await read())!.result;
}

/** The numbers a range test reports, for comparing one with another. */
function numbers(r: LrFindResult) {
  const { lrs, losses, smoothedLosses, suggestions, stopReason, stopStep } = r;
  return { lrs, losses, smoothedLosses, suggestions, stopReason, stopStep };
}

/**
 * The closed forms of a range test with lrFind's defaults, given its losses: the lr of step i, 1e-7 · (10 /
 * 1e-7) ** (i / 100) (fastai's SchedExp), and the debiased smoothed loss (beta 0.98), with the power correctly
 * rounded (crPow, as the library computes it: Math.pow is not rounded alike by Node 20's V8 and Chromium's).
 */
function closedForms(losses: number[]): { lrs: number[]; smoothed: number[] } {
  const lrs = losses.map((_, i) => 1e-7 * crPow(10 / 1e-7, i / 100));
  let val = 0;
  const smoothed = losses.map((loss, i) => {
    val = 0.98 * val + (1 - 0.98) * loss;
    return val / (1 - crPow(0.98, i + 1));
  });
  return { lrs, smoothed };
}

/** The page's range test is Node's, bit for bit, lrs and smoothed losses included; Node's are the closed forms. */
function expectNodeNumbers(found: LrFindResult, node: LrFindResult): void {
  expect(numbers(found)).toEqual(numbers(node));
  const inNode = closedForms(node.losses);
  expect(node.lrs).toEqual(inNode.lrs);
  expect(node.smoothedLosses).toEqual(inNode.smoothed);
}

describe('find lr in Chromium', () => {
  it("before training: the curve and the four suggestions are Node's lrFind; a suggestion sets the lr", async () => {
    await open(QUERY);
    const found = await findLr(0);
    const node = nodeLrFind();
    expectNodeNumbers(found, node);
    expect(found.lrs).toHaveLength(node.lrs.length);
    expect(found.lrs[0]).toBe(1e-7); // fastai's defaults: 1e-7 to 10 over 100 steps
    expect(found.settings).toMatchObject({ numIter: 100, batchSize: 20, seed: 0 });
    for (const method of ['valley', 'slide', 'minimum', 'steep'] as const) {
      const s = node.suggestions[method];
      expect(s, method).not.toBeNull();
      const button = web.page.locator(`[data-key="use-${method}"]`);
      expect(await button.getAttribute('data-lr')).toBe(String(s!.lr));
      expect(await button.textContent()).toBe(`${method} ${Number(s!.lr.toPrecision(2))}`);
    }
    expect(await web.page.locator('#lr-find-chart canvas').count()).toBeGreaterThan(0);

    // The valley suggestion, to 2 digits, into the lr field and the link: a new run from step 0 with it.
    const valley = Number(node.suggestions.valley!.lr.toPrecision(2));
    await web.page.click('[data-key="use-valley"]');
    await web.page.waitForURL(new RegExp(`[?&]lr=${String(valley).replace('.', '\\.')}(&|$)`));
    await expect.poll(() => web.page.inputValue('[data-key="lr"]')).toBe(String(valley));
    // Another suggestion replaces it.
    const steep = Number(node.suggestions.steep!.lr.toPrecision(2));
    await web.page.click('[data-key="use-steep"]');
    await expect.poll(() => web.page.inputValue('[data-key="lr"]')).toBe(String(steep));
  });

  it("between training steps: Node's lrFind after the same steps; the run then goes on as if untouched", async () => {
    await open(QUERY);
    for (let i = 1; i <= 5; i++) {
      await web.page.click('#step');
      await web.page.waitForSelector(`#status[data-step="${i}"]`);
    }
    const found = await findLr(5);
    expectNodeNumbers(found, nodeLrFindAfter(5));
    expect(numbers(found)).not.toEqual(numbers(nodeLrFind())); // trained weights: another curve
    expect(await web.page.textContent('#lr-find-note')).toContain('lr from 1e-7 to 10');

    // The model and the optimizer were put back: the whole run is runTraining's, step for step.
    await web.page.click('#play');
    await web.page.waitForSelector('#status[data-done="true"]', { timeout: 60_000 });
    const [file] = await Promise.all([web.page.waitForEvent('download'), web.page.click('#export-run')]);
    const exported = JSON.parse(readFileSync((await file.path())!, 'utf8')) as { loss: number[]; final: unknown };
    const node = runTraining(parseRunConfig(config));
    expect(exported.loss).toEqual(node.loss);
    expect(exported.final).toEqual(node.final);
  });
});
