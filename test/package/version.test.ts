import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.ts';
import { runCli } from '../cli/run_cli.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('version', () => {
  it("src/version.ts is package.json's version, and `anneal --version` prints it", async () => {
    expect(VERSION).toBe(pkg.version);
    const { code, stdout } = await runCli('--version');
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });
});
