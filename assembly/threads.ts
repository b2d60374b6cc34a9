import { gemm, gemmNT } from './gemm';
import { adamBlocks } from './optim';

// Wide GEMMs split across threads (the `threads` build: shared, imported memory). Helper threads instantiate the
// same module on the same memory and wait in workerRun; the calling thread publishes a job in a control block
// (the rows of C cut into chunks of whole 4-row tiles, about four per thread), every thread that is running claims
// chunks until none are left, and the caller spins until every chunk is done. A helper the OS has not scheduled
// just claims fewer chunks (the caller never waits for work nobody has started). Every element of C is computed
// exactly as the single-thread kernel computes it (same tile arithmetic, same k order, same KC blocks), whoever
// computes it, so the results are bit-identical to one thread.
// In a build without threads (ASC_FEATURE_THREADS false) pool stays 0 and every call goes straight to the kernel.

// Control block words (i32; those written by different threads 32 bytes or more apart). src/engine/threads.ts
// knows C_GEN, C_QUIT, C_READY and C_FAILED too.
const C_GEN = 0; // job generation: bumped by the publisher after the job words are written
const C_QUIT = 8; // set by stopPool
const C_DONE = 16; // chunks of the current job finished
const C_NEXT = 24; // claims: (generation & 0xfff) << 20 | chunks << 10 | next chunk to claim
const C_READY = 32; // helpers running (their hosts count themselves in and out)
const C_FAILED = 40; // set by a helper's host when its share threw
const C_JOB = 48; // job words from here on
const J_KIND = 0;
const J_A = 1;
const J_ROW_STEP = 2;
const J_COL_STEP = 3;
const J_B = 4;
const J_LDB = 5;
const J_C = 6;
const J_LDC = 7;
const J_M = 8;
const J_N = 9;
const J_K = 10;
const J_BIAS = 11;
const J_ACC = 12;
const J_CHUNK_ROWS = 13;
// The control block is 256 bytes, allocated zeroed by TypeScript.

const KIND_GEMM = 1;
const KIND_GEMM_NT = 2;
const KIND_ADAM = 3;

/** Below this many multiply-adds (m·n·k) a GEMM stays on the calling thread: a hand-off costs a few µs. */
const MIN_SPLIT_MACS: i64 = 1 << 20;
/** Below this many f32x4 blocks (4 floats each) an Adam update stays on the calling thread. */
const MIN_SPLIT_ADAM_BLOCKS = 1 << 14;
/** A helper spins this many polls on the generation word before it goes to sleep. */
const SPIN_POLLS = 1 << 18;
/** The publisher spins this many polls on chunks still being computed elsewhere before it calls pauseOn. */
const PUBLISHER_POLLS = 1 << 16;

/**
 * The host's pause while a helper finishes a chunk: Atomics.wait on the done count for up to a millisecond where
 * the thread may block (Node), so that a helper the OS has preempted can run on this core; nothing (keep
 * spinning) on a browser's main thread. An import, not memory.atomic.wait32 (see workerRun).
 */
@external("env", "pauseOn")
declare function pauseOn(ptr: usize, expected: i32): void;

// Per instance: only the publishing instance sets them.
let pool: usize = 0;
let poolThreads: i32 = 1;

@inline function cw(i: i32): usize {
  return pool + (<usize>i << 2);
}

/** Makes this instance split wide GEMMs over `threads` threads (itself and threads − 1 helpers); 0 / 1: off. */
export function setPool(control: usize, threads: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  pool = threads > 1 ? control : 0;
  poolThreads = threads > 1 ? threads : 1;
}

/** Helpers currently running. */
export function poolReady(control: usize): i32 {
  if (!ASC_FEATURE_THREADS) return 0;
  return atomic.load<i32>(control + (<usize>C_READY << 2));
}

/** Runs rows [lo, hi) of the job at `job`. */
function runRows(job: usize, lo: i32, hi: i32): void {
  const kind = load<i32>(job + (<usize>J_KIND << 2));
  const a = <usize>load<u32>(job + (<usize>J_A << 2));
  const b = <usize>load<u32>(job + (<usize>J_B << 2));
  const c = <usize>load<u32>(job + (<usize>J_C << 2));
  const ldb = load<i32>(job + (<usize>J_LDB << 2));
  const ldc = load<i32>(job + (<usize>J_LDC << 2));
  const n = load<i32>(job + (<usize>J_N << 2));
  const k = load<i32>(job + (<usize>J_K << 2));
  const rowStep = load<i32>(job + (<usize>J_ROW_STEP << 2));
  const cOff = c + (<usize>lo * <usize>ldc << 2);
  if (kind == KIND_ADAM) {
    adamBlocks(a, b, lo, hi);
  } else if (kind == KIND_GEMM) {
    const colStep = load<i32>(job + (<usize>J_COL_STEP << 2));
    const bias = <usize>load<u32>(job + (<usize>J_BIAS << 2));
    const acc = load<i32>(job + (<usize>J_ACC << 2)) != 0;
    gemm(a + (<usize>lo * <usize>rowStep << 2), rowStep, colStep, b, ldb, cOff, ldc, hi - lo, n, k,
      bias != 0 ? bias + (<usize>lo << 2) : 0, acc);
  } else {
    gemmNT(a + (<usize>lo * <usize>rowStep << 2), rowStep, b, ldb, cOff, ldc, hi - lo, n, k);
  }
}

/**
 * Claims and runs chunks of the job of generation `gen` until none are left (or a newer job replaced it). The claim
 * word carries the generation and the chunk count, and the job words are read only after a chunk is claimed:
 * until that chunk is counted done, the publisher cannot move on to another job.
 */
function runChunks(control: usize, gen: i32): void {
  const next = control + (<usize>C_NEXT << 2);
  const job = control + (<usize>C_JOB << 2);
  const tag = (gen & 0xfff) << 20;
  while (true) {
    const v = atomic.load<i32>(next);
    if ((v & 0xfff00000) != tag) return;
    const chunk = v & 0x3ff;
    if (chunk >= ((v >> 10) & 0x3ff)) return;
    if (atomic.cmpxchg<i32>(next, v, v + 1) != v) continue;
    const rows = load<i32>(job + (<usize>J_CHUNK_ROWS << 2));
    const m = load<i32>(job + (<usize>J_M << 2));
    const lo = chunk * rows;
    const hi = min(lo + rows, m);
    runRows(job, lo, hi);
    atomic.add<i32>(control + (<usize>C_DONE << 2), 1);
    atomic.notify(control + (<usize>C_DONE << 2), 1);
  }
}

/** Publishes the job already written at the job words (but its chunking), runs chunks here, waits for the rest. */
function runJob(m: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  // About four chunks per thread, of whole 4-row tiles.
  const blocks = (m + 3) >> 2;
  const perChunk = max(1, (blocks + 4 * poolThreads - 1) / (4 * poolThreads));
  const chunks = (blocks + perChunk - 1) / perChunk;
  const job = cw(C_JOB);
  store<i32>(job + (<usize>J_M << 2), m);
  store<i32>(job + (<usize>J_CHUNK_ROWS << 2), perChunk << 2);
  const gen = atomic.load<i32>(cw(C_GEN)) + 1;
  atomic.store<i32>(cw(C_DONE), 0);
  atomic.store<i32>(cw(C_NEXT), (gen & 0xfff) << 20 | chunks << 10);
  atomic.store<i32>(cw(C_GEN), gen);
  atomic.notify(cw(C_GEN), poolThreads - 1);
  runChunks(pool, gen);
  // What is left are chunks already being computed elsewhere: spin, then pause now and then.
  let polls = 0;
  while (true) {
    const done = atomic.load<i32>(cw(C_DONE));
    if (done >= chunks) break;
    if (atomic.load<i32>(cw(C_FAILED)) != 0) unreachable();
    if (++polls >= PUBLISHER_POLLS) {
      pauseOn(cw(C_DONE), done);
      polls = 0;
    }
  }
}

@inline function splits(m: i32, n: i32, k: i32): bool {
  if (!ASC_FEATURE_THREADS) return false;
  return pool != 0 && <i64>m * <i64>n * <i64>k >= MIN_SPLIT_MACS && m >= 8 &&
    atomic.load<i32>(cw(C_READY)) >= poolThreads - 1;
}

/** gemm (gemm.ts), its rows split over the pool when wide. */
export function parGemm(
  a: usize, rowStep: i32, colStep: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, bias: usize, accumulate: bool,
): void {
  if (!splits(m, n, k)) {
    gemm(a, rowStep, colStep, b, ldb, c, ldc, m, n, k, bias, accumulate);
    return;
  }
  const job = cw(C_JOB);
  store<i32>(job + (<usize>J_KIND << 2), KIND_GEMM);
  store<u32>(job + (<usize>J_A << 2), <u32>a);
  store<i32>(job + (<usize>J_ROW_STEP << 2), rowStep);
  store<i32>(job + (<usize>J_COL_STEP << 2), colStep);
  store<u32>(job + (<usize>J_B << 2), <u32>b);
  store<i32>(job + (<usize>J_LDB << 2), ldb);
  store<u32>(job + (<usize>J_C << 2), <u32>c);
  store<i32>(job + (<usize>J_LDC << 2), ldc);
  store<i32>(job + (<usize>J_N << 2), n);
  store<i32>(job + (<usize>J_K << 2), k);
  store<u32>(job + (<usize>J_BIAS << 2), <u32>bias);
  store<i32>(job + (<usize>J_ACC << 2), accumulate ? 1 : 0);
  runJob(m);
}

/** gemmNT (gemm.ts), its rows split over the pool when wide. */
export function parGemmNT(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32): void {
  if (!splits(m, n, k)) {
    gemmNT(a, lda, b, ldb, c, ldc, m, n, k);
    return;
  }
  const job = cw(C_JOB);
  store<i32>(job + (<usize>J_KIND << 2), KIND_GEMM_NT);
  store<u32>(job + (<usize>J_A << 2), <u32>a);
  store<i32>(job + (<usize>J_ROW_STEP << 2), lda);
  store<u32>(job + (<usize>J_B << 2), <u32>b);
  store<i32>(job + (<usize>J_LDB << 2), ldb);
  store<u32>(job + (<usize>J_C << 2), <u32>c);
  store<i32>(job + (<usize>J_LDC << 2), ldc);
  store<i32>(job + (<usize>J_N << 2), n);
  store<i32>(job + (<usize>J_K << 2), k);
  runJob(m);
}

/**
 * adamBlocks (optim.ts) over blocks [0, blocks) of the parameter at entry `e`, split over the pool when long:
 * each block's update reads and writes that block alone, so any split gives the same bits.
 */
export function parAdam(e: usize, k: usize, blocks: i32): void {
  if (!ASC_FEATURE_THREADS || pool == 0 || blocks < MIN_SPLIT_ADAM_BLOCKS ||
    atomic.load<i32>(cw(C_READY)) < poolThreads - 1) {
    adamBlocks(e, k, 0, blocks);
    return;
  }
  const job = cw(C_JOB);
  store<i32>(job + (<usize>J_KIND << 2), KIND_ADAM);
  store<u32>(job + (<usize>J_A << 2), <u32>e);
  store<u32>(job + (<usize>J_B << 2), <u32>k);
  runJob(blocks);
}

/** Asks every helper parked on `control` to leave workerRun for good (they return, and their host stops them). */
export function stopPool(control: usize): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(control + (<usize>C_QUIT << 2), 1);
  atomic.add<i32>(control + (<usize>C_GEN << 2), 1);
  atomic.notify(control + (<usize>C_GEN << 2), -1);
}

/**
 * A helper thread's work (`index` 1..threads − 1, unused): claims chunks of every job published on `control`
 * after generation `seen`, spinning on the generation word between jobs; returns the last generation seen once it has
 * spun SPIN_POLLS polls with no new job, or at once when the pool is stopped. The host (src/engine/threads.ts)
 * then sleeps with Atomics.wait on the generation word and calls again: the sleep is in JavaScript because
 * memory.atomic.wait32 in V8 11 (Node 20) lost the function's locals held in registers across the wait.
 */
export function workerRun(control: usize, index: i32, seen: i32): i32 {
  if (!ASC_FEATURE_THREADS) return seen;
  const gen = control + (<usize>C_GEN << 2);
  let polls = 0;
  while (polls < SPIN_POLLS) {
    const now = atomic.load<i32>(gen);
    if (now == seen) {
      polls++;
      continue;
    }
    seen = now;
    if (atomic.load<i32>(control + (<usize>C_QUIT << 2)) != 0) break;
    runChunks(control, now);
    polls = 0;
  }
  return seen;
}
