import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LESSON_COMMANDS,
  type LessonNumbers,
  type LessonPart,
  lessonNumbers,
  lessonPage,
  shown,
} from '../../scripts/lesson_page_text.ts';
import { runCli } from '../cli/run_cli.ts';

// docs/lesson.md is written by `npm run docs:lesson` from the numbers its commands printed
// (docs/lesson/numbers.json). These tests check that the page is those numbers, that they are what the
// commands print today (the quick ones are rerun), and that every picture it shows is there.

const root = new URL('../../', import.meta.url);
const page = readFileSync(new URL('docs/lesson.md', root), 'utf8');
const numbers = JSON.parse(readFileSync(new URL('docs/lesson/numbers.json', root), 'utf8')) as LessonNumbers;
const readJson = (file: string) => JSON.parse(readFileSync(new URL(file, root), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'anneal-lesson-'));

/** A page command with its --out pointed into a temporary folder, and --json. */
async function rerun(part: LessonPart): Promise<unknown> {
  const args = [...LESSON_COMMANDS[part].args];
  const out = args.indexOf('--out');
  args[out + 1] = join(tmp, part + (args[out + 1].endsWith('.png') ? '.png' : ''));
  const { code, stdout, stderr } = await runCli(...args, '--json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

describe('docs/lesson.md', () => {
  it('is lessonPage of its numbers, every command shown in the order it runs', () => {
    expect(page).toBe(lessonPage(numbers));
    let at = 0;
    for (const { args } of Object.values(LESSON_COMMANDS)) {
      const next = page.indexOf(`\`\`\`sh\n${shown(args)}\n\`\`\``, at);
      expect(next).toBeGreaterThan(at);
      at = next;
    }
  });

  it('shows pictures that are there', () => {
    const pictures = [...page.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    expect(pictures.length).toBeGreaterThanOrEqual(10);
    for (const p of pictures) expect(existsSync(new URL(`docs/${p}`, root)), p).toBe(true);
  });

  it("quotes the comparisons' own results.json", () => {
    const fromFiles = lessonNumbers({
      ...({} as Record<LessonPart, unknown>),
      steplr: { lr: [[0]] },
      manual: { lr: [[0]] },
      fineTune: { lr: [[0]] },
      finder: { spread: {} },
      constant: readJson('docs/lesson/constant-lrs/results.json'),
      batch: readJson('docs/lesson/batch-vs-decay/results.json'),
    });
    expect(fromFiles.constant).toEqual(numbers.constant);
    expect(fromFiles.batch).toEqual(numbers.batch);
  });

  it('quotes what the train and lr-find commands print today, number for number', async () => {
    const fresh = lessonNumbers({
      steplr: await rerun('steplr'),
      manual: await rerun('manual'),
      fineTune: await rerun('fineTune'),
      finder: await rerun('finder'),
      constant: readJson('docs/lesson/constant-lrs/results.json'),
      batch: readJson('docs/lesson/batch-vs-decay/results.json'),
    });
    expect(fresh).toEqual(numbers);
    // The closed forms the page states: StepLR's last lr 0.01 × 0.99^19, the hand-written decay's 0.01 × 0.99^20.
    expect(numbers.steplr.last_lr[0]).toBeCloseTo(0.01 * 0.99 ** 19, 15);
    expect(numbers.manual.last_lr[0]).toBeCloseTo(0.01 * 0.99 ** 20, 15);
    expect(numbers.fineTune.first_lr).toEqual([0.001, 0.02 * (1 / 20)]);
  });

  it("is linked from the README's lesson section", () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(readme).toContain('[docs/lesson.md](docs/lesson.md)');
    expect(readme).toContain('`npm run docs:lesson`');
  });
});
