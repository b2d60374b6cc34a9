import type { DataLoader, DataLoaderState } from '../data/loader.ts';
import { ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';
import type { BatchSource } from './trainer.ts';

/**
 * What a checkpoint keeps of a batch source: its kind (`type`: `DataLoader`, `ScheduledBatches`,
 * `ExplicitBatches`) and where it is in its data order. Plain JSON.
 */
export interface BatchSourceState {
  /** The kind of batch source: a state loads only into a source of the same kind. */
  type: string;
  /** The source's own entries. */
  [key: string]: unknown;
}

/**
 * A batch source whose place in the data order can be saved and restored (torchdata's stateful loaders'
 * `state_dict()` / `load_state_dict()`), so a resumed run draws exactly the batches the uninterrupted run
 * would have.
 */
export interface CheckpointableBatches extends BatchSource {
  /** The source's kind and place in its data order. */
  stateDict(): BatchSourceState;
  /** Restores what stateDict() saved; everything is checked first, so a refused state changes nothing. */
  loadStateDict(state: BatchSourceState, where?: string): void;
}

/** Whether `source` can save and restore its place in the data order. */
export function isCheckpointable(source: unknown): source is CheckpointableBatches {
  const s = source as Partial<CheckpointableBatches> | null;
  return (
    typeof s === 'object' && s !== null && typeof s.stateDict === 'function' && typeof s.loadStateDict === 'function'
  );
}

/** Refuses a saved batch state of another kind, or with keys other than `keys`; returns the state as a record. */
export function checkBatchState(
  state: unknown,
  type: string,
  keys: readonly string[],
  where: string,
): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    const got = state === null ? 'null' : Array.isArray(state) ? 'a list' : typeof state;
    throw new ValidationError(
      where,
      'state',
      `an object {type: '${type}', ...}`,
      got,
      `${where}: expected an object, got ${got}`,
    );
  }
  const record = state as Record<string, unknown>;
  if (record.type !== type) {
    const got = typeof record.type === 'string' ? record.type.slice(0, 40) : typeof record.type;
    throw new ValidationError(
      where,
      'type',
      type,
      got,
      `${where}: the saved data order is a ${formatValue(got)}'s; this run's batches come from a ${type}`,
    );
  }
  for (const key of Object.keys(record)) {
    if (key !== 'type' && !keys.includes(key)) {
      throw new ValidationError(
        where,
        key,
        `one of ${keys.join(', ')}`,
        key,
        `${where}: unknown key ${JSON.stringify(key)}`,
      );
    }
  }
  for (const key of keys) {
    if (!Object.hasOwn(record, key)) {
      throw new ValidationError(where, key, 'present', undefined, `${where}: the saved data order has no '${key}'`);
    }
  }
  return record;
}

/**
 * The batches a run config lists explicitly (`batches`), e.g. a training.json case's recorded ones. Step i
 * takes batch i, so its place in the data order is the step itself: its saved state is its kind alone.
 */
export class ExplicitBatches implements CheckpointableBatches {
  constructor(
    private readonly batches: readonly (readonly number[])[],
    nSamples: number,
    steps: number,
    what = 'batches',
  ) {
    const where = 'ExplicitBatches';
    if (batches.length < steps) {
      throw new ValidationError(
        where,
        what,
        `at least one batch per step (${steps})`,
        batches.length,
        `${what}: ${batches.length} batches listed for ${steps} steps`,
      );
    }
    batches.forEach((b, i) => {
      if (b.length === 0) {
        throw new ValidationError(
          where,
          `${what}[${i}]`,
          'a batch of at least one index',
          b,
          `${what}[${i}]: a batch needs at least one index`,
        );
      }
      for (const k of b) {
        if (!Number.isInteger(k) || k < 0 || k >= nSamples) {
          throw new ValidationError(
            where,
            `${what}[${i}]`,
            `indices that are integers in [0, ${nSamples - 1}]`,
            k,
            `${what}[${i}]: index ${k} is out of range; indices must be integers in [0, ${nSamples - 1}]`,
          );
        }
      }
    });
  }

  next(step: number): readonly number[] {
    return this.batches[step];
  }

  /** `{type: 'ExplicitBatches'}`: step i takes batch i, so there is nothing else to keep. */
  stateDict(): BatchSourceState {
    return { type: 'ExplicitBatches' };
  }

  /** Checks that the saved state is an ExplicitBatches' (there is nothing to restore). */
  loadStateDict(state: BatchSourceState, where = 'ExplicitBatches.loadStateDict'): void {
    checkBatchState(state, 'ExplicitBatches', [], where);
  }
}

/**
 * Adapts anything with `nextBatch()` (a DataLoader) and records what it handed out. Over a DataLoader its
 * state is the loader's (`{type: 'DataLoader', loader: DataLoader.stateDict()}`).
 */
export class RecordedBatches implements CheckpointableBatches {
  /** The batches handed out, one per step. */
  readonly record: number[][] = [];

  /** @param keep Record the batches (default); false hands them out without keeping them. */
  constructor(
    private readonly source: { nextBatch(): ArrayLike<number> },
    private readonly keep = true,
  ) {}

  /** The source's next batch, recorded. */
  next(): ArrayLike<number> {
    const batch = this.source.nextBatch();
    if (this.keep) this.record.push(Array.from(batch));
    return batch;
  }

  /** The loader's place in its data order: `{type: 'DataLoader', loader}`; refused for a source without one. */
  stateDict(): BatchSourceState {
    return { type: 'DataLoader', loader: this.loader('RecordedBatches.stateDict').stateDict() };
  }

  /**
   * Restores the loader's place in its data order; the record starts again empty (it holds the batches
   * handed out from here on). A refused state changes nothing.
   */
  loadStateDict(state: BatchSourceState, where = 'RecordedBatches.loadStateDict'): void {
    const record = checkBatchState(state, 'DataLoader', ['loader'], where);
    this.loader(where).loadStateDict(record.loader as DataLoaderState, where);
    this.record.length = 0;
  }

  private loader(where: string): DataLoader {
    const source = this.source as Partial<DataLoader>;
    if (typeof source.stateDict !== 'function' || typeof source.loadStateDict !== 'function') {
      throw new ValidationError(
        where,
        'source',
        'a DataLoader (with stateDict and loadStateDict)',
        'a source without them',
        `${where}: the batches come from a source that cannot save its place in the data order`,
      );
    }
    return source as DataLoader;
  }
}
