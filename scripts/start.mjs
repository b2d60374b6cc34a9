#!/usr/bin/env node
// `npm start`: runs the compiled CLI (`anneal train` trains the lesson), building dist/ first when it is
// missing or older than a source (a fresh clone's `npm install` has already built it).
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
const run = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'bin.js'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exitCode = run.status ?? 1;
