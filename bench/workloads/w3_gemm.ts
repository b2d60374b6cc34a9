// W3: f32 GEMM C[m×n] = A[m×k]·B[k×n] (row-major) through the core's exported `matmul` kernel, in GFLOP/s.
import { getEngine, type Engine } from '../../src/index.ts';
import { nativeStats, nativeUnavailable, readNativeF32, runNative, writeNativeInput } from '../baselines/native.ts';
import { plainMatmul } from '../baselines/plain_js.ts';
import { nativeRow, tfMeasurements, torchMeasurements, type BenchContext, type CallPlan } from '../context.ts';
import { measured, skippedMeasurement, type Check, type Measurement } from '../report.ts';
import { callsFor, seededRandom, timeCalls, type Stats } from '../timing.ts';

/** Shapes as [m, k, n]. */
export const W3_SHAPES: [number, number, number][] = [
  [256, 256, 256],
  [128, 784, 256],
];
const UNIT = 'GFLOP/s';

type Matmul = (a: number, b: number, c: number, m: number, n: number, k: number) => void;

/** The core's matmul export, when this build of the core has one. */
function coreMatmul(engine: Engine): Matmul | null {
  const fn = (engine.core as unknown as { matmul?: Matmul }).matmul;
  return typeof fn === 'function' ? fn : null;
}

/** GFLOP/s of a timing in ms per call: the median, and the rates of the slowest and fastest runs. */
function rate(stats: Stats, flops: number): { value: number; range: [number, number] } {
  const g = (ms: number) => flops / (ms * 1e6);
  return { value: g(stats.median), range: [g(stats.max), g(stats.min)] };
}

function timeCall(plan: CallPlan, call: () => void): Stats {
  return timeCalls(plan, callsFor(plan.targetMs, call), call);
}

/** The product in f64, to check the kernels against. */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
    }
  }
  return c;
}

function maxAbsError(c: ArrayLike<number>, ref: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(c[i] - ref[i]));
  return worst;
}

/** Times the core's matmul on `engine` for A·B; returns the timing and the product. */
function timeMatmul(
  ctx: BenchContext,
  engine: Engine,
  matmul: Matmul,
  A: Float32Array,
  B: Float32Array,
  [m, k, n]: [number, number, number],
): { stats: Stats; c: Float32Array } {
  const a = engine.alloc(m * k * 4);
  const b = engine.alloc(k * n * 4);
  const c = engine.alloc(m * n * 4);
  const f32 = engine.f32; // after the allocations: growing memory replaces the view
  f32.set(A, a >> 2);
  f32.set(B, b >> 2);
  matmul(a, b, c, m, n, k);
  const product = engine.f32.slice(c >> 2, (c >> 2) + m * n);
  const stats = timeCall(ctx.plans.w3, () => matmul(a, b, c, m, n, k));
  engine.free(a);
  engine.free(b);
  engine.free(c);
  return { stats, c: product };
}

/** The matmul of the relaxed-SIMD build (`precision: 'fast'`), when this JavaScript engine has relaxed SIMD. */
function fastMatmul(
  ctx: BenchContext,
  base: Pick<Measurement, 'group' | 'unit' | 'higherIsBetter'>,
  shape: [number, number, number],
  A: Float32Array,
  B: Float32Array,
  ref: Float64Array,
  checks: Check[],
): Measurement {
  const row = { ...base, id: 'anneal-fast', impl: "anneal core matmul, precision 'fast'", kind: 'anneal' as const };
  const engine = getEngine({ precision: 'fast' });
  const matmul = coreMatmul(engine);
  if (engine.precision !== 'fast' || !matmul)
    return skippedMeasurement(row, 'no relaxed SIMD in this JavaScript engine');
  const [m, k, n] = shape;
  const { stats, c } = timeMatmul(ctx, engine, matmul, A, B, shape);
  const err = maxAbsError(c, ref);
  checks.push({
    name: `${base.group}: anneal matmul, precision 'fast', vs plain-JS f64 product`,
    ok: err < 1e-3,
    detail: `max abs error ${err.toExponential(2)}`,
  });
  ctx.log(`${base.group} anneal fast: ${rate(stats, 2 * m * n * k).value.toFixed(1)} GFLOP/s`);
  return measured({ ...row, stats, ...rate(stats, 2 * m * n * k) });
}

export async function runW3(ctx: BenchContext): Promise<{ measurements: Measurement[]; checks: Check[] }> {
  const out: Measurement[] = [];
  const checks: Check[] = [];
  const engine = getEngine();
  const matmul = coreMatmul(engine);

  for (const [m, k, n] of W3_SHAPES) {
    const group = `W3 ${m}×${k}×${n}`;
    const base = { group, unit: UNIT, higherIsBetter: true };
    const flops = 2 * m * n * k;
    const random = seededRandom(1);
    const A = Float32Array.from({ length: m * k }, () => random() * 2 - 1);
    const B = Float32Array.from({ length: k * n }, () => random() * 2 - 1);
    const ref = reference(A, B, m, n, k);
    let annealC: Float32Array | null = null;

    if (matmul) {
      const { stats, c } = timeMatmul(ctx, engine, matmul, A, B, [m, k, n]);
      annealC = c;
      const err = maxAbsError(annealC, ref);
      checks.push({
        name: `${group}: anneal matmul vs plain-JS f64 product`,
        ok: err < 1e-3,
        detail: `max abs error ${err.toExponential(2)} (entries are sums of ${k} products of values in [-1, 1))`,
      });
      out.push(
        measured({
          ...base,
          id: 'anneal-matmul',
          impl: 'anneal core matmul',
          kind: 'anneal',
          stats,
          ...rate(stats, flops),
        }),
      );
      ctx.log(
        `${group} anneal: ${rate(stats, flops).value.toFixed(1)} GFLOP/s (max abs error ${err.toExponential(2)})`,
      );
    } else {
      out.push(
        skippedMeasurement(
          { ...base, id: 'anneal-matmul', impl: 'anneal core matmul', kind: 'anneal' },
          'build/anneal.wasm exports no `matmul` (rebuild the core: npm run build:wasm)',
        ),
      );
      checks.push({
        name: `${group}: anneal matmul vs plain-JS f64 product`,
        ok: null,
        detail: 'the core has no matmul export',
      });
    }
    out.push(fastMatmul(ctx, base, [m, k, n], A, B, ref, checks));

    out.push(nativeW3(ctx, base, [m, k, n], A, B, ref, annealC, checks));

    const C = new Float32Array(m * n);
    const plain = timeCall({ ...ctx.plans.w3, runs: Math.max(3, ctx.plans.w3.runs >> 1) }, () =>
      plainMatmul(A, B, C, m, n, k),
    );
    out.push(
      measured({
        ...base,
        id: 'plain-js',
        impl: 'plain JS (Float32Array, i-p-j loops)',
        kind: 'baseline',
        stats: plain,
        ...rate(plain, flops),
      }),
    );

    out.push(
      ...(await tfMeasurements(ctx, base, ({ tf }, _slot, row) => {
        const ta = tf.tensor2d(A, [m, k]);
        const tb = tf.tensor2d(B, [k, n]);
        const stats = timeCall(ctx.plans.w3, () => {
          const tc = tf.matMul(ta, tb);
          tc.dataSync();
          tc.dispose();
        });
        tf.dispose([ta, tb]);
        return measured({ ...row, stats, ...rate(stats, flops), note: 'tf.matMul plus dataSync() of the result' });
      })),
    );

    out.push(
      ...torchMeasurements(
        ctx,
        base,
        (threads) => `W3 ${m}x${k}x${n} ${threads}`,
        (stats) => rate(stats, flops),
      ),
    );
    if (ctx.torch.ok) {
      const err = ctx.torch.report.w3_max_abs_err[`${m}x${k}x${n}`];
      if (err !== undefined)
        checks.push({
          name: `${group}: torch.mm vs f64 product (informational)`,
          ok: err < 1e-3,
          detail: `max abs error ${err.toExponential(2)}`,
        });
    }
  }
  return { measurements: out, checks };
}

/**
 * The native C GEMM (bench/native/w3_gemm.c) on the same matrices: its product is checked against anneal's
 * (max abs difference) and the f64 product, and only when it agrees is it timed.
 */
function nativeW3(
  ctx: BenchContext,
  base: { group: string; unit: string; higherIsBetter: boolean },
  [m, k, n]: [number, number, number],
  A: Float32Array,
  B: Float32Array,
  ref: Float64Array,
  annealC: Float32Array | null,
  checks: Check[],
): Measurement {
  const row = nativeRow(base, 'native C, AVX2+FMA (6×16 kernel, packed)');
  const name = `${base.group}: native C vs anneal matmul and the f64 product`;
  const unavailable = nativeUnavailable(ctx.native, 'w3_gemm');
  if (unavailable !== null) {
    checks.push({ name, ok: null, detail: unavailable });
    return skippedMeasurement(row, unavailable);
  }
  const input = writeNativeInput(ctx.native, `w3_${m}x${k}x${n}.bin`, [new Int32Array([m, k, n]), A, B]);
  const output = `${input}.out`;
  const check = runNative(ctx.native, 'w3_gemm', [input, output, 0, 0, 0]);
  if (!check.ok) {
    checks.push({ name, ok: false, detail: check.reason });
    return skippedMeasurement(row, check.reason);
  }
  const C = readNativeF32(output);
  const errRef = C.length === m * n ? maxAbsError(C, ref) : Number.POSITIVE_INFINITY;
  const vsAnneal = annealC ? maxAbsError(C, Float64Array.from(annealC)) : null;
  const ok = errRef < 1e-3 && (vsAnneal === null || vsAnneal < 1e-3);
  const fromAnneal = vsAnneal === null ? '— (anneal has no matmul)' : vsAnneal.toExponential(2);
  checks.push({
    name,
    ok,
    detail:
      `max abs difference from anneal's product ${fromAnneal}, ` +
      `from the f64 product ${errRef.toExponential(2)} (required < 1e-3)`,
  });
  if (!ok) return skippedMeasurement(row, "wrong: its product differs from anneal's (see Checks), not timed");
  const plan = ctx.plans.w3;
  const flops = 2 * m * n * k;
  const timed = runNative(ctx.native, 'w3_gemm', [input, output, plan.warmup, plan.runs, plan.targetMs]);
  const stats = timed.ok ? nativeStats(timed.out) : null;
  if (!stats) return skippedMeasurement(row, timed.ok ? 'printed no timing' : timed.reason);
  ctx.log(`${base.group} native C: ${rate(stats, flops).value.toFixed(1)} GFLOP/s`);
  return measured({ ...row, stats, ...rate(stats, flops) });
}
