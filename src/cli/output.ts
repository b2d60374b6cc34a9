import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from './files.ts';

/** Writes a file whole or not at all: to a temporary name first, then renamed into place. */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    makeParents(dirname(path));
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
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
