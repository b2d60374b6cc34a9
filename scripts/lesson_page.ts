// `npm run docs:lesson`: runs every command of docs/lesson.md with the compiled CLI (building dist/ first when
// it is stale), keeps the numbers the page quotes in docs/lesson/numbers.json and writes the page from them, so
// every picture and number on it is the tool's own. Each command runs exactly as the page shows it, plus `--json`
// where the page quotes its numbers (the pictures do not depend on it).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LESSON_COMMANDS, type LessonPart, lessonNumbers, lessonPage, shown } from './lesson_page_text.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'bin.js');

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
const outputs: Partial<Record<LessonPart, unknown>> = {};
for (const [part, { args, json }] of Object.entries(LESSON_COMMANDS) as [
  LessonPart,
  { args: string[]; json?: boolean },
][]) {
  process.stderr.write(`$ ${shown(args)}\n`);
  const out = execFileSync(process.execPath, [cli, ...args, ...(json ? ['--json'] : [])], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (json) outputs[part] = JSON.parse(out);
}
// The trained models are not part of the page.
for (const dir of ['docs/lesson', 'docs/lesson/manual-decay', 'docs/lesson/fine-tune'])
  rmSync(join(root, dir, 'model.safetensors'), { force: true });
const read = (file: string): unknown => JSON.parse(readFileSync(join(root, file), 'utf8'));
outputs.constant = read('docs/lesson/constant-lrs/results.json');
outputs.batch = read('docs/lesson/batch-vs-decay/results.json');
const numbers = lessonNumbers(outputs as Record<LessonPart, unknown>);
writeFileSync(join(root, 'docs', 'lesson', 'numbers.json'), `${JSON.stringify(numbers, null, 2)}\n`);
writeFileSync(join(root, 'docs', 'lesson.md'), lessonPage(numbers));
process.stderr.write('wrote docs/lesson.md and docs/lesson/numbers.json\n');
