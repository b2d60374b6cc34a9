// Fine-tuning in the playground (issue 14 part 4): one param group per layer (`groups=layer`, the run config's
// group_by_layer), each with its own lr (`lr=0.001,0.02`) and, with LambdaLR, its own lambda (`s.lr_lambda.0`,
// `s.lr_lambda.1`), one lr curve per group. The URL codec is checked in Node; the page in Debian's Chromium:
// every step's lr of each group against the closed form base_lr × lambda(epoch), the final loss and weights
// against the same run config run by the library in Node, bit for bit.
//
// The page is built into a directory of this file's own (other browser tests may build at the same time).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crPow } from '../../src/data/correctly_rounded_math.ts';
import { parseRunConfig, runTraining } from '../../src/index.ts';
import { PlaygroundRun } from '../../web/src/run.ts';
import { lessonState, toRunConfig } from '../../web/src/state.ts';
import { decodeState, encodeState } from '../../web/src/url.ts';
import { useBuiltPlayground } from './built_playground.ts';

const LAMBDAS = ['0.99 ** epoch', 'min(1, (epoch + 1) / 20)'];
/** The closed forms of the two lambdas, written out in JavaScript (`**` correctly rounded, as the library does). */
const CLOSED = [(epoch: number) => crPow(0.99, epoch), (epoch: number) => Math.min(1, (epoch + 1) / 20)];
const BASE = [0.001, 0.02];
const STEPS = 200;
const QUERY =
  `?hidden=6&groups=layer&lr=${BASE.join(',')}&sched=LambdaLR` +
  LAMBDAS.map((l, i) => `&s.lr_lambda.${i}=${encodeURIComponent(l)}`).join('') +
  `&steps=${STEPS}&speed=max`;

/** The same run, as a run config written by hand: LogicNet 2-6-2 on the lesson's moons, two param groups. */
const config = {
  seed: 0,
  sizes: [2, 6, 2],
  activation: 'tanh',
  data: { type: 'moons', n_samples: 20, noise: 0.2, seed: 0 },
  group_by_layer: true,
  optimizer: { type: 'Adam', groups: BASE.map((lr) => ({ lr })) },
  scheduler: { type: 'LambdaLR', args: { lr_lambda: LAMBDAS } },
  steps: STEPS,
};
const node = runTraining(parseRunConfig(config));
/** lr[i][g]: group g's lr at step i, in closed form. */
const closed = Array.from({ length: STEPS }, (_, i) => BASE.map((base, g) => base * CLOSED[g](i)));

describe('param groups per layer in the URL', () => {
  it('groups=layer, one lr per layer and one lambda per group round-trip; the lesson leaves them out', () => {
    const { state, problems } = decodeState(QUERY);
    expect(problems).toEqual([]);
    expect(state.groups).toBe('layer');
    expect(state.schedule.lrs).toEqual(BASE);
    expect(state.schedule.scheduler.args.lr_lambda).toEqual(LAMBDAS);
    const text = encodeState(state);
    expect(text).toContain('&opt=Adam&groups=layer&lr=0.001,0.02&');
    expect(text).toContain('&sched=LambdaLR&s.lr_lambda.0=0.99%20**%20epoch&s.lr_lambda.1=min(1,%20(epoch');
    expect(decodeState(text)).toEqual({ state, problems: [] });
    expect(encodeState(lessonState())).not.toContain('groups=');
    // The page's run config is the one written by hand.
    expect(toRunConfig(state)).toMatchObject(config);
  });

  it('one lr or one lambda for every group is taken as such; a new layer takes the last lr and lambda', () => {
    const one = decodeState('?groups=layer&hidden=4,4&lr=0.05&sched=LambdaLR&s.lr_lambda=0.9%20**%20epoch');
    expect(one.problems).toEqual([]);
    expect(one.state.schedule.lrs).toEqual([0.05, 0.05, 0.05]);
    expect(one.state.schedule.scheduler.args.lr_lambda).toEqual(['0.9 ** epoch', '0.9 ** epoch', '0.9 ** epoch']);
    const grown = decodeState(QUERY).state;
    grown.network.hidden.push(5);
    const run = new PlaygroundRun(grown);
    expect(run.state.schedule.lrs).toEqual([0.001, 0.02, 0.02]);
    expect(run.state.schedule.scheduler.args.lr_lambda).toEqual([...LAMBDAS, LAMBDAS[1]]);
    run.dispose();
  });

  it('refuses a count that is not the layers’, an expression with an unknown name, per-group lambdas alone', () => {
    const bad = decodeState(
      `?groups=layer&lr=0.1,0.2,0.3&sched=LambdaLR&s.lr_lambda.0=${encodeURIComponent('foo * epoch')}` +
        '&s.lr_lambda.1=1&s.lr_lambda.2=1',
    );
    expect(bad.problems).toEqual([
      'lr: expected 2 comma-separated numbers >= 0, one per layer (groups=layer, 2 layers), or one for all, ' +
        'got "0.1,0.2,0.3"',
      's.lr_lambda.2: expected one expression per param group, s.lr_lambda.0 to s.lr_lambda.1 ' +
        '(groups=layer: 2 layers), got s.lr_lambda.0, s.lr_lambda.1, s.lr_lambda.2',
      's.lr_lambda.0: expected an expression in epoch, got "foo * epoch": Unknown name \'foo\' (allowed: epoch, ' +
        'pi, e and the functions min, max, floor, ceil, sqrt, exp, log, cos, sin, abs) at column 1',
    ]);
    // In their place: the lesson's lr for every group, the page's starting lambda for group 0.
    expect(bad.state.schedule.lrs).toEqual([0.01, 0.01]);
    expect(bad.state.schedule.scheduler.args.lr_lambda).toEqual(['0.99 ** (epoch // 50)', '1']);
    expect(decodeState('?groups=all').problems).toEqual(['groups: expected one of one, layer, got "all"']);
    expect(decodeState('?sched=LambdaLR&s.lr_lambda.0=1&s.lr_lambda.1=1').problems).toEqual([
      's.lr_lambda.0: one lambda per param group needs groups=layer; with one param group give s.lr_lambda, ' +
        'got 2 lambdas',
    ]);
  });

  it('a change during the run sets each group’s lr (`@STEP.lr=…`), and the link replays it', () => {
    const { state } = decodeState(QUERY);
    const run = new PlaygroundRun(state);
    run.advance(50);
    const edited = run.changeSchedule({ ...state.schedule, lr: 0.004, lrs: [0.004, 0.03] });
    while (!run.done) run.advance(64);
    const rec = run.takeRecord();
    run.dispose();
    expect(encodeState(edited)).toContain('&@50.lr=0.004,0.03');
    // LambdaLR keeps its initial lrs: the new lrs hold until its next step sets base_lr × lambda again.
    expect([rec.lrs[0][50], rec.lrs[1][50]]).toEqual([0.004, 0.03]);
    expect([rec.lrs[0][51], rec.lrs[1][51]]).toEqual([0.001 * crPow(0.99, 51), 0.02]);
    const replay = new PlaygroundRun(decodeState(encodeState(edited)).state);
    while (!replay.done) replay.advance(1000);
    expect(replay.takeRecord()).toEqual(rec);
    replay.dispose();
  });
});

// The page in Chromium ---------------------------------------------------------------------------------------

describe('param groups per layer in Chromium', () => {
  const web = useBuiltPlayground('groups');
  const open = (query: string) => web.open(query);

  async function download(button: string): Promise<unknown> {
    const [file] = await Promise.all([web.page.waitForEvent('download'), web.page.click(button)]);
    return JSON.parse(readFileSync((await file.path())!, 'utf8'));
  }

  interface Line {
    name: string;
    data: [number, number][];
  }

  /** The lr chart's lines as the page drew them. */
  function lrLines(): Promise<Line[]> {
    return web.page.evaluate(() => (window as unknown as { playground: { lrLines(): Line[] } }).playground.lrLines());
  }

  it('one lr curve per layer, base_lr × lambda(epoch); loss and weights are Node’s bit for bit', async () => {
    await open(QUERY);
    expect(await web.page.inputValue('[data-key="groups"]')).toBe('layer');
    expect(await web.page.inputValue('[data-key="lr.0"]')).toBe('0.001');
    expect(await web.page.inputValue('[data-key="lr.1"]')).toBe('0.02');
    expect(await web.page.inputValue('[data-key="sched.lr_lambda.0"]')).toBe(LAMBDAS[0]);
    expect(await web.page.inputValue('[data-key="sched.lr_lambda.1"]')).toBe(LAMBDAS[1]);
    expect(await web.page.locator('[data-key="lr"]').count()).toBe(0); // no single lr field
    // The closed form base_lr × lambda(epoch), computed in Node: the expression's `**` is crPow, correctly
    // rounded, so the page's engine gives the same bits (Math.pow would not: Node 20's V8 and Chromium's differ).
    expect(closed[10]).toEqual([BASE[0] * crPow(0.99, 10), BASE[1] * (11 / 20)]);
    const asLine = (lrs: number[][], g: number) => lrs.map((lr, i) => [i, lr[g]]);
    // Before the first step: the whole schedule, dashed, one line per group, already the closed form.
    await expect.poll(async () => (await lrLines()).filter((l) => l.name === 'schedule').length).toBe(2);
    const coming = (await lrLines()).filter((l) => l.name === 'schedule');
    coming.forEach((line, g) => expect(line.data).toEqual(asLine(closed, g)));

    await web.page.click('#play');
    await web.page.waitForSelector('#status[data-done="true"]', { timeout: 60_000 });
    // The legend names the layers; every step's lr of each group is the closed form, to the last bit.
    await expect
      .poll(async () => (await lrLines()).map((l) => [l.name, l.data.length]))
      .toEqual([
        ['lr, layers.0 (2→6)', STEPS],
        ['lr, layers.1 (6→2)', STEPS],
        ['schedule', STEPS],
        ['schedule', STEPS],
      ]);
    const lines = await lrLines();
    for (const g of [0, 1]) expect(lines[g].data).toEqual(asLine(closed, g));
    const last = closed[STEPS - 1].map((v) => String(Number(v.toPrecision(6)))).join(', ');
    expect(await web.page.textContent('#status .stat[data-name="lr"] b')).toBe(last);

    // The page's run, exported: every step's lrs the closed form, and the loss of every step, the final loss and
    // the final weights those of the Node run of the config written by hand, bit for bit.
    const exported = (await download('#export-run')) as {
      lr: number[][];
      loss: number[];
      final: unknown;
      final_loss: number;
    };
    expect(exported.lr).toEqual(closed);
    expect(exported.lr).toEqual(node.lr);
    expect(exported.loss).toEqual(node.loss);
    expect(exported.final).toEqual(node.final);
    expect(exported.final_loss).toBe(node.final_loss);
    const exportedConfig = (await download('#export-config')) as Record<string, unknown>;
    expect(exportedConfig).toMatchObject(config);
  });

  it('the control switches to one group per layer and back, in the link', async () => {
    await open('?speed=max&steps=100');
    await web.page.selectOption('[data-key="groups"]', 'layer');
    await web.page.waitForURL(/&groups=layer&lr=0\.01,0\.01&/);
    await web.page.waitForSelector('[data-key="lr.1"]');
    const input = web.page.locator('[data-key="lr.1"]');
    await input.fill('0.05');
    await input.press('Enter');
    await web.page.waitForURL(/&lr=0\.01,0\.05&/);
    await web.page.selectOption('[data-key="sched"]', 'LambdaLR');
    await web.page.waitForURL(/s\.lr_lambda\.1=/);
    await web.page.click('#play');
    await web.page.waitForSelector('#status[data-done="true"]', { timeout: 60_000 });
    const exported = (await download('#export-run')) as { lr: number[][]; loss: number[] };
    const same = runTraining(
      parseRunConfig({
        ...config,
        sizes: [2, 3, 2],
        optimizer: { type: 'Adam', groups: [{ lr: 0.01 }, { lr: 0.05 }] },
        scheduler: { type: 'LambdaLR', args: { lr_lambda: '0.99 ** (epoch // 50)' } },
        steps: 100,
      }),
    );
    expect(exported.lr).toEqual(same.lr);
    expect(exported.loss).toEqual(same.loss);
    await web.page.selectOption('[data-key="groups"]', 'one');
    await web.page.waitForURL((url) => !url.search.includes('groups=') && url.search.includes('&lr=0.01&'));
    expect(await web.page.locator('[data-key="lr"]').count()).toBe(1);
  });

  it('a bad link (3 lrs for 2 layers, an unknown name) gives a clear message and a run that works', async () => {
    await open(
      `?groups=layer&lr=0.1,0.2,0.3&sched=LambdaLR&s.lr_lambda.0=${encodeURIComponent('foo * epoch')}` +
        '&s.lr_lambda.1=1&steps=50&speed=max',
    );
    await expect.poll(() => web.page.locator('#message').isVisible()).toBe(true);
    const text = (await web.page.textContent('#message-text')) ?? '';
    expect(text).toContain(
      'lr: expected 2 comma-separated numbers >= 0, one per layer (groups=layer, 2 layers), or one for all, ' +
        'got "0.1,0.2,0.3"',
    );
    expect(text).toContain('s.lr_lambda.0: expected an expression in epoch, got "foo * epoch": Unknown name \'foo\'');
    expect(await web.page.inputValue('[data-key="lr.0"]')).toBe('0.01');
    await web.page.click('#play');
    await web.page.waitForSelector('#status[data-done="true"]', { timeout: 60_000 });
    // The lesson's lr for both groups; lambda 0 the page's starting one (1 up to epoch 49), lambda 1 the link's.
    expect(await web.page.textContent('#status .stat[data-name="lr"] b')).toBe('0.01, 0.01');
  });
});
