import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { numpyColumnSums } from '../../src/data/scalers.ts';

/**
 * An array as test/data/fixtures/gen_real_datasets.py summarizes it: its shape, the sha256 of its float64
 * little-endian bytes, some rows, the column sums (np.sum(axis=0)), and for small arrays every value.
 */
export interface ArraySummary {
  shape: number[];
  sha256: string;
  rows: Record<string, number[] | number>;
  column_sums: number[] | number;
  values?: number[][];
}

/** sha256 of the float64 little-endian bytes, as numpy's `tobytes()` of a '<f8' array. */
export function sha256F64(values: ArrayLike<number>): string {
  return createHash('sha256')
    .update(new Uint8Array(Float64Array.from(values).buffer))
    .digest('hex');
}

/** Every value equals scikit-learn's, bit for bit: the hash, the sampled rows, the column sums. */
export function expectExactly(values: ArrayLike<number>, nColumns: number, ref: ArraySummary): void {
  const n = values.length / nColumns;
  expect(ref.shape.length === 1 ? [n] : [n, nColumns]).toEqual(ref.shape);
  for (const [row, expected] of Object.entries(ref.rows)) {
    const i = Number(row);
    const got = Array.from({ length: nColumns }, (_, j) => values[i * nColumns + j]);
    expect(got, `row ${row}`).toEqual(typeof expected === 'number' ? [expected] : expected);
  }
  if (ref.shape.length === 2) {
    const sums = numpyColumnSums(Float64Array.from(values), n, nColumns);
    expect(Array.from(sums)).toEqual(ref.column_sums);
  }
  expect(sha256F64(values)).toBe(ref.sha256);
}
