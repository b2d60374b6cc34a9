// An Engine whose wide GEMMs are split across threads: the threads build of the core (assembly/threads.ts) on a
// shared WebAssembly.Memory, with threads − 1 helpers (Node worker_threads, or Web Workers where the page is
// cross-origin isolated) that instantiate the same module on the same memory and run their share of each wide
// GEMM. Every element is computed as one thread computes it, so the results are bit-identical to one thread.
import { ValidationError } from '../params/error.ts';
import { CORE_THREADS_WASM_BASE64 } from './core_threads_wasm.generated.ts';
import { Engine, type ThreadPool } from './engine.ts';
import { releaseCoreBytes } from './wasm_bytes.ts';

/** Options of {@link createEngine}. */
export interface CreateEngineOptions {
  /**
   * Threads a step may use: 1 (the default) is the ordinary single-thread core; 2 or more start that many − 1
   * helper threads (Node `worker_threads`; in a browser, Web Workers, which need a cross-origin isolated page).
   */
  threads?: number;
}

/** The control block's words the JavaScript side touches (assembly/threads.ts). */
const CONTROL_BYTES = 256;
const W_GEN = 0;
const W_QUIT = 8;
const W_READY = 32;
const W_FAILED = 40;
/** Helpers must have started within this long. */
const START_TIMEOUT_MS = 20_000;
/** wasm32's 65536 pages: the shared memory's maximum (reserved address space, not committed memory). */
const MAX_PAGES = 65536;

/** What a helper runs, as a classic script: its host passes { module, memory, control, index }. */
const HELPER_BODY = `
function helperRun(module, memory, control, index) {
  const abort = () => { throw new Error('anneal core (threads build): assertion failed in a helper thread'); };
  const pauseOn = () => {};
  const core = new WebAssembly.Instance(module, { env: { memory, abort, pauseOn } }).exports;
  const words = new Int32Array(memory.buffer, control, ${CONTROL_BYTES / 4});
  let seen = Atomics.load(words, ${W_GEN});
  Atomics.add(words, ${W_READY}, 1);
  try {
    for (;;) {
      seen = core.workerRun(control, index, seen);
      if (Atomics.load(words, ${W_QUIT}) !== 0) break;
      Atomics.wait(words, ${W_GEN}, seen);
    }
  } catch (err) {
    Atomics.store(words, ${W_FAILED}, 1);
    throw err;
  } finally {
    Atomics.sub(words, ${W_READY}, 1);
  }
}`;

// process.getBuiltinModule, not require: a worker of eval'd code inherits --input-type=module (`node
// --input-type=module -e`, say), and an ES module has no require.
const NODE_HELPER = `${HELPER_BODY}
const { workerData } = process.getBuiltinModule('node:worker_threads');
helperRun(workerData.module, workerData.memory, workerData.control, workerData.index);`;

const WEB_HELPER = `${HELPER_BODY}
self.onmessage = (e) => helperRun(e.data.module, e.data.memory, e.data.control, e.data.index);`;

/** One started helper: how to end it. */
interface Helper {
  terminate(): void;
}

type Spawn = (data: {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  index: number;
}) => Helper;

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface NodeWorkerThreads {
  Worker: new (code: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}

/** How this JavaScript environment starts a helper, or why it cannot. */
function helperSpawner(): Spawn {
  const proc = (
    globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }
  ).process;
  if (proc?.versions?.node !== undefined) {
    const threads = proc.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
    if (!threads) throw new Error('anneal: threads need Node ≥ 20.16 (process.getBuiltinModule)');
    return (workerData) => {
      const worker = new threads.Worker(NODE_HELPER, { eval: true, workerData });
      worker.on('error', () => {}); // the failure is reported through the control block (W_FAILED)
      worker.unref(); // a parked helper does not keep the process alive
      return { terminate: () => void worker.terminate() };
    };
  }
  const g = globalThis as { Worker?: typeof Worker; crossOriginIsolated?: boolean; Blob?: typeof Blob };
  if (g.Worker === undefined || g.Blob === undefined) {
    throw new Error('anneal: threads need Web Workers, which this JavaScript environment does not have');
  }
  if (g.crossOriginIsolated !== true) {
    throw new Error(
      'anneal: threads need SharedArrayBuffer, which a browser gives only to a cross-origin isolated page: serve ' +
        'it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: ' +
        'require-corp (or credentialless), or create the engine with threads: 1',
    );
  }
  const url = URL.createObjectURL(new Blob([WEB_HELPER], { type: 'text/javascript' }));
  return (data) => {
    const worker = new Worker(url);
    worker.postMessage(data);
    return { terminate: () => worker.terminate() };
  };
}

function threadsCoreBytes(): Uint8Array<ArrayBuffer> {
  const text = atob(CORE_THREADS_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * A new engine (its own core and linear memory) for models and optimizers given it as `engine`. With
 * `threads: 2` or more, the wide matrix products of a step (forward and weight gradients of layers with at least
 * about a million multiply-adds) are split by rows across that many threads, with results bit-identical to one
 * thread; smaller ones stay on the calling thread. Resolves once every helper runs; `engine.close()` ends them.
 *
 * The calling thread spins while the helpers finish their share, so give it at most as many threads as the
 * machine has cores to spare.
 */
export async function createEngine(options: CreateEngineOptions = {}): Promise<Engine> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new ValidationError('createEngine', 'threads', 'an integer from 1 to 64', threads);
  }
  if (threads === 1) return Engine.fromModule(await WebAssembly.compile(releaseCoreBytes()), 'release');
  const spawn = helperSpawner();
  const module = await WebAssembly.compile(threadsCoreBytes());
  const memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  const abort = (_message: number, _file: number, line: number, column: number) => {
    throw new Error(`anneal core (threads build): assertion failed at assembly line ${line}:${column}`);
  };
  const helpers: Helper[] = [];
  let control = 0;
  let words: Int32Array | undefined;
  // Node's main thread may block briefly (a helper preempted mid-chunk then gets this core); a browser's may not.
  const canBlock = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== undefined;
  const pauseOn = (ptr: number, expected: number) => {
    if (canBlock && words) Atomics.wait(words, (ptr - control) >> 2, expected, 1);
  };
  const instance = new WebAssembly.Instance(module, { env: { memory, abort, pauseOn } });
  const pool: ThreadPool = {
    threads,
    stop() {
      const core = engine.core as unknown as { stopPool(control: number): void; setPool(c: number, t: number): void };
      core.setPool(control, 1);
      core.stopPool(control);
      for (const h of helpers) h.terminate();
    },
  };
  const engine = new Engine(instance, 'threads', pool);
  control = engine.alloc(CONTROL_BYTES);
  for (let index = 1; index < threads; index++) helpers.push(spawn({ module, memory, control, index }));
  words = new Int32Array(memory.buffer, control, CONTROL_BYTES / 4);
  const started = Date.now();
  while (Atomics.load(words, W_READY) < threads - 1) {
    if (Atomics.load(words, W_FAILED) !== 0 || Date.now() - started > START_TIMEOUT_MS) {
      pool.stop();
      throw new Error(`anneal: the engine's ${threads - 1} helper thread(s) did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  (engine.core as unknown as { setPool(c: number, t: number): void }).setPool(control, threads);
  return engine;
}
