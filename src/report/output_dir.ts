import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** An output folder that cannot be used: exit code 2 in the CLI. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/**
 * Makes sure `dir` exists (creating it and its parents) and that a file can be written in it, by writing
 * and removing a probe file. Call it before a long run, so that a bad --out fails at once.
 */
export function ensureWritableDir(dir: string, flag = '--out'): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new OutputError(`${flag} ${dir}: is a file, not a folder; give a folder you can write to`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new OutputError(`${flag} ${dir}: cannot create the folder (${reason(err)}); give a folder you can write to`);
  }
  try {
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.anneal-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    recoverOutputDir(dir);
  } catch (err) {
    throw new OutputError(
      `${flag} ${dir}: the folder is not writable (${reason(err)}); give a folder you can write to`,
    );
  }
}

export interface OutputFile {
  /** Path relative to the output folder (may contain sub-folders). */
  name: string;
  /** What to write; or give `written`. */
  contents?: string | Uint8Array;
  /**
   * A temporary file already written in the output folder (named `.NAME.tmp-<pid>`, so that a killed
   * writer's is swept), renamed into place with the others; removed if the write fails.
   */
  written?: string;
}

const JOURNAL = '.anneal-journal.json';
const TEMP = /^\..+\.tmp-(\d+)$/;

/** Whether process `pid` of this machine is alive (a signal 0 reaches it, or would but for permissions). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Finishes what a killed writer left in `dir`: a journal means every new file was written and the renames
 * had begun, so they are completed (the folder then holds the whole new set); temporary files without one
 * are from a write phase that never finished, and are removed (the folder keeps the whole old set).
 */
export function recoverOutputDir(dir: string): void {
  const journal = join(dir, JOURNAL);
  if (existsSync(journal)) {
    let renames: { tmp: string; path: string }[] = [];
    try {
      renames = JSON.parse(readFileSync(journal, 'utf8')) as { tmp: string; path: string }[];
    } catch {
      renames = []; // a journal is renamed into place whole, so this is not one of ours
    }
    for (const { tmp, path } of renames) {
      const inside = (p: string) => typeof p === 'string' && resolve(p).startsWith(resolve(dir) + sep);
      if (inside(tmp) && inside(path) && existsSync(tmp)) renameSync(tmp, path);
    }
    rmSync(journal, { force: true });
  }
  const sweep = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) sweep(path);
      const pid = TEMP.exec(entry.name)?.[1];
      if (entry.isFile() && pid !== undefined && !isRunning(Number(pid))) rmSync(path, { force: true });
    }
  };
  if (existsSync(dir)) sweep(dir);
}

/**
 * Writes a set of files into `dir` all or nothing: every file goes to a temporary name first; when all are
 * written, a journal of the renames is put in place (one rename: the commit point), then the renames are
 * done and the journal removed. A failed write removes the temporaries and leaves the folder's previous files
 * untouched; a run killed after the commit point is completed, and one killed before it cleaned up, by
 * `recoverOutputDir`, which every write (and `ensureWritableDir`) runs first.
 */
export function writeFilesAtomic(dir: string, files: readonly OutputFile[]): string[] {
  recoverOutputDir(dir);
  const staged: { tmp: string; path: string }[] = [];
  try {
    for (const file of files) {
      const path = join(dir, file.name);
      if (file.written !== undefined) {
        staged.push({ tmp: file.written, path });
        continue;
      }
      const tmp = join(dirname(path), `.${file.name.split('/').pop()}.tmp-${process.pid}`);
      mkdirSync(dirname(path), { recursive: true });
      staged.push({ tmp, path });
      writeFileSync(tmp, file.contents ?? '');
    }
    const journalTmp = join(dir, `${JOURNAL}.tmp-${process.pid}`);
    writeFileSync(journalTmp, JSON.stringify(staged));
    renameSync(journalTmp, join(dir, JOURNAL));
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw new OutputError(
      `cannot write to ${dir}: ${reason(err)} (nothing was written; its previous files are unchanged)`,
    );
  }
  for (const s of staged) renameSync(s.tmp, s.path);
  rmSync(join(dir, JOURNAL), { force: true });
  return staged.map((s) => s.path);
}
