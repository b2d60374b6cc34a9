// The playground page in a real browser: builds the page (npm run build:web → dist/web), serves it on
// 127.0.0.1, and drives Debian's headless Chromium through playwright-core (it never downloads a browser of
// its own; playwright starts Chromium with a fresh temporary --user-data-dir). Every number the page shows or
// exports is checked against the same run in Node.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRunConfig, runTraining } from '../../src/index.ts';
import { launchChromium } from './chromium.ts';
import { serveStatic, type StaticServer } from './static_server.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOT = `${repo}build/playground.png`;

let server: StaticServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pageErrors: string[] = [];

interface ExportedRun {
  loss: number[];
  lr: number[][];
  momentum: number[][];
  final: unknown;
  final_loss: number;
  steps: number;
  name?: string;
}

/** Why the page could not be built or the browser started; every test reports it (none is skipped). */
let setupError: Error | null = null;

beforeAll(async () => {
  try {
    const build = spawnSync('npm', ['run', 'build:web'], { cwd: repo, encoding: 'utf8', timeout: 240_000 });
    if (build.status !== 0) throw new Error(`npm run build:web failed:\n${build.stdout}\n${build.stderr}`);
    server = await serveStatic(`${repo}dist/web`);
    browser = await launchChromium();
  } catch (err) {
    setupError = err as Error;
  }
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  if (setupError) throw setupError;
  context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('dialog', (d) => {
    pageErrors.push(`a dialog opened: ${d.message()}`);
    void d.dismiss();
  });
});

afterEach(async () => {
  if (setupError) return;
  await context.close();
  expect(pageErrors).toEqual([]);
});

async function open(query = ''): Promise<void> {
  await page.goto(`${server.url}/${query}`);
  await page.waitForSelector('#status[data-step="0"]');
}

async function playToEnd(): Promise<void> {
  await page.click('#play');
  await page.waitForSelector('#status[data-done="true"]', { timeout: 60_000 });
}

async function download(button: string): Promise<unknown> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return JSON.parse(readFileSync((await file.path())!, 'utf8'));
}

async function stat(name: string): Promise<string> {
  return (await page.textContent(`#status .stat[data-name="${name}"] b`)) ?? '';
}

async function setField(key: string, value: string): Promise<void> {
  const input = page.locator(`[data-key="${key}"]`);
  await input.fill(value);
  await input.press('Enter');
}

/** The lesson's run in Node: the reference for every comparison. */
const lessonConfig = {
  seed: 0,
  sizes: [2, 3, 2],
  activation: 'tanh',
  data: { type: 'moons', n_samples: 20, noise: 0.2, seed: 0 },
  optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
  scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } },
  steps: 1000,
};
const lesson = runTraining(parseRunConfig(lessonConfig));

describe('the playground page in Chromium', () => {
  it(
    "trains the lesson for 1000 steps with per-step loss and lr bit-identical to Node's, " +
      'and exports a config that Node replays',
    async () => {
      await open();
      expect(await stat('step')).toBe('0 / 1,000');
      expect(await stat('lr')).toBe('0.01');
      await playToEnd();
      expect(await stat('step')).toBe('1,000 / 1,000');
      expect(await stat('accuracy')).toBe('100.0 %');
      expect(await stat('loss')).toBe(String(Number(lesson.final_loss.toPrecision(6))));
      expect(await stat('lr')).toBe(String(Number(lesson.lr[999][0].toPrecision(6))));

      const run = (await download('#export-run')) as ExportedRun;
      expect(run.loss).toHaveLength(1000);
      expect(run.loss).toEqual(lesson.loss); // toEqual on numbers is Object.is: bit for bit
      expect(run.lr).toEqual(lesson.lr);
      expect(run.momentum).toEqual(lesson.momentum);
      expect(run.final).toEqual(lesson.final);
      expect(run.final_loss).toBe(lesson.final_loss);

      // The exported config is the lesson's, and Node gives the page's numbers from it.
      const config = (await download('#export-config')) as Record<string, unknown>;
      expect(config).toMatchObject({
        ...lessonConfig,
        optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
        batch_size: null,
        manual_decay: null,
      });
      const replay = runTraining(parseRunConfig(config));
      expect(replay.loss).toEqual(run.loss);
      expect(replay.lr).toEqual(run.lr);

      const weights = (await download('#export-weights')) as {
        step: number;
        state_dict: Record<string, number[][] | number[]>;
      };
      expect(weights.step).toBe(1000);
      expect(weights.state_dict['layers.0.weight']).toEqual(lesson.final[0].weight);
      expect(weights.state_dict['layers.1.bias']).toEqual(lesson.final[1].bias);

      // The link is the run.
      const url = new URL(page.url());
      expect(url.searchParams.get('sched')).toBe('StepLR');
      expect(url.searchParams.get('s.step_size')).toBe('50');

      await page.mouse.move(0, 0);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await page.waitForTimeout(400); // the charts redraw a few times a second
      mkdirSync(`${repo}build`, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(readFileSync(SCREENSHOT).subarray(1, 4).toString()).toBe('PNG');
      if (process.env.UPDATE_SCREENSHOT) copyFileSync(SCREENSHOT, `${repo}web/playground.png`);
    },
  );

  it(
    'changing a control changes the run: lr before the run, ' + 'lr during the run (from the next step), the dataset',
    async () => {
      await open('?speed=max');
      // lr before the first step: a new run, in the link, that Node reproduces from the exported config.
      await setField('lr', '0.05');
      await page.waitForURL(/[?&]lr=0\.05(&|$)/);
      await playToEnd();
      const fast = (await download('#export-run')) as ExportedRun;
      expect(fast.lr[0]).toEqual([0.05]);
      expect(fast.loss[0]).toBe(lesson.loss[0]); // same weights and data
      expect(fast.loss[1]).not.toBe(lesson.loss[1]); // a different step size
      const config = (await download('#export-config')) as Record<string, unknown>;
      expect(runTraining(parseRunConfig(config)).loss).toEqual(fast.loss);

      // lr during the run: three single steps, then a new lr, which applies from step 3 on.
      await page.click('#reset');
      await page.waitForSelector('#status[data-step="0"]');
      await setField('lr', '0.01');
      await page.waitForURL(/[?&]lr=0\.01(&|$)/);
      for (let i = 1; i <= 3; i++) {
        await page.click('#step');
        await page.waitForSelector(`#status[data-step="${i}"]`);
      }
      await setField('lr', '0.02');
      await page.waitForURL(/@3\.lr=0\.02/);
      await expect.poll(() => page.textContent('#edits')).toContain('from step 3: lr 0.02');
      await playToEnd();
      const edited = (await download('#export-run')) as ExportedRun;
      expect(edited.loss.slice(0, 3)).toEqual(lesson.loss.slice(0, 3));
      expect(edited.lr.slice(0, 4)).toEqual([[0.01], [0.01], [0.01], [0.02]]);
      expect(edited.lr[50]).toEqual([0.02 * 0.99]); // StepLR carries on from the new lr
      expect(edited.loss[4]).not.toBe(lesson.loss[4]);
      expect(edited.name).toMatch(/changed during the run \(before step 3\)/);

      // The link of that run replays it, change included.
      const link = page.url();
      await page.goto('about:blank');
      await page.goto(link);
      await page.waitForSelector('#status[data-step="0"]');
      await playToEnd();
      const replayed = (await download('#export-run')) as ExportedRun;
      expect(replayed.loss).toEqual(edited.loss);
      expect(replayed.lr).toEqual(edited.lr);

      // Another dataset: a new run on other points, drawn.
      const before = await page.locator('#boundary').screenshot();
      await page.click('[data-key="data-circles"]');
      await page.waitForURL(/data=circles&n=100/);
      await page.waitForSelector('#status[data-step="0"]');
      expect(await stat('step')).toBe('0 / 1,000');
      await playToEnd();
      expect(Number((await stat('accuracy')).replace(' %', ''))).toBeGreaterThan(60);
      expect((await page.locator('#boundary').screenshot()).equals(before)).toBe(false);
    },
  );

  it('test data %: 20 % of the points held out, drawn hollow, its loss and accuracy equal to Node', async () => {
    await open('?speed=max&n=100&steps=300');
    const plain = await page.locator('#boundary').screenshot();
    await setField('test', '20');
    await page.waitForURL(/[?&]test=20(&|$)/);
    await page.waitForSelector('#status[data-step="0"][data-test-loss]');
    expect((await page.locator('#boundary').screenshot()).equals(plain)).toBe(false);
    await playToEnd();
    const config = { ...lessonConfig, data: { ...lessonConfig.data, n_samples: 100 }, steps: 300 };
    const node = runTraining(parseRunConfig({ ...config, validation: { val_split: 0.2, seed: 0 } }));
    expect(Number(await page.getAttribute('#status', 'data-test-loss'))).toBe(node.final_val_loss);
    expect(await stat('test loss')).toBe(String(Number(node.final_val_loss!.toPrecision(6))));
    expect(await stat('test accuracy')).toBe(`${(100 * node.final_val_accuracy!).toFixed(1)} %`);
    expect(await stat('loss')).toBe(String(Number(node.final_loss.toPrecision(6))));
    const run = (await download('#export-run')) as ExportedRun & { final_val_loss: number };
    expect(run.loss).toEqual(node.loss);
    expect(run.final_val_loss).toBe(node.final_val_loss);
    const exported = (await download('#export-config')) as Record<string, unknown>;
    expect(exported.validation).toEqual({ val_split: 0.2, seed: 0 });
    expect(runTraining(parseRunConfig(exported)).evals).toEqual(node.evals);
  });

  it('regression data: the predicted value drawn as a heat map, the losses equal to Node', async () => {
    const query = '?data=gaussian&hidden=8,8&sched=none&steps=300&lr=0.03&speed=max';
    await open(query);
    await playToEnd();
    const { decodeState } = await import('../../web/src/url.ts');
    const { toRunConfig } = await import('../../web/src/state.ts');
    const config = toRunConfig(decodeState(query).state);
    expect(config.criterion).toEqual({ type: 'MSELoss', args: {} });
    const node = runTraining(parseRunConfig(config));
    const run = (await download('#export-run')) as ExportedRun;
    expect(run.loss).toEqual(node.loss);
    expect(await stat('loss')).toBe(String(Number(node.final_loss.toPrecision(6))));
    expect(await page.locator('#status .stat[data-name="accuracy"]').count()).toBe(0); // no accuracy
    // The heat map: many colours, orange and blue both (the bumps of ±1).
    const colours = await page.evaluate(() => {
      const canvas = document.getElementById('boundary') as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const seen = new Set<number>();
      let orange = 0;
      let blue = 0;
      for (let i = 0; i < data.length; i += 4) {
        seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        if (data[i] > data[i + 2] + 60) orange++;
        if (data[i + 2] > data[i] + 60) blue++;
      }
      return { distinct: seen.size, orange, blue };
    });
    expect(colours.distinct).toBeGreaterThan(200);
    expect(colours.orange).toBeGreaterThan(1000);
    expect(colours.blue).toBeGreaterThan(1000);
  });

  it('a real dataset (iris, 4 features): trained and charted, a note in place of the plane', async () => {
    await open('?data=iris&test=20&steps=200&speed=max');
    expect(await page.getAttribute('#boundary', 'data-planar')).toBe('false');
    expect(await page.textContent('[data-key="real-note"]')).toContain('150 samples of 4 features, 3 classes');
    await playToEnd();
    const config = { ...lessonConfig, sizes: [4, 3, 3], data: { type: 'iris' }, steps: 200 };
    const node = runTraining(parseRunConfig({ ...config, validation: { val_split: 0.2, seed: 0 } }));
    expect(Number(await page.getAttribute('#status', 'data-test-loss'))).toBe(node.final_val_loss);
    const run = (await download('#export-run')) as ExportedRun;
    expect(run.loss).toEqual(node.loss);
  });

  it('a bad URL parameter shows a clear message, and the page still works', async () => {
    await open('?lr=abc&data=hexagons&colour=red&speed=max');
    const message = page.locator('#message');
    await expect.poll(() => message.isVisible()).toBe(true);
    const text = (await message.textContent()) ?? '';
    expect(text).toContain('lr: expected a number >= 0, got "abc"');
    expect(text).toContain(
      'data: expected one of moons, circles, blobs, spirals, plane, gaussian, iris, digits, diabetes, got "hexagons"',
    );
    expect(text).toContain('colour: unknown parameter');
    expect(await stat('lr')).toBe('0.01'); // the lesson's value in place of the bad one
    await playToEnd();
    expect(await stat('accuracy')).toBe('100.0 %');

    // Values the URL can carry but the library refuses: the library's own message, the lesson instead.
    await open('?s.step_size=0');
    await expect
      .poll(() => page.textContent('#message-text'))
      .toContain('StepLR: stepSize (step_size) must be an integer >= 1, got 0');
    expect(await page.locator('[data-key="sched.step_size"]').inputValue()).toBe('50');

    // An expression is parsed by the library (never evaluated as JavaScript): a mistake is reported.
    await open('?sched=LambdaLR&s.lr_lambda=alert(1)');
    await expect.poll(() => page.textContent('#message-text')).toMatch(/alert/);
  });

  it('trains at 10 000 steps per second or more on the lesson model while drawing', async () => {
    await open('?speed=max&steps=200000');
    const start = Date.now();
    await playToEnd();
    const seconds = (Date.now() - start) / 1000;
    expect(await stat('step')).toBe('200,000 / 200,000');
    const measured = Number(await page.getAttribute('#status', 'data-steps-per-second'));
    expect(200_000 / seconds).toBeGreaterThanOrEqual(10_000);
    expect(measured).toBeGreaterThanOrEqual(10_000);
    // It drew while training: the boundary is painted and both charts have their canvases.
    expect(await page.locator('#loss-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#lr-chart canvas').count()).toBeGreaterThan(0);
  });
});
