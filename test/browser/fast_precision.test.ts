// precision: 'fast' in Chromium, which has relaxed SIMD: the page (the compiled library, dist/esm, with the
// README's import map) runs the fast build, and each training.json case trained there meets PyTorch's
// tolerances; the default build there gives Node's bits.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig, runTraining } from '../../src/index.ts';
import { type FastRun, trainFastAndDeterministic } from '../core/fast_precision_support.ts';
import training from '../fixtures/training.json' with { type: 'json' };
import { expectPyTorchTrajectory } from '../support/pytorch_trajectory.ts';
import { TRAINING_CONFIGS as CASES } from '../support/training_cases.ts';
import { launchChromium } from './chromium.ts';
import { serveStatic, type StaticServer } from './static_server.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>anneal, precision fast</title>
<script type="importmap">
  { "imports": { "anneal": "/dist/esm/index.js", "zod": "/node_modules/zod/index.js",
                 "fflate": "/node_modules/fflate/esm/browser.js",
                 "csv-parse/browser/esm/sync": "/node_modules/csv-parse/dist/esm/sync.js" } }
</script></head>
<body><script type="module">
import * as lib from 'anneal';
const train = ${trainFastAndDeterministic.toString()};
window.train = (cases) => ({ runs: train(lib, cases), default: lib.runTraining(lib.parseRunConfig(cases[1])).loss });
document.title = 'ready';
</script></body></html>
`;

let server: StaticServer | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  mkdirSync(join(repo, 'build'), { recursive: true });
  writeFileSync(join(repo, 'build', 'fast_precision.html'), PAGE);
  server = await serveStatic(repo);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("precision: 'fast' in Chromium", () => {
  it("runs the relaxed-SIMD build, within PyTorch's tolerances; the default build gives Node's bits", async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(String(err)));
    await page.goto(`${server!.url}/build/fast_precision.html`);
    await page.waitForFunction(() => document.title === 'ready');
    const result = (await page.evaluate(
      (cases) => (window as unknown as { train(c: unknown): unknown }).train(cases),
      CASES,
    )) as { runs: FastRun[]; default: number[] };
    expect(errors).toEqual([]);
    for (const run of result.runs) {
      expect(run.precision, run.name).toBe('fast');
      expectPyTorchTrajectory(run, training.cases.find((c) => c.name === run.name)!, run.name);
    }
    expect(result.default).toEqual(runTraining(parseRunConfig(CASES[1])).loss);
    await page.close();
  }, 120_000);
});
