import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWritableDir, recoverOutputDir, writeFilesAtomic } from '../../src/report/output_dir.ts';

/** A pid no process has: what a killed writer leaves in its temporary names. */
const DEAD = 2 ** 22 + 7;

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'anneal-out-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const contents = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );

describe('--out folders: the whole new set or the whole old set', () => {
  it('a run killed while writing left temporary files: the next write removes them, the old set stays', () => {
    const dir = folderWith({ 'loss.svg': 'old loss', 'run.json': 'old run', [`.loss.svg.tmp-${DEAD}`]: 'half a new' });
    recoverOutputDir(dir);
    expect(contents(dir)).toEqual({ 'loss.svg': 'old loss', 'run.json': 'old run' });
  });

  it('a run killed between the renames: its journal completes them, so the folder holds the new set', () => {
    const dir = folderWith({
      'loss.svg': 'new loss', // renamed before the kill
      'run.json': 'old run',
      [`.run.json.tmp-${DEAD}`]: 'new run',
    });
    const journal = [
      { tmp: join(dir, `.loss.svg.tmp-${DEAD}`), path: join(dir, 'loss.svg') },
      { tmp: join(dir, `.run.json.tmp-${DEAD}`), path: join(dir, 'run.json') },
    ];
    writeFileSync(join(dir, '.anneal-journal.json'), JSON.stringify(journal));
    ensureWritableDir(dir); // every --out run starts here
    expect(contents(dir)).toEqual({ 'loss.svg': 'new loss', 'run.json': 'new run' });
  });

  it('a journal never renames anything outside its folder', () => {
    const outside = folderWith({ 'victim.txt': 'keep' });
    const dir = folderWith({});
    const journal = [{ tmp: join(outside, 'victim.txt'), path: join(dir, 'stolen.txt') }];
    writeFileSync(join(dir, '.anneal-journal.json'), JSON.stringify(journal));
    recoverOutputDir(dir);
    expect(existsSync(join(outside, 'victim.txt'))).toBe(true);
    expect(contents(dir)).toEqual({});
  });

  it('a complete write leaves exactly the new files and no journal or temporaries', () => {
    const dir = folderWith({ 'loss.svg': 'old' });
    writeFilesAtomic(dir, [
      { name: 'loss.svg', contents: 'new' },
      { name: 'runs/a.json', contents: '{}' },
    ]);
    expect(readdirSync(dir).sort()).toEqual(['loss.svg', 'runs']);
    expect(readFileSync(join(dir, 'loss.svg'), 'utf8')).toBe('new');
    expect(readdirSync(join(dir, 'runs'))).toEqual(['a.json']);
  });

  it('a file already written to a temporary name (history.csv, streamed) is renamed with the rest', () => {
    const dir = folderWith({ 'history.csv': 'old history', 'run.json': 'old run' });
    const tmp = join(dir, `.history.csv.tmp-${process.pid}`);
    writeFileSync(tmp, 'step,lr\n0,0.1\n');
    ensureWritableDir(dir); // a live writer's temporary is not swept
    expect(existsSync(tmp)).toBe(true);
    writeFilesAtomic(dir, [
      { name: 'history.csv', written: tmp },
      { name: 'run.json', contents: 'new run' },
    ]);
    expect(contents(dir)).toEqual({ 'history.csv': 'step,lr\n0,0.1\n', 'run.json': 'new run' });
  });
});
