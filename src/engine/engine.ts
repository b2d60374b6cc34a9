import { LinearMemoryAllocator } from './allocator.ts';
import { compileCore, type CoreBuild } from './wasm_bytes.ts';

/** The kernels exported by assembly/index.ts. Pointers are byte offsets into `memory`. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  trainStep(model: number, opt: number, n: number): number;
  trainSteps(model: number, opt: number, n: number, steps: number, losses: number): number;
  forward(model: number, n: number): void;
  backward(model: number, n: number): void;
  zeroGrad(model: number): void;
  loadBatch(model: number, x: number, y: number, features: number, indices: number, n: number): void;
  evaluate(model: number, n: number, withLabels: number): number;
  loss(model: number, n: number): number;
  optimizerStep(opt: number): void;
  optimizerZeroGrad(opt: number): void;
  /** C[m×n] = A[m×k]·B[k×n], row-major f32, n a multiple of 4 (the benchmark's GEMM). */
  matmul(a: number, b: number, c: number, m: number, n: number, k: number): void;
  /** Elementwise exp, tanh, log over n (a multiple of 4) f32 values, for the accuracy tests. */
  vexp(x: number, y: number, n: number): void;
  vtanh(x: number, y: number, n: number): void;
  vlog(x: number, y: number, n: number): void;
}

const PAGE = 65536;

/**
 * One instance of the WebAssembly core and its linear memory. Typed-array views are recreated whenever
 * the memory has grown (a grown memory detaches the old buffer, and a stale view would drop writes).
 */
export class Engine {
  readonly core: CoreExports;
  private readonly allocator: LinearMemoryAllocator;
  private buffer: ArrayBuffer;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private f64View: Float64Array;

  constructor(instance: WebAssembly.Instance, readonly build: CoreBuild) {
    this.core = instance.exports as unknown as CoreExports;
    this.buffer = this.core.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
    this.allocator = new LinearMemoryAllocator(this.core.heapBase(), (top) => this.ensureBytes(top));
  }

  static async load(build: CoreBuild = 'release'): Promise<Engine> {
    const module = await compileCore(build);
    const instance = await WebAssembly.instantiate(module, {
      env: {
        abort(_message: number, _file: number, line: number, column: number) {
          throw new Error(`anneal core (${build} build): assertion failed at assembly line ${line}:${column}`);
        },
      },
    });
    return new Engine(instance, build);
  }

  /** Only ensureBytes grows the memory (the core never does), so views are remade right there. */
  private refresh(): void {
    this.buffer = this.core.memory.buffer;
    this.f32View = new Float32Array(this.buffer);
    this.i32View = new Int32Array(this.buffer);
    this.f64View = new Float64Array(this.buffer);
  }

  /** Current views over linear memory; do not keep them across an allocation. */
  get f32(): Float32Array {
    return this.f32View;
  }
  get i32(): Int32Array {
    return this.i32View;
  }
  get f64(): Float64Array {
    return this.f64View;
  }

  get memoryBytes(): number {
    return this.buffer.byteLength;
  }

  get bytesInUse(): number {
    return this.allocator.bytesInUse;
  }

  private ensureBytes(top: number): void {
    const have = this.buffer.byteLength;
    if (top > have) {
      this.core.memory.grow(Math.ceil((top - have) / PAGE));
      this.refresh(); // the grow detached the old buffer: a stale view would silently drop writes
    }
  }

  /** Zeroed, 16-byte aligned block of linear memory. */
  alloc(bytes: number): number {
    return this.allocator.alloc(bytes, (ptr, size) => new Uint8Array(this.core.memory.buffer, ptr, size).fill(0));
  }

  free(ptr: number): void {
    this.allocator.release(ptr);
  }
}
