/**
 * A folder of checkpoints (Node): `step-000000400.safetensors`, one per checkpointed step, named so that they
 * sort by step; each written atomically (a temporary file in the folder, flushed to disk, renamed into
 * place), the oldest pruned beyond the newest `keep`.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic_write.ts';
import { OutputError } from '../report/output_dir.ts';

/** A checkpoint file's name: `step-` and the step, zero-padded to 9 digits (every step count the CLI allows). */
export const CHECKPOINT_FILE_PATTERN = /^step-(\d+)\.safetensors$/;

/** The file name of the checkpoint at `step`: `step-000000400.safetensors`. */
export function checkpointFileName(step: number): string {
  return `step-${String(step).padStart(9, '0')}.safetensors`;
}

/** A checkpoint file in a folder. */
export interface CheckpointFileEntry {
  /** The step it was written at (from its name). */
  step: number;
  /** Its file name. */
  name: string;
  /** Its path (the folder joined with the name). */
  path: string;
}

/** The checkpoint files in `dir` (named as `checkpointFileName` names them), by step; none if `dir` is absent. */
export function listCheckpoints(dir: string): CheckpointFileEntry[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const found: CheckpointFileEntry[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const m = CHECKPOINT_FILE_PATTERN.exec(entry.name);
    if (!m || !entry.isFile()) continue;
    const step = Number(m[1]);
    if (Number.isSafeInteger(step)) found.push({ step, name: entry.name, path: join(dir, entry.name) });
  }
  return found.sort((a, b) => a.step - b.step || (a.name < b.name ? -1 : 1));
}

/** The checkpoint of `dir` with the highest step, or null when it has none. */
export function latestCheckpoint(dir: string): CheckpointFileEntry | null {
  const all = listCheckpoints(dir);
  return all.length ? all[all.length - 1] : null;
}

/**
 * Writes the checkpoint of `step` into `dir` atomically: a reader (or a run killed meanwhile) sees the whole
 * file or none, never half of one; the folder's entry is flushed too where the system allows. Returns its
 * path. A failed write leaves no file behind and throws an OutputError.
 */
export function writeCheckpointFile(dir: string, step: number, bytes: Uint8Array): string {
  const path = join(dir, checkpointFileName(step));
  writeFileAtomic(path, bytes);
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some systems (Windows) cannot open or flush a folder: the rename is still atomic.
  }
  return path;
}

/**
 * Removes the oldest checkpoints of `dir` (by step) beyond the newest `keep`; `keep` 0 keeps all. Returns the
 * paths removed.
 */
export function pruneCheckpoints(dir: string, keep: number): string[] {
  if (keep <= 0) return [];
  const all = listCheckpoints(dir);
  const removed = all.slice(0, Math.max(all.length - keep, 0)).map((c) => c.path);
  for (const path of removed) {
    try {
      rmSync(path, { force: true });
    } catch (err) {
      throw new OutputError(`cannot remove the old checkpoint ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  return removed;
}

/**
 * Writes a run's checkpoints into a folder, keeping the newest `keep` (0: all): give `write` to
 * `runTraining`'s `checkpoint` hook. A new checkpoint is in place before an old one is removed.
 */
export class CheckpointWriter {
  /** The path of the last checkpoint written, or null before the first. */
  last: string | null = null;
  /** The step of the last checkpoint written, or null before the first. */
  lastStep: number | null = null;

  /**
   * @param dir the folder (created if needed)
   * @param keep how many of the newest checkpoints to keep; 0 keeps all
   */
  constructor(
    readonly dir: string,
    readonly keep: number,
  ) {}

  /** Writes the checkpoint of `step` atomically, then prunes; returns its path. */
  readonly write = (bytes: Uint8Array, step: number): string => {
    const path = writeCheckpointFile(this.dir, step, bytes);
    this.last = path;
    this.lastStep = step;
    pruneCheckpoints(this.dir, this.keep);
    return path;
  };
}
