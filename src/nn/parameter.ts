import { ValidationError } from '../params/error.ts';
import type { Engine } from '../engine/index.ts';
import { disposedError, type HeldBlocks, holdBlocks, releaseBlocks } from './lifetime.ts';

/**
 * A trainable tensor living in the engine's linear memory, with its gradient beside it. `data` and `grad`
 * are fresh views on every read (memory may have grown since the last one); write through `copyFrom`.
 */
export class Parameter {
  /** Byte offset of the values (f32, row-major) in the engine's linear memory. */
  readonly ptr: number;
  /** Byte offset of the gradient (f32, same layout) in the engine's linear memory. */
  readonly gradPtr: number;
  /** Number of elements, as `tensor.numel()`. */
  readonly numel: number;
  private readonly held: HeldBlocks;
  private disposedFlag = false;

  /**
   * Allocates the values and the gradient, both zeroed (a layer then writes its initial weights).
   * @param engine The engine whose linear memory holds the parameter.
   */
  constructor(
    readonly engine: Engine,
    /** PyTorch shape: [out, in] for a weight, [out] for a bias. */
    readonly shape: readonly number[],
  ) {
    this.numel = shape.reduce((a, b) => a * b, 1);
    this.ptr = engine.alloc(this.numel * 4);
    try {
      this.gradPtr = engine.alloc(this.numel * 4);
    } catch (err) {
      engine.free(this.ptr);
      throw err;
    }
    this.held = holdBlocks(this, engine, [this.ptr, this.gradPtr]);
  }

  /** Whether `dispose()` has been called (the parameter's model was disposed). */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /** Throws the `... was disposed` refusal if the parameter was disposed. */
  assertLive(where: string): void {
    if (this.disposedFlag) throw disposedError(where, 'Parameter', 'model');
  }

  /** The values, a fresh view on the engine's memory (`param.data`). */
  get data(): Float32Array {
    this.assertLive('Parameter.data');
    return this.engine.viewF32(this.ptr, this.numel);
  }

  /** The accumulated gradient, a fresh view on the engine's memory (`param.grad`). */
  get grad(): Float32Array {
    this.assertLive('Parameter.grad');
    return this.engine.viewF32(this.gradPtr, this.numel);
  }

  /** Copies values (flat, row-major) into the parameter after checking count and finiteness. */
  copyFrom(values: ArrayLike<number>, what = 'parameter'): void {
    this.assertLive('Parameter.copyFrom');
    if (values.length !== this.numel) {
      throw new ValidationError(
        what,
        'values',
        `${this.numel} values for shape [${this.shape.join(', ')}]`,
        values.length,
        `${what}: expected ${this.numel} values for shape [${this.shape.join(', ')}], got ${values.length}`,
      );
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new ValidationError(
          what,
          `values[${i}]`,
          'a finite number',
          values[i],
          `${what}: value ${i} is ${values[i]}; values must be finite`,
        );
      }
    }
    this.data.set(values);
  }

  /** Nested arrays in PyTorch layout (weight[out][in]). */
  toNested(source: Float32Array = this.data): number[] | number[][] {
    return toNested(source, this.shape);
  }

  /** Returns the parameter's memory to the engine; any later use throws. A second call does nothing. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    releaseBlocks(this, this.held);
  }
}

export function toNested(flat: ArrayLike<number>, shape: readonly number[]): number[] | number[][] {
  if (shape.length === 1) return Array.from(flat);
  const [rows, cols] = shape;
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) out.push(Array.from({ length: cols }, (_, c) => flat[r * cols + c]));
  return out;
}

/** Flattens nested arrays of the given shape, naming `what` in any error. */
export function fromNested(value: unknown, shape: readonly number[], what: string): number[] {
  // `what` is `where: key` (loadStateDict: layers.0.weight) or just the key (init[0].weight).
  const colon = what.indexOf(': ');
  const [where, param] = colon < 0 ? [what, what] : [what.slice(0, colon), what.slice(colon + 2)];
  const fail = (detail: string): never => {
    throw new ValidationError(
      where,
      param,
      `an array of shape [${shape.join(', ')}] of finite numbers`,
      value,
      `${what}: expected an array of shape [${shape.join(', ')}], ${detail}`,
    );
  };
  if (!Array.isArray(value)) fail(`got ${typeof value}`);
  const arr = value as unknown[];
  if (arr.length !== shape[0]) fail(`got ${arr.length} rows`);
  if (shape.length === 1) {
    return arr.map((v, i) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`element ${i} is ${String(v)}`)));
  }
  const out: number[] = [];
  arr.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== shape[1])
      fail(`row ${r} has ${Array.isArray(row) ? row.length : typeof row} entries`);
    (row as unknown[]).forEach((v, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`element [${r}][${c}] is ${String(v)}`);
      out.push(v as number);
    });
  });
  return out;
}
