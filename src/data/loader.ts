/**
 * Batches of sample indices, like PyTorch's `DataLoader(dataset, batch_size, shuffle, drop_last)`:
 * one pass over the loader is one epoch; with `shuffle`, each epoch visits the samples in a fresh
 * permutation. The permutations come from one numpy legacy `RandomState(seed)` per loader
 * (`permutation(n)` once per epoch, consecutive epochs taking consecutive permutations) — not from
 * PyTorch's `torch.randperm`, which this does not reproduce.
 */
import { ValidationError } from '../params/error.ts';
import { RandomState, type RandomStateDict } from './numpy_random.ts';
import { checkBoolean, checkInteger, checkSeed } from '../params/check.ts';
import { formatValue } from '../params/names.ts';

/** Options of `DataLoader` (PyTorch's `batch_size`, `shuffle`, `drop_last`, and the seed of the shuffling). */
export interface DataLoaderOptions {
  /** Samples per batch. Default 1, as in PyTorch. */
  batchSize?: number;
  /** Visit the samples in a new random order every epoch. Default false. */
  shuffle?: boolean;
  /** Seed of the loader's RandomState, an integer in [0, 2^32 - 1]. Default 0. */
  seed?: number;
  /** Drop the last batch of an epoch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
}

/**
 * Where a DataLoader is in its data order (`stateDict()`, as torchdata's `StatefulDataLoader.state_dict()`):
 * its settings (checked on load), the epochs begun, the current epoch's sample order and how much of it
 * `nextBatch` has handed out, and the RandomState the permutations come from. Plain JSON.
 */
export interface DataLoaderState {
  /** Number of samples (must match on load). */
  n_samples: number;
  /** Samples per batch (must match on load). */
  batch_size: number;
  /** Whether epochs are shuffled (must match on load). */
  shuffle: boolean;
  /** Whether an epoch's last, smaller batch is dropped (must match on load). */
  drop_last: boolean;
  /** Epochs begun so far. */
  epochs: number;
  /** The sample order of the epoch `nextBatch` is in, or null before its first batch. */
  order: number[] | null;
  /** How many samples of `order` were handed out. */
  position: number;
  /** The state of the RandomState that draws the permutations (numpy's `get_state(legacy=False)` layout). */
  rng: RandomStateDict;
}

/**
 * Checks that `value` is a permutation of 0..n-1 (a saved epoch order); returns it as an Int32Array. Refusals
 * are ValidationErrors of `where`, naming `key`.
 */
export function checkOrder(where: string, key: string, value: unknown, n: number): Int32Array {
  const perm = `a permutation of 0..${n - 1} (each index once)`;
  const fail = (param: string, got: unknown, detail: string): never => {
    throw new ValidationError(where, param, perm, got, `${where}: ${detail}`);
  };
  if (!Array.isArray(value)) {
    const got = value === null ? 'null' : typeof value;
    return fail(key, got, `${key} must be ${perm}, got ${got}`);
  }
  if (value.length !== n) fail(key, value.length, `${key} must be ${perm}, got ${value.length} entries`);
  const order = new Int32Array(n);
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = value[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n || seen[v]) {
      const got = typeof v === 'number' || v === null ? v : typeof v;
      const why = typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n ? 'repeated' : 'not an index';
      fail(`${key}[${i}]`, got, `${key}[${i}] is ${formatValue(got)} (${why}): ${key} must be ${perm}`);
    }
    seen[v as number] = 1;
    order[i] = v as number;
  }
  return order;
}

/**
 * Batches of sample indices, like PyTorch's `DataLoader(dataset, batch_size, shuffle, drop_last)`: one pass
 * is one epoch; with `shuffle`, each epoch takes the next permutation of the loader's numpy
 * `RandomState(seed)` (not PyTorch's `torch.randperm`).
 */
export class DataLoader {
  /** Number of samples in the dataset. */
  readonly nSamples: number;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** Whether an epoch's last, smaller batch is dropped. */
  readonly dropLast: boolean;
  /** Batches per epoch: `floor(n / batchSize)` with `dropLast`, else `ceil(n / batchSize)`. */
  readonly length: number;
  private readonly rng: RandomState;
  private epochsStarted = 0;
  private streamOrder: Int32Array | undefined;
  private streamPosition = 0;

  /** `dataset` is anything with `nSamples` (a `Dataset`, or `{ nSamples }`). */
  constructor(dataset: { readonly nSamples: number }, options: DataLoaderOptions = {}) {
    const fn = 'DataLoader';
    if (dataset === null || typeof dataset !== 'object') {
      throw new ValidationError(
        fn,
        'dataset',
        'an object with nSamples',
        dataset,
        `${fn}: dataset must be an object with nSamples, got ${String(dataset)}`,
      );
    }
    this.nSamples = checkInteger(fn, 'dataset.nSamples', dataset.nSamples, { min: 1, safe: true }, 'plain');
    this.batchSize = checkInteger(fn, 'batchSize', options.batchSize ?? 1, { min: 1, safe: true }, 'plain');
    this.shuffle = checkBoolean(fn, 'shuffle', options.shuffle ?? false, 'plain');
    this.dropLast = checkBoolean(fn, 'dropLast', options.dropLast ?? false, 'plain');
    this.rng = new RandomState(checkSeed(fn, options.seed ?? 0));
    this.length = this.dropLast
      ? Math.floor(this.nSamples / this.batchSize)
      : Math.ceil(this.nSamples / this.batchSize);
  }

  /** Epochs begun so far, by iteration or by `nextBatch`. */
  get epochs(): number {
    return this.epochsStarted;
  }

  /** The sample order of a new epoch: the next permutation, or 0..n-1 without shuffling. */
  private startEpoch(): Int32Array {
    this.epochsStarted++;
    if (this.shuffle) return this.rng.permutation(this.nSamples);
    const order = new Int32Array(this.nSamples);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order;
  }

  /** One epoch: `length` batches of indices. Each iteration starts a new epoch. */
  *[Symbol.iterator](): IterableIterator<Int32Array> {
    const order = this.startEpoch();
    for (let b = 0; b < this.length; b++) {
      yield order.slice(b * this.batchSize, Math.min((b + 1) * this.batchSize, this.nSamples));
    }
  }

  /** All batches of the next epoch. */
  epoch(): Int32Array[] {
    return [...this];
  }

  /**
   * The next batch of a step-based loop that runs across epochs: the batches of one epoch in order,
   * then those of the next epoch (a new permutation when shuffling), and so on. Shares the loader's
   * RandomState with iteration: whichever starts an epoch draws the next permutation.
   */
  nextBatch(): Int32Array {
    if (this.length === 0) {
      throw new ValidationError(
        'DataLoader',
        'batchSize',
        `<= nSamples (${this.nSamples}) with dropLast`,
        this.batchSize,
        'DataLoader.nextBatch: no batch fits: ' +
          `with dropLast, batchSize (${this.batchSize}) must be <= nSamples (${this.nSamples})`,
      );
    }
    const needed = this.dropLast ? this.batchSize : 1;
    if (this.streamOrder === undefined || this.streamPosition + needed > this.nSamples) {
      this.streamOrder = this.startEpoch();
      this.streamPosition = 0;
    }
    const end = Math.min(this.streamPosition + this.batchSize, this.nSamples);
    const batch = this.streamOrder.slice(this.streamPosition, end);
    this.streamPosition = end;
    return batch;
  }
  /**
   * Where the loader is in its data order (torchdata's `state_dict()`): `loadStateDict` on a loader with the
   * same settings continues exactly there, batch for batch, across epochs.
   */
  stateDict(): DataLoaderState {
    return {
      n_samples: this.nSamples,
      batch_size: this.batchSize,
      shuffle: this.shuffle,
      drop_last: this.dropLast,
      epochs: this.epochsStarted,
      order: this.streamOrder ? Array.from(this.streamOrder) : null,
      position: this.streamPosition,
      rng: this.rng.getState(),
    };
  }

  /**
   * Restores what `stateDict()` saved, on a loader with the same settings (n_samples, batch_size, shuffle,
   * drop_last). Everything is checked first: a refused state changes nothing.
   */
  loadStateDict(state: DataLoaderState, where = 'DataLoader.loadStateDict'): void {
    const fail = (key: string, allowed: string, got: unknown): never => {
      const shown = typeof got === 'object' && got !== null ? (Array.isArray(got) ? 'a list' : 'an object') : got;
      const message = `${where}: ${key} must be ${allowed}, got ${formatValue(shown)}`;
      throw new ValidationError(where, key, allowed, shown, message);
    };
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      fail('state', 'an object (DataLoader.stateDict())', state === null ? null : typeof state);
      return;
    }
    const keys = ['n_samples', 'batch_size', 'shuffle', 'drop_last', 'epochs', 'order', 'position', 'rng'];
    for (const key of Object.keys(state)) if (!keys.includes(key)) fail(key, 'absent (an unknown key)', key);
    const same: [keyof DataLoaderState, unknown][] = [
      ['n_samples', this.nSamples],
      ['batch_size', this.batchSize],
      ['shuffle', this.shuffle],
      ['drop_last', this.dropLast],
    ];
    for (const [key, mine] of same) {
      if (state[key] !== mine) fail(key, `${formatValue(mine)} (this loader's)`, state[key]);
    }
    const epochs = state.epochs;
    if (typeof epochs !== 'number' || !Number.isSafeInteger(epochs) || epochs < 0) {
      fail('epochs', 'an integer >= 0', epochs);
    }
    const order = state.order === null ? null : checkOrder(where, 'order', state.order, this.nSamples);
    const position = state.position;
    const top = order ? this.nSamples : 0;
    if (typeof position !== 'number' || !Number.isInteger(position) || position < 0 || position > top) {
      fail('position', `an integer in [0, ${top}]${order ? '' : ' (0 before the first batch)'}`, position);
    }
    if (order && epochs < 1) fail('epochs', 'at least 1 once an epoch has begun', epochs);
    this.rng.setState(state.rng, `${where} (rng)`);
    this.epochsStarted = epochs;
    this.streamOrder = order ?? undefined;
    this.streamPosition = position;
  }
}
