import { ValidationError } from '../params/error.ts';
import { LinearMemoryAllocator } from './allocator.ts';
import type { CoreBuild, Precision } from './wasm_bytes.ts';

/** The kernels exported by assembly/index.ts. Pointers are byte offsets into `memory`. */
export interface CoreExports {
  /** The core's linear memory: every model's and optimizer's blocks. */
  memory: WebAssembly.Memory;
  /** First byte above the core's static data; the allocator hands out memory from here. */
  heapBase(): number;
  /**
   * One fused step on the staged batch of `n` rows: zero grads, forward, loss, backward, update; returns the loss
   * (non-finite: no update).
   */
  trainStep(model: number, opt: number, n: number): number;
  /**
   * `steps` fused steps on the same batch, each loss stored as f64 at `losses`; returns the steps done (fewer at a
   * non-finite loss).
   */
  trainSteps(model: number, opt: number, n: number, steps: number, losses: number): number;
  /** Forward pass over the staged batch of `n` rows. */
  forward(model: number, n: number): void;
  /** Backward pass: accumulates every parameter's gradient from the last forward and loss. */
  backward(model: number, n: number): void;
  /** Sets every gradient of the model to zero. */
  zeroGrad(model: number): void;
  /**
   * Stages rows `indices[0..n)` of the dataset `x` (row-major f32) and labels `y` as the model's batch, transposed
   * into lanes.
   */
  loadBatch(model: number, x: number, y: number, features: number, indices: number, n: number): void;
  /**
   * Forward over the staged batch; with labels, returns the mean loss (and leaves the predictions in the output
   * block).
   */
  evaluate(model: number, n: number, withLabels: number): number;
  /** The model's loss (its loss block) of the last forward against the staged targets; writes dLoss/doutput. */
  loss(model: number, n: number): number;
  /** Every param group's update (Adam, AdamW or SGD) from the current gradients. */
  optimizerStep(opt: number): void;
  /** Zeroes the gradients of every parameter the optimizer holds. */
  optimizerZeroGrad(opt: number): void;
  /**
   * For `npm run bench -- --profile`: `reps` times the first `phases` phases of `trainStep` (1 zero grads,
   * 2 forward, 3 loss, 4 backward, 5 update: the whole step); returns the last loss.
   */
  profileStep(model: number, opt: number, n: number, phases: number, reps: number): number;
  /**
   * For `--profile`: phase `phase` (1-5, as in `profileStep`) alone, `reps` times over, on what `profileStep` to
   * `phase - 1` left; returns the loss of the loss phase, else 0.
   */
  profilePhase(model: number, opt: number, n: number, phase: number, reps: number): number;
  /** For `--profile`: `reps` forward passes over only the Linear ops (`linear` 1), or only the activations (0). */
  profileForwardOps(model: number, n: number, linear: number, reps: number): void;
  /** C[m×n] = A[m×k]·B[k×n], row-major f32, n a multiple of 4 (the benchmark's GEMM). */
  matmul(a: number, b: number, c: number, m: number, n: number, k: number): void;
  /** Elementwise exp of n (a multiple of 4) f32 values, for the accuracy tests. */
  vexp(x: number, y: number, n: number): void;
  /** Elementwise tanh of n (a multiple of 4) f32 values, for the accuracy tests. */
  vtanh(x: number, y: number, n: number): void;
  /** Elementwise natural log of n (a multiple of 4) f32 values, for the accuracy tests. */
  vlog(x: number, y: number, n: number): void;
  /** Elementwise erf of n (a multiple of 4) f32 values (GELU's), for the accuracy tests. */
  verf(x: number, y: number, n: number): void;
}

/** The helper threads of an engine made by `createEngine({ threads })`. */
export interface ThreadPool {
  /** Threads a step uses: the calling one and threads − 1 helpers. */
  readonly threads: number;
  /** Ends the helpers; later steps run on the calling thread alone. */
  stop(): void;
}

const PAGE = 65536;
/** wasm32's address space: 65536 pages of 64 KiB. */
const MAX_MEMORY = 65536 * PAGE;

/** `3.2 GiB`, `17.0 MiB`, `512 bytes`. */
function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

function coreImports(build: CoreBuild): WebAssembly.Imports {
  return {
    env: {
      abort(_message: number, _file: number, line: number, column: number) {
        throw new Error(`anneal core (${build} build): assertion failed at assembly line ${line}:${column}`);
      },
    },
  };
}

/**
 * One instance of the WebAssembly core and its linear memory. Typed-array views are recreated whenever
 * the memory has grown (a grown memory detaches the old buffer, and a stale view would drop writes).
 */
export class Engine {
  /** The instance's exported kernels (assembly/index.ts). */
  readonly core: CoreExports;
  private readonly allocator: LinearMemoryAllocator;
  private buffer: ArrayBuffer;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private f64View: Float64Array;
  private scratchPtr = 0;
  private scratchBytes = 0;
  private pool: ThreadPool | undefined;

  /**
   * @param instance an instance of the core
   * @param build which build it is (named in error messages)
   */
  constructor(
    instance: WebAssembly.Instance,
    /** Which build of the core this is: `release`, `fast` (relaxed SIMD), `threads`, or the bounds-checked `debug`. */
    readonly build: CoreBuild,
    pool?: ThreadPool,
  ) {
    this.pool = pool;
    this.core = instance.exports as unknown as CoreExports;
    this.buffer = this.core.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
    this.allocator = new LinearMemoryAllocator(this.core.heapBase(), (top) => this.ensureBytes(top));
  }

  /**
   * Instantiates a compiled core synchronously (a module of the core's size instantiates in well under a
   * millisecond, and synchronous instantiation is allowed on every thread of Node and the browsers).
   */
  static fromModule(module: WebAssembly.Module, build: CoreBuild = 'release'): Engine {
    return new Engine(new WebAssembly.Instance(module, coreImports(build)), build);
  }

  /** Compiles and instantiates core bytes synchronously; `build` only names them in error messages. */
  static fromBytes(bytes: BufferSource, build: CoreBuild = 'release'): Engine {
    return Engine.fromModule(new WebAssembly.Module(bytes), build);
  }

  /** How this engine computes: `fast` on the relaxed-SIMD build, else `deterministic` (see `Precision`). */
  get precision(): Precision {
    return this.build === 'fast' ? 'fast' : 'deterministic';
  }

  /** Threads a training step may use: 1 unless made by `createEngine({ threads })` and not closed. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /**
   * Ends the engine's helper threads, if it has any (steps then run on the calling thread alone, with the same
   * results); models and optimizers stay usable. A second call does nothing.
   */
  close(): void {
    const pool = this.pool;
    this.pool = undefined;
    pool?.stop();
  }

  /** Only ensureBytes grows the memory (the core never does), so views are remade right there. */
  private refresh(): void {
    this.buffer = this.core.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }

  /** Current Float32Array view over linear memory; do not keep it across an allocation. */
  get f32(): Float32Array {
    return this.f32View;
  }
  /** Current Int32Array view over linear memory; do not keep it across an allocation. */
  get i32(): Int32Array {
    return this.i32View;
  }
  /** Current Float64Array view over linear memory; do not keep it across an allocation. */
  get f64(): Float64Array {
    return this.f64View;
  }

  /** Size of the linear memory in bytes (it grows, never shrinks). */
  get memoryBytes(): number {
    return this.buffer.byteLength;
  }

  /**
   * Refuses, before anything is allocated, `bytes` more than wasm32's 4 GiB can hold beside what is in use:
   * a model checks its whole size here first, so one that cannot fit grows no memory.
   */
  checkFits(bytes: number, what: string): void {
    const top = this.allocator.bytesInUse + this.core.heapBase() + bytes;
    if (top > MAX_MEMORY) throw this.memoryRefusal(top, what, `WebAssembly's limit is ${formatBytes(MAX_MEMORY)}`);
  }

  /** The refusal of linear memory up to byte `top`: what needed it, how much beside what is in use, and why. */
  private memoryRefusal(top: number, what: string, why: string): ValidationError {
    const inUse = this.allocator.bytesInUse;
    return new ValidationError(
      'Engine',
      'memory',
      `at most ${formatBytes(MAX_MEMORY)} of linear memory in all`,
      top,
      `anneal: ${what} needs ${formatBytes(top - inUse - this.core.heapBase())} of WebAssembly memory beside the ` +
        `${formatBytes(inUse)} in use; ${why}`,
    );
  }

  /** Bytes of linear memory held by live models and optimizers. */
  get bytesInUse(): number {
    return this.allocator.bytesInUse;
  }

  private ensureBytes(top: number): void {
    const have = this.buffer.byteLength;
    if (top <= have) return;
    const what = 'a model or optimizer';
    if (top > MAX_MEMORY) throw this.memoryRefusal(top, what, `WebAssembly's limit is ${formatBytes(MAX_MEMORY)}`);
    try {
      this.core.memory.grow(Math.ceil((top - have) / PAGE));
    } catch (err) {
      const why = `this JavaScript engine could not grow its memory that far (${(err as Error).message})`;
      throw this.memoryRefusal(top, what, why);
    }
    this.refresh(); // the grow detached the old buffer: a stale view would silently drop writes
  }

  /** Zeroed, 16-byte aligned block of linear memory. */
  alloc(bytes: number): number {
    return this.allocator.alloc(bytes, (ptr, size) => new Uint8Array(this.core.memory.buffer, ptr, size).fill(0));
  }

  /** Gives back a block from `alloc`, for the next allocation to reuse. */
  free(ptr: number): void {
    this.allocator.release(ptr);
  }

  /**
   * A block of at least `bytes` bytes for handing host data to a kernel (a batch on its way to `loadBatch`). The
   * engine keeps one and grows it on demand: its contents last until the next call.
   */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchPtr) this.free(this.scratchPtr);
      this.scratchPtr = this.alloc(bytes);
      this.scratchBytes = bytes;
    }
    return this.scratchPtr;
  }

  /** A live view of the `count` f32 values at byte offset `ptr`; do not keep it across an allocation. */
  viewF32(ptr: number, count: number): Float32Array {
    const i = f32Index(ptr);
    return this.f32View.subarray(i, i + count);
  }

  /** A copy of the `count` f32 values at byte offset `ptr`. */
  readF32(ptr: number, count: number): Float32Array {
    const i = f32Index(ptr);
    return this.f32View.slice(i, i + count);
  }

  /** Writes `values` (rounded to f32) from byte offset `ptr` on. */
  writeF32(ptr: number, values: ArrayLike<number>): void {
    this.f32View.set(values, f32Index(ptr));
  }

  /** Sets the `count` f32 values at byte offset `ptr` to `value`. */
  fillF32(ptr: number, count: number, value = 0): void {
    const i = f32Index(ptr);
    this.f32View.fill(value, i, i + count);
  }

  /** A copy of the `count` i32 values at byte offset `ptr`. */
  readI32(ptr: number, count: number): Int32Array {
    const i = i32Index(ptr);
    return this.i32View.slice(i, i + count);
  }

  /** Writes `values` (as i32) from byte offset `ptr` on. */
  writeI32(ptr: number, values: ArrayLike<number>): void {
    this.i32View.set(values, i32Index(ptr));
  }

  /** Sets the `count` i32 values at byte offset `ptr` to `value`. */
  fillI32(ptr: number, count: number, value = 0): void {
    const i = i32Index(ptr);
    this.i32View.fill(value, i, i + count);
  }
}

// Byte offset to element index. Unsigned shifts: a wasm32 offset is below 4 GiB, and `>>` would turn one at
// or above 2 GiB negative.

/** Index in a Float32Array view of the f32 at byte offset `ptr`. */
export function f32Index(ptr: number): number {
  return ptr >>> 2;
}

/** Index in an Int32Array view of the i32 at byte offset `ptr`. */
export function i32Index(ptr: number): number {
  return ptr >>> 2;
}

/** Index in a Float64Array view of the f64 at byte offset `ptr`. */
export function f64Index(ptr: number): number {
  return ptr >>> 3;
}
