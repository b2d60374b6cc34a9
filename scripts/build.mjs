#!/usr/bin/env node
// `npm run build`: the published package in dist/ — the library as ES modules (dist/esm) and CommonJS
// (dist/cjs), each with .d.ts types and declaration maps; the CLI as one esbuild bundle (dist/cli: one file
// to parse starts about twice as fast as ~150 modules and zod's ~100), whose chart renderer is a separate
// chunk loaded only to draw; and the core as a file (dist/anneal.wasm; the library carries it inline).
//
// `npm install` runs it (prepare); `npm start`, `npm test` and the benchmark run it with --if-stale, which
// builds only when a source is newer than dist/. It builds into a fresh sibling folder and swaps that in, so a
// reader of dist/ (a test, the CLI) sees the old build or the new one, never a half-written one.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.stamp');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const PARTS = ['esm', 'cjs', 'cli', 'anneal.wasm'];
const INPUTS = [
  'src',
  'assembly',
  'asconfig.json',
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.build.cjs.json',
  'scripts/build.mjs',
  'scripts/build-wasm.mjs',
];

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

function newestInput() {
  let time = 0;
  for (const input of INPUTS.map((p) => join(root, p))) {
    if (!existsSync(input)) continue;
    const files = statSync(input).isDirectory() ? walk(input) : [input];
    for (const file of files) if (!file.endsWith('.generated.ts')) time = Math.max(time, statSync(file).mtimeMs);
  }
  return time;
}

/** True when dist/ is missing a part or older than one of its inputs. */
export function isStale() {
  return (
    !existsSync(stamp) || !PARTS.every((p) => existsSync(join(dist, p))) || statSync(stamp).mtimeMs < newestInput()
  );
}

const run = (script, ...args) => execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });

async function buildInto(out) {
  run(tsc, '-p', 'tsconfig.build.json', '--outDir', join(out, 'esm'));
  run(tsc, '-p', 'tsconfig.build.cjs.json', '--outDir', join(out, 'cjs'));
  // tsc rewrites `./x.ts` to `./x.js` in JavaScript but keeps it in declarations; consumers resolving with
  // "nodenext" need `.js` (same length, so the declaration maps' columns still hold).
  for (const file of walk(out)) {
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    const fixed = text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g, '$1$2$3.js$2');
    if (fixed !== text) writeFileSync(file, fixed);
  }
  writeFileSync(join(out, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
  copyFileSync(join(root, 'build', 'anneal.wasm'), join(out, 'anneal.wasm'));
  // What every CLI bundle shares: Node ES modules with their dependencies inlined, but for those that find files
  // of their own at run time (echarts and resvg are loaded only to draw; bullmq finds its thread entry and piscina
  // its worker script beside their files, which bundling would lose).
  const nodeBundle = {
    outdir: join(out, 'cli'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    external: ['echarts', '@resvg/resvg-js', 'bullmq', 'ioredis', 'piscina'],
    // fflate's Node build imports the bare 'module' (for worker threads, which unzipSync never uses); its
    // browser build is the same code without it, so the bundle imports nothing but node: builtins.
    alias: { fflate: 'fflate/browser' },
    logLevel: 'warning',
    // Bundled CommonJS dependencies (commander, cli-progress) call require(): give the ES module one.
    banner: {
      js:
        "import { createRequire as __annealRequire } from 'node:module'; " +
        'const require = __annealRequire(import.meta.url);',
    },
  };
  await build({
    ...nodeBundle,
    // A sweep's worker threads load dist/cli/trial_worker.js (src/sweep/trial_pool.ts finds it beside bin.js).
    entryPoints: {
      bin: join(root, 'src', 'cli', 'bin.ts'),
      trial_worker: join(root, 'src', 'sweep', 'trial_worker.ts'),
    },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
  });
  chmodSync(join(out, 'cli', 'bin.js'), 0o755);
  // `anneal worker`'s BullMQ sandboxed processor, which BullMQ loads by file name in a thread of its own: an
  // entry of its own, dist/cli/queue_processor.js.
  await build({ ...nodeBundle, entryPoints: { queue_processor: join(root, 'src', 'sweep', 'queue_processor.ts') } });
}

/** Moves each part of `staged` into dist/, replacing the old one with one rename. */
function swapIn(staged) {
  mkdirSync(dist, { recursive: true });
  const old = join(root, `.dist-old-${process.pid}`);
  mkdirSync(old);
  for (const part of PARTS) {
    if (existsSync(join(dist, part))) renameSync(join(dist, part), join(old, part));
    renameSync(join(staged, part), join(dist, part));
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  rmSync(old, { recursive: true, force: true });
  rmSync(staged, { recursive: true, force: true });
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  run(join(root, 'scripts', 'build-wasm.mjs'));
  if (!process.argv.includes('--if-stale') || isStale()) {
    // Leftovers of a build that was killed (a running build's folders are left alone).
    for (const name of readdirSync(root)) {
      const pid = /^\.dist-(?:old|new)-(\d+)$/.exec(name)?.[1];
      if (pid && !isRunning(Number(pid))) rmSync(join(root, name), { recursive: true, force: true });
    }
    const staged = join(root, `.dist-new-${process.pid}`);
    await buildInto(staged);
    swapIn(staged);
  }
}
