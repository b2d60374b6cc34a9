import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseRunConfig, type RunConfig } from '../config/run_config.ts';
import { FileFormatError } from '../io/tensors.ts';
import { ensureWritableDir } from '../report/output_dir.ts';
import { type Checkpoint, readCheckpoint } from '../train/checkpoint.ts';
import { CheckpointWriter, checkpointFileName, latestCheckpoint, listCheckpoints } from '../train/checkpoint_dir.ts';
import type { CheckpointHook } from '../train/run.ts';
import { UsageError } from './files.ts';
import { intArg } from './parse.ts';

// `anneal train`'s checkpoint flags: --checkpoint-every N --checkpoint-dir DIR [--keep K], and --resume PATH.

/** The default of --keep: the newest 3 checkpoints stay. */
export const DEFAULT_KEEP = 3;

/** The checkpoint flags as commander parses them. */
export interface CheckpointFlags {
  checkpointEvery?: number;
  checkpointDir?: string;
  keep: number;
  resume?: string;
}

/** The flags that go with --resume (besides those that say what to print or write). */
export const CHECKPOINT_FLAG_NAMES = ['checkpointEvery', 'checkpointDir', 'keep'];

/** Adds --checkpoint-every, --checkpoint-dir, --keep and --resume to `anneal train`. */
export function addCheckpointFlags(command: Command): Command {
  return command
    .option(
      '--checkpoint-every <n>',
      'write a checkpoint (model, optimizer, scheduler, data order, step, run config; safetensors) after every N ' +
        'steps and at the end, into --checkpoint-dir as step-NNNNNNNNN.safetensors (atomically)',
      intArg(1),
    )
    .option('--checkpoint-dir <dir>', 'the folder of the checkpoints (created if needed; checked before training)')
    .option(
      '--keep <k>',
      'with --checkpoint-every: keep the newest K checkpoints, removing older ones (0 keeps all); a run that ' +
        'stops on a NaN loss keeps those it wrote',
      intArg(0),
      DEFAULT_KEEP,
    )
    .option(
      '--resume <path>',
      'continue a checkpointed run from PATH, a checkpoint file or a folder (its latest checkpoint): the run is ' +
        'rebuilt from the config inside and goes on to its steps (or --steps N in all), bit for bit as if it had ' +
        'not stopped; it keeps checkpointing as it did (into the same folder) unless the checkpoint flags say ' +
        'otherwise. No other run flags',
    );
}

/** A checkpoint to resume from, read and checked. */
export interface ResumePoint {
  /** The checkpoint file read. */
  file: string;
  /** The checkpoint, read and checked (not yet loaded). */
  checkpoint: Checkpoint;
  /** The run config inside it, validated, with --steps applied. */
  config: RunConfig;
}

/**
 * Reads the checkpoint --resume names (a file, or a folder's latest checkpoint) and the run config inside it;
 * `steps` (--steps) replaces the config's step count. Refuses, before anything is trained, a path that cannot
 * be read, a folder without checkpoints, a bad file (naming it and what is wrong), and a step count below the
 * checkpoint's step.
 */
export function readResumePoint(path: string, steps: number | undefined): ResumePoint {
  let file = path;
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new UsageError(`--resume ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  if (isDir) {
    const latest = latestCheckpoint(path);
    if (!latest) {
      throw new UsageError(
        `--resume ${path}: the folder holds no checkpoint (files named like ${checkpointFileName(400)})`,
      );
    }
    file = latest.path;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new UsageError(`--resume ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const checkpoint = readCheckpoint(bytes, file);
  if (checkpoint.config === null) {
    throw new FileFormatError(
      file,
      'anneal.config',
      'a run config',
      null,
      'the checkpoint holds no run config (it was not written by anneal train): resume it with loadCheckpoint',
    );
  }
  const saved = parseRunConfig(checkpoint.config, `${file} (anneal.config)`);
  const config = steps === undefined ? saved : parseRunConfig({ ...saved, steps }, '--steps');
  if (checkpoint.step > config.steps) {
    throw new UsageError(
      steps === undefined
        ? `--resume ${file}: the checkpoint is at step ${checkpoint.step}, past its run's ${config.steps} steps`
        : `--steps ${steps}: the checkpoint ${file} is at step ${checkpoint.step}; give --steps ${checkpoint.step} ` +
            'or more',
    );
  }
  return { file, checkpoint, config };
}

/** Where and how often a run writes checkpoints. */
export interface CheckpointPlan {
  /** The folder. */
  dir: string;
  /** Steps between checkpoints. */
  every: number;
  /** How many of the newest to keep (0: all). */
  keep: number;
}

/**
 * The run's checkpointing from the flags, or for a resumed run from what it did before (`anneal.extra`: every
 * and keep; into the folder of the checkpoint it resumes from) unless the flags say otherwise; null for none.
 * Refuses, before training: --keep or --checkpoint-dir without --checkpoint-every, --checkpoint-every without
 * --checkpoint-dir, a folder that cannot be written, and a folder holding checkpoints of another run (for a
 * resumed run: checkpoints after the step it resumes at, which its own would be mixed with).
 */
export function checkpointPlan(
  flags: CheckpointFlags,
  explicit: (name: string) => boolean,
  resumed: ResumePoint | null,
): CheckpointPlan | null {
  const extra = resumed?.checkpoint.extra ?? null;
  const savedEvery = extra?.checkpoint_every;
  const savedKeep = extra?.keep;
  const isCount = (v: unknown, min: number): v is number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
  const every = explicit('checkpointEvery')
    ? (flags.checkpointEvery as number)
    : isCount(savedEvery, 1)
      ? savedEvery
      : null;
  if (!every) {
    if (explicit('keep')) throw new UsageError('--keep only applies with --checkpoint-every N');
    if (flags.checkpointDir !== undefined) throw new UsageError('--checkpoint-dir needs --checkpoint-every N');
    return null;
  }
  const keep = explicit('keep') ? flags.keep : isCount(savedKeep, 0) ? savedKeep : DEFAULT_KEEP;
  const dir = flags.checkpointDir ?? (resumed ? dirname(resumed.file) : undefined);
  if (dir === undefined) {
    throw new UsageError('--checkpoint-every needs --checkpoint-dir DIR, the folder to write the checkpoints in');
  }
  ensureWritableDir(dir, '--checkpoint-dir');
  const existing = listCheckpoints(dir);
  const sameRun = resumed !== null && resolve(dir) === resolve(dirname(resumed.file));
  const foreign = sameRun ? existing.filter((c) => c.step > (resumed as ResumePoint).checkpoint.step) : existing;
  if (foreign.length) {
    const names = foreign.map((c) => c.name);
    const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');
    throw new UsageError(
      sameRun
        ? `--checkpoint-dir ${dir}: it holds checkpoints after step ${resumed?.checkpoint.step}, the step this run ` +
            `resumes at (${shown}); the run's own would be mixed with them: resume from the latest ` +
            `(--resume ${dir}), move them away, or give another --checkpoint-dir`
        : `--checkpoint-dir ${dir}: it already holds checkpoints (${shown}) of another run: ` +
            `continue that run with --resume ${dir}, or give an empty folder`,
    );
  }
  return { dir, every, keep };
}

/** The run's checkpoint hook for `runTraining` and the writer behind it (which knows the last file written). */
export function checkpointHook(plan: CheckpointPlan): { hook: CheckpointHook; writer: CheckpointWriter } {
  const writer = new CheckpointWriter(plan.dir, plan.keep);
  return {
    writer,
    hook: { every: plan.every, write: writer.write, extra: { checkpoint_every: plan.every, keep: plan.keep } },
  };
}
