/**
 * Batches of sample indices, like PyTorch's `DataLoader(dataset, batch_size, shuffle, drop_last)`:
 * one pass over the loader is one epoch; with `shuffle`, each epoch visits the samples in a fresh
 * permutation. The permutations come from one numpy legacy `RandomState(seed)` per loader
 * (`permutation(n)` once per epoch, consecutive epochs taking consecutive permutations) — not from
 * PyTorch's `torch.randperm`, which this does not reproduce.
 */
import { ValidationError } from '../params/error.ts';
import { RandomState } from './numpy_random.ts';
import { checkBoolean, checkInteger, checkSeed } from '../params/check.ts';

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
}
