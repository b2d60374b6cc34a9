import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.ts';
import { makeMoons } from '../../src/data/datasets.ts';
import { toDataset, validateDataset } from '../../src/data/validate.ts';

function dataset(x: number[], y: number[], nFeatures: number, nClasses: number): Dataset {
  return { x: Float32Array.from(x), y: Int32Array.from(y), nSamples: y.length, nFeatures, nClasses };
}

describe('validateDataset', () => {
  it('returns a valid dataset unchanged', () => {
    const ds = makeMoons({ nSamples: 10, seed: 1 });
    expect(validateDataset(ds, { nFeatures: 2, nClasses: 2 })).toBe(ds);
    expect(validateDataset(ds, { nClasses: 5 })).toBe(ds);
  });

  it('names the parameter, the position and the allowed values', () => {
    expect(() => validateDataset(dataset([], [], 2, 2))).toThrow(
      'validateDataset: the dataset is empty: nSamples must be an integer >= 1, got 0',
    );
    expect(() => validateDataset(dataset([1, 2], [0], 2, 2), { nFeatures: 3 })).toThrow(
      "validateDataset: nFeatures must be 3 (the model's input width), got 2",
    );
    expect(() => validateDataset(dataset([1, 2, 3, 4], [0, 2], 2, 3), { nClasses: 2 })).toThrow(
      "validateDataset: nClasses must be <= 2 (the model's output width), got 3",
    );
    expect(() => validateDataset(dataset([1, 2, 3, 4], [0, 2], 2, 2))).toThrow(
      'validateDataset: y[1] = 2 is out of range: labels must be integers in [0, 1]',
    );
    expect(() => validateDataset(dataset([1, 2, 3, 4], [0, -1], 2, 2))).toThrow(
      'validateDataset: y[1] = -1 is out of range: labels must be integers in [0, 1]',
    );
    expect(() => validateDataset(dataset([1, 2, 3, Number.NaN], [0, 1], 2, 2))).toThrow(
      'validateDataset: x at row 1, column 1 is NaN: features must be finite numbers',
    );
    expect(() => validateDataset(dataset([Infinity, 2], [0], 2, 2))).toThrow(
      'validateDataset: x at row 0, column 0 is Infinity (beyond the float32 range or infinite): ' +
        'features must be finite numbers',
    );
    expect(() => validateDataset(dataset([1, 2, 3], [0, 1], 2, 2))).toThrow(
      'validateDataset: x must be a Float32Array of nSamples * nFeatures = 4 values, got 3 values',
    );
    expect(() => validateDataset(dataset([1, 2], [0], 2, 2), { nClasses: 0 })).toThrow(
      'validateDataset: nClasses (expected) must be an integer >= 1, got 0',
    );
  });
});

describe('toDataset', () => {
  it('builds a dataset from rows and labels', () => {
    const ds = toDataset(
      [
        [0.1, 2],
        [3, -4],
      ],
      [1, 0],
    );
    expect(Array.from(ds.xF64!)).toEqual([0.1, 2, 3, -4]);
    expect(Array.from(ds.x)).toEqual([0.1, 2, 3, -4].map(Math.fround));
    expect(Array.from(ds.y)).toEqual([1, 0]);
    expect([ds.nSamples, ds.nFeatures, ds.nClasses]).toEqual([2, 2, 2]);
    expect(toDataset([[1]], [0], { nClasses: 4 }).nClasses).toBe(4);
  });

  it('applies the same checks, naming x and y', () => {
    expect(() => toDataset([], [])).toThrow('toDataset: x must be a non-empty array of rows, got []');
    expect(() => toDataset([[1, 2]], [0, 1])).toThrow('toDataset: y must have one label per row of x (1), got 2');
    expect(() => toDataset([[1, 2], [3]], [0, 1])).toThrow('toDataset: x[1] must have 2 features like x[0], got 1');
    expect(() => toDataset([[1, Number.NaN]], [0])).toThrow('toDataset: x[0][1] must be a finite number, got NaN');
    expect(() => toDataset([[1, 2]], [0.5])).toThrow('toDataset: y[0] must be an integer >= 0, got 0.5');
    expect(() => toDataset([[1, 2]], [-1])).toThrow('toDataset: y[0] must be an integer >= 0, got -1');
    expect(() => toDataset([[1e39, 2]], [0])).toThrow(/toDataset: x at row 0, column 0 is Infinity/);
    expect(() => toDataset([[1, 2]], [3], { nClasses: 2 })).toThrow(
      'toDataset: y[0] = 3 is out of range: labels must be integers in [0, 1]',
    );
  });
});
