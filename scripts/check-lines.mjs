#!/usr/bin/env node
// Fails when a tracked source line is longer than 120 characters. Biome formats code to that width but leaves
// long strings and comments alone, and it does not read assembly/ (AssemblyScript's function decorators are
// not TypeScript), so this holds the limit for every source file.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const LIMIT = 120;
const files = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs', '*.js', '*.css', '*.html'],
  {
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((f) => f && !f.startsWith('docs/') && !f.endsWith('.generated.ts'))
  // A tracked file deleted in the work tree (not yet committed) has no lines to check.
  .filter((f) => existsSync(f));
const long = [];
for (const file of files) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > LIMIT) long.push(`${file}:${i + 1}: ${line.length} characters`);
    });
}
if (long.length) {
  console.error(`${long.length} lines longer than ${LIMIT} characters:\n${long.join('\n')}`);
  process.exit(1);
}
