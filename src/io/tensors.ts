import { ValidationError } from '../params/error.ts';

/** One tensor read from a weights file, converted to f32, in PyTorch's row-major layout. */
export interface NamedTensor {
  /** The state-dict key (`0.weight`, `Linear1.bias`). */
  readonly name: string;
  /** The dtype stored in the file (`F32`, `F16`, `BF16`, `F64`); `data` holds it converted to f32. */
  readonly dtype: string;
  /** The tensor's shape ([] for a scalar). */
  readonly shape: readonly number[];
  /** The values, row-major, as f32. */
  readonly data: Float32Array;
}

/** What a weights file holds: its tensors in file order and its string metadata. */
export interface TensorFile {
  /** The file's `__metadata__` (safetensors), or null when it has none. */
  readonly metadata: Readonly<Record<string, string>> | null;
  /** The tensors, in the order they appear in the file. */
  readonly tensors: readonly NamedTensor[];
}

/** A tensor to write: f32 values, row-major, and a shape whose product is their count. */
export interface TensorToWrite {
  /** The tensor's shape ([] for a scalar). */
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: Float32Array;
}

/**
 * A weights, checkpoint or model file refused as it was read: `where` is the file (its path, or `bytes` when
 * it came as bytes), `param` the part at fault (`header`, a tensor's key), `allowed` what the format or the
 * model allows, `got` what the file holds. Nothing is loaded from a refused file.
 */
export class FileFormatError extends ValidationError {
  override readonly name: string = 'FileFormatError';

  constructor(file: string, part: string, allowed: string, got: unknown, detail: string) {
    super(file, part, allowed, got, `${file}: ${detail}`);
  }
}

/** The number of values of a tensor of `shape` (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
