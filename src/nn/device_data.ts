import { ValidationError } from '../params/error.ts';
import type { Engine } from '../engine/index.ts';
import { type HeldBlocks, holdBlocks, releaseBlocks } from './lifetime.ts';
import type { Matrix } from './matrix.ts';

/**
 * A dataset copied once into linear memory (row-major f32 features; i32 labels, or row-major f32 float targets
 * for a regression or BCE loss), so a training step can gather its batch inside the core instead of copying
 * from JavaScript every step.
 */
export class DeviceData {
  /** Byte offset of the features (f32, row-major [rows][cols]) in linear memory. */
  readonly xPtr: number;
  /** Byte offset of the labels (i32[rows]), or of the float targets (f32 [rows][targetCols]), in linear memory. */
  readonly yPtr: number;
  /** Float targets per sample; 0 when the data holds class labels. */
  readonly targetCols: number;
  /** Number of samples. */
  readonly rows: number;
  /** Number of features per sample. */
  readonly cols: number;
  /** Largest label: a model needs more outputs than this. */
  readonly maxLabel: number;
  private indexPtr = 0;
  private indexCapacity = 0;
  private readonly held: HeldBlocks;
  private disposedFlag = false;

  /**
   * Copies `x` and `y` into the engine's memory.
   * @param engine The engine whose memory holds the data; only models of the same engine can read it.
   * @param x The features.
   * @param y The labels, one per row of `x`; or float targets, one row per row of `x` (checked by the caller).
   */
  constructor(
    readonly engine: Engine,
    x: Matrix,
    y: Int32Array | Matrix,
  ) {
    this.rows = x.rows;
    this.cols = x.cols;
    this.targetCols = y instanceof Int32Array ? 0 : y.cols;
    this.maxLabel = y instanceof Int32Array ? y.reduce((a, b) => Math.max(a, b), 0) : 0;
    this.xPtr = engine.alloc(x.rows * x.cols * 4);
    try {
      this.yPtr = engine.alloc(x.rows * Math.max(this.targetCols, 1) * 4);
    } catch (err) {
      engine.free(this.xPtr);
      throw err;
    }
    this.held = holdBlocks(this, engine, [this.xPtr, this.yPtr]);
    engine.writeF32(this.xPtr, x.data.subarray(0, x.rows * x.cols));
    if (y instanceof Int32Array) engine.writeI32(this.yPtr, y);
    else engine.writeF32(this.yPtr, y.data.subarray(0, x.rows * y.cols));
  }

  /** Writes batch indices into a buffer the core reads; returns its pointer. */
  stageIndices(indices: ArrayLike<number>): number {
    this.assertLive('DeviceData.stageIndices');
    if (indices.length > this.indexCapacity) {
      if (this.indexPtr) this.engine.free(this.indexPtr);
      this.indexCapacity = Math.max(indices.length, 4);
      this.indexPtr = this.engine.alloc(this.indexCapacity * 4);
      this.held.blocks.splice(2, 1, this.indexPtr);
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

  /** Whether `dispose()` has been called. */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** Throws `DeviceData was disposed: build new data` once the data is disposed. */
  assertLive(where: string): void {
    if (this.disposedFlag) {
      throw new ValidationError(
        where,
        'data',
        'data that was not disposed',
        'disposed',
        `${where}: DeviceData was disposed: build new data`,
      );
    }
  }

  /**
   * Returns the data's memory to the engine now; any later use throws. A second call does nothing. Data never
   * disposed is freed once garbage-collected (FinalizationRegistry).
   */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    releaseBlocks(this, this.held);
    this.indexPtr = 0;
    this.indexCapacity = 0;
  }
}
