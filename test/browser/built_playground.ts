// The playground built into a directory of the calling test file's own (other browser tests may build at the same
// time), served on 127.0.0.1 and driven in Debian's Chromium through playwright-core: a fresh page per test, whose
// uncaught errors fail the test. A setup that fails (no Chromium, a failed build) fails every test with its
// reason; none is skipped.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchChromium } from './chromium.ts';
import { serveStatic, type StaticServer } from './static_server.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** The current test's page and the server of the built playground. */
export interface BuiltPlayground {
  /** This test's page (a new browser context per test). */
  readonly page: Page;
  /** The static server of the built page. */
  readonly server: StaticServer;
  /** Opens the playground at `query` (`?steps=20&speed=max`) and waits until it shows step 0. */
  open(query: string): Promise<void>;
}

function node(args: string[]): void {
  const r = spawnSync(process.execPath, args, { cwd: repo, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * Registers the hooks that build and serve the playground (once) and open a page (per test) in the calling scope.
 * @param tag names the build directory (`anneal-web-<tag>-…`)
 * @param onPage runs on each new page before the test (an init script, say)
 */
export function useBuiltPlayground(tag: string, onPage?: (page: Page) => Promise<void>): BuiltPlayground {
  let outDir = '';
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let pageErrors: string[] = [];
  let setupError: Error | null = null;

  beforeAll(async () => {
    try {
      outDir = mkdtempSync(join(tmpdir(), `anneal-web-${tag}-`));
      node(['scripts/build-wasm.mjs']);
      node(['node_modules/vite/bin/vite.js', 'build', '--config', 'web/vite.config.ts', '--outDir', outDir]);
      server = await serveStatic(outDir);
      browser = await launchChromium();
    } catch (err) {
      setupError = err as Error;
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    if (setupError || !browser) throw setupError ?? new Error('the browser did not start');
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await onPage?.(page);
  });

  afterEach(async () => {
    if (setupError) return;
    await context?.close();
    expect(pageErrors).toEqual([]);
  });

  const built: BuiltPlayground = {
    get page() {
      if (!page) throw new Error('no page: useBuiltPlayground gives one inside a test');
      return page;
    },
    get server() {
      if (!server) throw new Error('no server: the playground was not built');
      return server;
    },
    async open(query: string) {
      await built.page.goto(`${built.server.url}/${query}`);
      await built.page.waitForSelector('#status[data-step="0"]');
    },
  };
  return built;
}
