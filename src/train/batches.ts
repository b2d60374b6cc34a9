import { ValidationError } from '../params/error.ts';
import type { BatchSource } from './trainer.ts';

/** The batches a run config lists explicitly (`batches`), e.g. a training.json case's recorded ones. */
export class ExplicitBatches implements BatchSource {
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
}

/** Adapts anything with `nextBatch()` (a DataLoader) and records what it handed out. */
export class RecordedBatches implements BatchSource {
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
}
