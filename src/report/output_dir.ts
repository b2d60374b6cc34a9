import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
  } catch (err) {
    throw new OutputError(
      `${flag} ${dir}: the folder is not writable (${reason(err)}); give a folder you can write to`,
    );
  }
}

export interface OutputFile {
  /** Path relative to the output folder (may contain sub-folders). */
  name: string;
  contents: string | Uint8Array;
}

/**
 * Writes a set of files into `dir` all or nothing, as far as a file system allows: every file goes to a
 * temporary name first; only when all are written are they renamed into place. If any write fails the
 * temporaries are removed and the folder's previous files are untouched.
 */
export function writeFilesAtomic(dir: string, files: readonly OutputFile[]): string[] {
  const staged: { tmp: string; path: string }[] = [];
  try {
    for (const file of files) {
      const path = join(dir, file.name);
      const tmp = join(dirname(path), `.${file.name.split('/').pop()}.tmp-${process.pid}`);
      mkdirSync(dirname(path), { recursive: true });
      staged.push({ tmp, path });
      writeFileSync(tmp, file.contents);
    }
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw new OutputError(
      `cannot write to ${dir}: ${reason(err)} (nothing was written; its previous files are unchanged)`,
    );
  }
  for (const s of staged) renameSync(s.tmp, s.path);
  return staged.map((s) => s.path);
}
