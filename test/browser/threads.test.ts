// createEngine({ threads: 2 }) in Chromium: on a cross-origin isolated page a Web Worker helper trains W2 to the
// single-thread bits; on a page that is not isolated, createEngine refuses and says why. The library is bundled
// for the browser with esbuild and served with or without the COOP / COEP headers.
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.ts';

const PAGE = `<!doctype html><meta charset="utf-8"><title>threads</title>
<script type="module">
import { createEngine, MLP, Adam } from '/anneal.js';
function batch(rows, cols, classes, seed) {
  let s = seed >>> 0;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  const data = Float32Array.from({ length: rows * cols }, () => next() * 2 - 1);
  const y = Int32Array.from({ length: rows }, () => Math.floor(next() * classes));
  return { x: { rows, cols, data }, y };
}
function train(engine) {
  const model = new MLP({ sizes: [784, 256, 10], activation: 'tanh', seed: 3, engine });
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const { x, y } = batch(128, 784, 10, 11);
  const losses = Array.from({ length: 5 }, () => model.trainStep(x, y, opt));
  const weights = model.parameters().map((p) => Array.from(new Uint32Array(Float32Array.from(p.data).buffer)));
  return JSON.stringify({ losses, weights });
}
try {
  const one = await createEngine();
  const two = await createEngine({ threads: 2 });
  window.result = { isolated: crossOriginIsolated, threads: two.threads, same: train(one) === train(two) };
  two.close();
} catch (e) {
  window.result = { isolated: crossOriginIsolated, error: String(e) };
}
</script>`;

let server: Server;
let browser: Browser;
let base = '';

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [new URL('../../src/index.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const js = bundle.outputFiles[0].contents;
  server = createServer((req, res) => {
    const isolated = req.url?.startsWith('/isolated') ?? false;
    const headers: Record<string, string> = isolated
      ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
      : {};
    if (req.url === '/anneal.js') {
      res.writeHead(200, {
        ...headers,
        'content-type': 'text/javascript',
        'cross-origin-resource-policy': 'same-origin',
      });
      res.end(js);
    } else if (req.url === '/isolated' || req.url === '/plain') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html' });
      res.end(PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

async function resultOf(path: string): Promise<Record<string, unknown>> {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}${path}`);
    await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
    return await page.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result);
  } finally {
    await page.close();
  }
}

describe('createEngine({ threads: 2 }) in Chromium', () => {
  it('trains W2 to the single-thread bits with a Web Worker helper on a cross-origin isolated page', async () => {
    expect(await resultOf('/isolated')).toEqual({ isolated: true, threads: 2, same: true });
  }, 90_000);

  it('refuses on a page that is not cross-origin isolated, saying which headers it needs', async () => {
    const result = await resultOf('/plain');
    expect(result.isolated).toBe(false);
    expect(result.error).toMatch(/cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin/);
  }, 90_000);
});
