#!/usr/bin/env node
// Builds build/anneal.wasm (release) and build/anneal.debug.wasm (bounds-checked) from assembly/ when a
// source is newer than the output. `npm install`, `npm test` and `npm run bench` call it; --force rebuilds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = [join(root, 'asconfig.json'), ...readdirSync(join(root, 'assembly')).map((f) => join(root, 'assembly', f))];
const newestSource = Math.max(...sources.map((f) => statSync(f).mtimeMs));
const force = process.argv.includes('--force');
const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');

const outputs = { release: join(root, 'build', 'anneal.wasm'), debug: join(root, 'build', 'anneal.debug.wasm') };
if (!existsSync(asc)) {
  // An install without devDependencies keeps whatever core it shipped with.
  if (Object.values(outputs).every(existsSync)) process.exit(0);
  console.error('build-wasm: AssemblyScript is not installed and build/ has no core; run `npm install` first.');
  process.exit(1);
}
for (const [target, out] of Object.entries(outputs)) {
  if (!force && existsSync(out) && statSync(out).mtimeMs >= newestSource) continue;
  console.log(`build-wasm: compiling ${target} target -> ${out}`);
  execFileSync(process.execPath, [asc, 'assembly/index.ts', '--target', target], { cwd: root, stdio: 'inherit' });
}
