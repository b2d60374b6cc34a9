// W2: MLP 784-256(tanh)-10, batch 128 of seeded random data, one Adam step (lr 0.01). Time per step.
import { availableParallelism } from 'node:os';
import {
  Adam,
  createEngine,
  DeviceData,
  type Engine,
  getEngine,
  hasRelaxedSimd,
  MLP,
  toMatrix,
} from '../../src/index.ts';
import { PlainAdam, PlainMlp, plainTrainStep, type PlainLayerInit } from '../baselines/plain_js.ts';
import { tfBatch, TfMlp } from '../baselines/tfjs.ts';
import { nativeStats, nativeUnavailable, runNative, writeNativeInput } from '../baselines/native.ts';
import type { TorchConfig } from '../baselines/torch.ts';
import { nativeRow, tfLabel, tfMeasurements, torchMeasurements, type BenchContext, type CallPlan } from '../context.ts';
import { measured, skippedMeasurement, type Check, type Measurement } from '../report.ts';
import { callsFor, timeCalls, type Stats } from '../timing.ts';
import { maxRelativeDiff, randomBatch, weightsOf } from './common.ts';

const SIZES = [784, 256, 10];
const BATCH = 128;
const LR = 0.01;
const SEED = 0;
const GROUP = 'W2';
const UNIT = 'ms / step';
/** Steps from the initial weights whose losses the native C baseline must reproduce, and how closely. */
const CHECK_STEPS = 5;
export const W2_NATIVE_TOLERANCE = 1e-4;

export const w2TorchConfig = (): TorchConfig['w2'] => ({ sizes: SIZES, batch: BATCH, seed: SEED });

function timeStep(plan: CallPlan, step: () => void): Stats {
  return timeCalls(plan, callsFor(plan.targetMs, step), step);
}

export async function runW2(ctx: BenchContext): Promise<{ measurements: Measurement[]; checks: Check[] }> {
  const base = { group: GROUP, unit: UNIT, higherIsBetter: false };
  const out: Measurement[] = [];
  const checks: Check[] = [];
  const { x, y } = randomBatch(BATCH, SIZES[0], SIZES[2], SEED);
  const xm = { rows: BATCH, cols: SIZES[0], data: x };

  const model = new MLP({ sizes: SIZES, activation: 'tanh', seed: SEED });
  const optimizer = new Adam(model.parameters(), { lr: LR });
  const init = weightsOf(model);

  // The pure step: the batch staged once in linear memory, then one fused call per step.
  const staged = timeStaged(ctx, x, y, getEngine());
  out.push(
    measured({
      ...base,
      id: 'anneal-staged',
      impl: 'anneal trainStepStaged (batch staged once)',
      kind: 'anneal',
      stats: staged.stats,
    }),
  );
  ctx.log(`W2 anneal staged: ${staged.stats.median.toFixed(3)} ms / step`);
  out.push(fastW2(ctx, base, x, y, staged.losses, checks));

  // The convenience call: validates and copies the batch into linear memory on every call.
  let last = 0;
  const copying = timeStep(ctx.plans.w2, () => {
    last = model.trainStep(xm, y, optimizer);
  });
  out.push(
    measured({
      ...base,
      id: 'anneal-copy',
      impl: 'anneal trainStep (copies the batch)',
      kind: 'anneal',
      stats: copying,
    }),
  );
  ctx.log(`W2 anneal trainStep: ${copying.median.toFixed(3)} ms / step`);
  checks.push({
    name: 'W2: anneal loss stays finite while timing',
    ok: Number.isFinite(last),
    detail: `last loss ${last}`,
  });
  optimizer.dispose();
  model.dispose();

  out.push(await threadsW2(ctx, base, x, y, staged.losses, checks));
  out.push(nativeW2(ctx, x, y, init, staged.losses, checks));

  const plainModel = new PlainMlp(SIZES, BATCH, init);
  const plainOpt = new PlainAdam(plainModel.parameters(), { lr: LR });
  const plain = timeStep(ctx.plans.w2Slow, () => {
    plainTrainStep(plainModel, plainOpt, x, y, BATCH);
  });
  out.push(measured({ ...base, id: 'plain-js', impl: 'plain JS (Float32Array)', kind: 'baseline', stats: plain }));
  ctx.log(`W2 plain JS: ${plain.median.toFixed(2)} ms / step`);

  out.push(
    ...(await tfMeasurements(ctx, base, (session, slot, row) => {
      const batch = tfBatch(session, x, y, BATCH, SIZES[0], SIZES[2]);
      const mlp = new TfMlp(session, SIZES, init, LR);
      const plan = slot.backend === 'cpu' ? ctx.plans.w2Slow : ctx.plans.w2;
      const stats = timeStep(plan, () => {
        mlp.step(batch.xs, batch.oneHot);
      });
      mlp.dispose();
      batch.dispose();
      ctx.log(`W2 ${tfLabel(slot)}: ${stats.median.toFixed(2)} ms / step`);
      return measured({ ...row, stats });
    })),
  );

  out.push(...torchMeasurements(ctx, base, (threads) => `W2 ${threads}`));
  return { measurements: out, checks };
}

/**
 * Times the staged step (the batch staged once in linear memory, one fused call per step) on `engine`, after
 * recording the losses of the first CHECK_STEPS steps of a fresh model.
 */
function timeStaged(
  ctx: BenchContext,
  x: Float32Array,
  y: Int32Array,
  engine: Engine,
): { stats: Stats; losses: number[] } {
  const model = new MLP({ sizes: SIZES, activation: 'tanh', seed: SEED, engine });
  const optimizer = new Adam(model.parameters(), { lr: LR });
  const data = new DeviceData(engine, toMatrix({ rows: BATCH, cols: SIZES[0], data: x }, SIZES[0]), y);
  const n = model.loadBatch(data, null);
  const losses = Array.from({ length: CHECK_STEPS }, () => model.trainStepStaged(n, optimizer));
  const stats = timeStep(ctx.plans.w2, () => {
    model.trainStepStaged(n, optimizer);
  });
  data.dispose();
  optimizer.dispose();
  model.dispose();
  return { stats, losses };
}

/**
 * The staged step on the relaxed-SIMD build (`precision: 'fast'`), when this JavaScript engine has relaxed SIMD;
 * its first losses' distance from the deterministic build's goes to the checks.
 */
function fastW2(
  ctx: BenchContext,
  base: Pick<Measurement, 'group' | 'unit' | 'higherIsBetter'>,
  x: Float32Array,
  y: Int32Array,
  exact: number[],
  checks: Check[],
): Measurement {
  const row = { ...base, id: 'anneal-fast', impl: "anneal trainStepStaged, precision 'fast'", kind: 'anneal' as const };
  if (!hasRelaxedSimd()) return skippedMeasurement(row, 'no relaxed SIMD in this JavaScript engine');
  const fast = timeStaged(ctx, x, y, getEngine({ precision: 'fast' }));
  const diff = maxRelativeDiff(fast.losses, exact);
  checks.push({
    name: `W2: precision 'fast' vs deterministic, losses of the first ${CHECK_STEPS} steps`,
    ok: diff <= W2_NATIVE_TOLERANCE,
    detail: `max relative difference ${diff.toExponential(2)} (PyTorch tolerance 1e-4)`,
  });
  ctx.log(`W2 anneal fast: ${fast.stats.median.toFixed(3)} ms / step`);
  return measured({ ...row, stats: fast.stats });
}

export const W2_THREADS_ID = 'anneal-threads-2';

/**
 * The staged step on an engine with 2 threads (createEngine({ threads: 2 })): its first losses must equal the
 * single-thread engine's (`exact`) bit for bit, or its timing is not reported.
 */
async function threadsW2(
  ctx: BenchContext,
  base: Pick<Measurement, 'group' | 'unit' | 'higherIsBetter'>,
  x: Float32Array,
  y: Int32Array,
  exact: number[],
  checks: Check[],
): Promise<Measurement> {
  const row = {
    ...base,
    id: W2_THREADS_ID,
    impl: 'anneal trainStepStaged, 2 threads (createEngine({ threads: 2 }))',
    kind: 'anneal' as const,
  };
  if (availableParallelism() < 2) return skippedMeasurement(row, 'one logical CPU');
  const engine = await createEngine({ threads: 2 });
  const { stats, losses } = timeStaged(ctx, x, y, engine);
  engine.close();
  const same = losses.every((v, i) => Object.is(v, exact[i]));
  checks.push({
    name: `W2: 2 threads give the single-thread losses bit for bit (${CHECK_STEPS} steps)`,
    ok: same,
    detail: `step ${CHECK_STEPS}: 2 threads ${losses[CHECK_STEPS - 1]}, 1 thread ${exact[CHECK_STEPS - 1]}`,
  });
  if (!same) return skippedMeasurement(row, 'wrong: its losses differ from 1 thread');
  ctx.log(`W2 anneal 2 threads: ${stats.median.toFixed(3)} ms / step`);
  return measured({ ...row, stats });
}

/**
 * The native C step (bench/native/w2_mlp.c) from anneal's batch and initial weights: its first losses are
 * checked against anneal's (`anneal`, from the same weights), and only when they agree is it timed (training
 * on, as anneal's timing does).
 */
function nativeW2(
  ctx: BenchContext,
  x: Float32Array,
  y: Int32Array,
  init: readonly PlainLayerInit[],
  anneal: number[],
  checks: Check[],
): Measurement {
  const row = nativeRow({ group: GROUP, unit: UNIT, higherIsBetter: false }, 'native C, AVX2+FMA (packed GEMM)');
  const name = `W2: native C vs anneal, losses of the first ${CHECK_STEPS} steps`;
  const unavailable = nativeUnavailable(ctx.native, 'w2_mlp');
  if (unavailable !== null) {
    checks.push({ name, ok: null, detail: unavailable });
    return skippedMeasurement(row, unavailable);
  }
  const input = writeNativeInput(ctx.native, 'w2.bin', [
    Int32Array.from([BATCH, ...SIZES]),
    new Float64Array([LR]),
    x,
    y,
    ...init.flatMap((l) => [Float32Array.from(l.weight), Float32Array.from(l.bias)]),
  ]);
  const check = runNative<{ losses: number[] }>(ctx.native, 'w2_mlp', [input, CHECK_STEPS, 0, 0, 0]);
  if (!check.ok) {
    checks.push({ name, ok: false, detail: check.reason });
    return skippedMeasurement(row, check.reason);
  }
  const diff = maxRelativeDiff(check.out.losses, anneal);
  const ok = check.out.losses.length === CHECK_STEPS && diff <= W2_NATIVE_TOLERANCE;
  checks.push({
    name,
    ok,
    detail:
      `max relative difference ${diff.toExponential(2)} (required ≤ ${W2_NATIVE_TOLERANCE.toExponential()}); ` +
      `step ${CHECK_STEPS}: anneal ${anneal[CHECK_STEPS - 1]?.toPrecision(8)}, ` +
      `native C ${check.out.losses[CHECK_STEPS - 1]?.toPrecision(8)}`,
  });
  if (!ok) return skippedMeasurement(row, "wrong: its losses differ from anneal's (see Checks), not timed");
  const plan = ctx.plans.w2;
  const timed = runNative(ctx.native, 'w2_mlp', [input, 0, plan.warmup, plan.runs, plan.targetMs]);
  const stats = timed.ok ? nativeStats(timed.out) : null;
  if (!stats) return skippedMeasurement(row, timed.ok ? 'printed no timing' : timed.reason);
  ctx.log(`W2 native C: ${stats.median.toFixed(3)} ms / step`);
  return measured({ ...row, stats });
}
