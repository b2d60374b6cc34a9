import { ValidationError } from '../params/error.ts';
import type { Engine } from '../engine/index.ts';
import type { Matrix } from './matrix.ts';

/**
 * A dataset copied once into linear memory (row-major f32 features, i32 labels), so a training step can
 * gather its batch inside the core instead of copying from JavaScript every step.
 */
export class DeviceData {
  /** Byte offset of the features (f32, row-major [rows][cols]) in linear memory. */
  readonly xPtr: number;
  /** Byte offset of the labels (i32[rows]) in linear memory. */
  readonly yPtr: number;
  /** Number of samples. */
  readonly rows: number;
  /** Number of features per sample. */
  readonly cols: number;
  /** Largest label: a model needs more outputs than this. */
  readonly maxLabel: number;
  private indexPtr = 0;
  private indexCapacity = 0;

  /**
   * Copies `x` and `y` into the engine's memory.
   * @param engine The engine whose memory holds the data; only models of the same engine can read it.
   * @param x The features.
   * @param y The labels, one per row of `x`.
   */
  constructor(
    readonly engine: Engine,
    x: Matrix,
    y: Int32Array,
  ) {
    this.rows = x.rows;
    this.cols = x.cols;
    this.maxLabel = y.reduce((a, b) => Math.max(a, b), 0);
    this.xPtr = engine.alloc(x.rows * x.cols * 4);
    this.yPtr = engine.alloc(x.rows * 4);
    engine.writeF32(this.xPtr, x.data.subarray(0, x.rows * x.cols));
    engine.writeI32(this.yPtr, y);
  }

  /** Writes batch indices into a buffer the core reads; returns its pointer. */
  stageIndices(indices: ArrayLike<number>): number {
    if (indices.length > this.indexCapacity) {
      if (this.indexPtr) this.engine.free(this.indexPtr);
      this.indexCapacity = Math.max(indices.length, 4);
      this.indexPtr = this.engine.alloc(this.indexCapacity * 4);
    }
    for (let i = 0; i < indices.length; i++) {
      const row = indices[i];
      if (!Number.isInteger(row) || row < 0 || row >= this.rows) {
        throw new ValidationError(
          'DeviceData.stageIndices',
          `indices[${i}]`,
          `an integer in [0, ${this.rows - 1}]`,
          row,
          `batch indices: index ${i} is ${row}; indices must be integers in [0, ${this.rows - 1}]`,
        );
      }
    }
    this.engine.writeI32(this.indexPtr, indices);
    return this.indexPtr;
  }

  /** Returns the data's memory to the engine; the data is unusable afterwards. */
  dispose(): void {
    this.engine.free(this.xPtr);
    this.engine.free(this.yPtr);
    if (this.indexPtr) this.engine.free(this.indexPtr);
  }
}
