import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputError } from '../report/output_dir.ts';

/**
 * Writes `contents` to `path` so that a reader sees the old file or the new one, never half of one: a temporary
 * file beside it (`.NAME.tmp-PID`, which `recoverOutputDir` sweeps if the writer dies), flushed to disk, then
 * renamed over `path`; missing parent folders are created. A failed write removes the temporary file, leaves
 * `path` as it was, and throws an OutputError naming the path.
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  try {
    makeParents(dirname(path));
    const fd = openSync(tmp, 'w');
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new OutputError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Creates `dir` and its missing parents, one at a time from the deepest that exists: Node's recursive
 * mkdirSync loops forever under a folder that exists but refuses new entries (/proc, say).
 */
function makeParents(dir: string): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) {
    throw Object.assign(new Error(`${at} is not a folder`), { code: 'ENOTDIR' });
  }
  for (const folder of missing) mkdirSync(folder);
}
