// W1, the lesson: 1000 Adam steps (lr 0.01) of LogicNet 2-3-2 on 20 points of make_moons(noise=0.2, seed 0),
// StepLR(step_size=50, gamma=0.99) stepped after every step. Time per 1000 steps.
import { Adam, DeviceData, LogicNet, makeMoons, StepLR, toMatrix, Trainer } from '../../src/index.ts';
import { PlainAdam, PlainMlp, PlainStepLR, plainTrainStep, type PlainLayerInit } from '../baselines/plain_js.ts';
import { tfBatch, TfMlp } from '../baselines/tfjs.ts';
import { nativeStats, nativeUnavailable, runNative, writeNativeInput } from '../baselines/native.ts';
import type { TorchConfig } from '../baselines/torch.ts';
import { nativeRow, tfLabel, tfMeasurements, type BenchContext } from '../context.ts';
import { measured, skippedMeasurement, type Check, type Measurement } from '../report.ts';
import { timeRounds, type Stats } from '../timing.ts';
import { maxRelativeDiff, nestedWeightsOf, weightsOf } from './common.ts';
import { runW1Cli } from './w1_cli.ts';

const STEPS = 1000;
const LR = 0.01;
const STEP_SIZE = 50;
const GAMMA = 0.99;
const GROUP = 'W1';
const UNIT = 'ms / 1000 steps';
/** Agreement required of the plain-JS baseline's first 10 losses. */
export const W1_LOSS_TOLERANCE = 1e-5;
/** Agreement required of the native C baseline's loss after 1000 steps (relative). */
export const W1_NATIVE_TOLERANCE = 1e-4;

/** "runs × steps" of a timing whose calls are counted in thousands of steps. */
const perRun = (s: Stats) => `${s.runs} × ${Math.round(s.callsPerRun * STEPS)} steps`;

const data = () => makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });

function lesson() {
  const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
  const optimizer = new Adam(model.parameters(), { lr: LR });
  const scheduler = new StepLR(optimizer, { stepSize: STEP_SIZE, gamma: GAMMA });
  const dispose = () => {
    optimizer.dispose();
    model.dispose();
  };
  return { model, optimizer, scheduler, dispose };
}

/** The lesson's data and initial weights for the PyTorch child. */
export function w1TorchConfig(steps: number): TorchConfig['w1'] {
  const d = data();
  const { model, dispose } = lesson();
  const init = nestedWeightsOf(model);
  dispose();
  const x = Array.from({ length: d.nSamples }, (_, i) => [d.x[2 * i], d.x[2 * i + 1]]);
  return { x, y: Array.from(d.y), init, steps, lr: LR, step_size: STEP_SIZE, gamma: GAMMA };
}

export async function runW1(ctx: BenchContext): Promise<{ measurements: Measurement[]; checks: Check[] }> {
  const d = data();
  const base = { group: GROUP, unit: UNIT, higherIsBetter: false };
  const out: Measurement[] = [];
  const checks: Check[] = [];
  const plan = ctx.plans.w1;

  // (a) the fused path: one call into the core per step, scheduler stepped in between.
  let annealLosses: number[] = [];
  let annealFinal = Number.NaN;
  const fused = timeRounds(
    plan,
    () => {
      const l = lesson();
      return {
        ...l,
        trainer: new Trainer({ model: l.model, optimizer: l.optimizer, scheduler: l.scheduler, x: d, y: d.y }),
      };
    },
    (c) => {
      const h = c.trainer.run(STEPS);
      if (annealLosses.length === 0) {
        annealLosses = h.loss.slice(0, 10);
        annealFinal = h.loss[STEPS - 1];
      }
    },
    (c) => {
      c.trainer.dispose();
      c.dispose();
    },
  );
  out.push(
    measured({
      ...base,
      id: 'anneal-fused',
      impl: 'anneal fused (Trainer.run)',
      kind: 'anneal',
      stats: fused,
      perRun: perRun(fused),
    }),
  );
  ctx.log(`W1 anneal fused: ${fused.median.toFixed(3)} ms / 1000 steps`);

  // (a') the same lesson through the compiled CLI, `anneal train` (issue 15: within 1.3× of the Trainer).
  out.push(...runW1Cli(ctx, GROUP, UNIT));

  // (b) the line-by-line loop, as the lesson writes it.
  const loopLosses: number[] = [];
  const loop = timeRounds(
    plan,
    lesson,
    ({ model, optimizer, scheduler }) => {
      const keep = loopLosses.length === 0;
      for (let i = 0; i < STEPS; i++) {
        const loss = model.getLoss(d, d.y);
        if (keep && i < 10) loopLosses.push(loss.item());
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        scheduler.step();
      }
    },
    (c) => c.dispose(),
  );
  out.push(
    measured({
      ...base,
      id: 'anneal-loop',
      impl: 'anneal line-by-line',
      kind: 'anneal',
      stats: loop,
      perRun: perRun(loop),
    }),
  );
  ctx.log(`W1 anneal line-by-line: ${loop.median.toFixed(3)} ms / 1000 steps`);
  checks.push({
    name: 'W1: fused vs line-by-line, first 10 losses',
    ok: maxRelativeDiff(loopLosses, annealLosses) === 0,
    detail:
      `max relative difference ${maxRelativeDiff(loopLosses, annealLosses).toExponential(2)} ` +
      '(the two paths should be bit-identical)',
  });

  // Diagnostic floor: the core's fused step alone on the batch staged once, no scheduler and no history.
  const core = timeRounds(
    plan,
    () => {
      const l = lesson();
      const resident = new DeviceData(l.model.engine, toMatrix(d, 2), d.y);
      return { ...l, resident, n: l.model.loadBatch(resident, null) };
    },
    ({ model, optimizer, n }) => {
      for (let i = 0; i < STEPS; i++) model.trainStepStaged(n, optimizer);
    },
    (c) => {
      c.resident.dispose();
      c.dispose();
    },
  );
  out.push(
    measured({
      ...base,
      id: 'anneal-core',
      impl: 'anneal core steps only (diagnostic)',
      kind: 'anneal',
      stats: core,
      perRun: perRun(core),
      diagnostic: true,
      note:
        '1000 × model.trainStepStaged on the batch staged once: no scheduler, no per-step history; ' +
        'the floor under the fused path',
    }),
  );
  ctx.log(`W1 anneal core steps only: ${core.median.toFixed(3)} ms / 1000 steps`);

  // Everything else starts from anneal's initial weights (those of torch.manual_seed(0)).
  const init = (() => {
    const l = lesson();
    const w = weightsOf(l.model);
    l.dispose();
    return w;
  })();

  // Native C, AVX2: the physical limit, checked against anneal's losses before it is timed.
  out.push(nativeW1(ctx, init, annealLosses, annealFinal, checks));

  // Plain JavaScript on Float32Arrays.
  const plainLosses = new Float64Array(STEPS);
  const plain = timeRounds(
    plan,
    () => {
      const model = new PlainMlp([2, 3, 2], 20, init);
      const optimizer = new PlainAdam(model.parameters(), { lr: LR });
      return { model, optimizer, scheduler: new PlainStepLR(optimizer, STEP_SIZE, GAMMA) };
    },
    ({ model, optimizer, scheduler }) => {
      for (let i = 0; i < STEPS; i++) {
        plainLosses[i] = plainTrainStep(model, optimizer, d.x, d.y, 20);
        scheduler.step();
      }
    },
  );
  out.push(
    measured({
      ...base,
      id: 'plain-js',
      impl: 'plain JS (Float32Array)',
      kind: 'baseline',
      stats: plain,
      perRun: perRun(plain),
    }),
  );
  ctx.log(`W1 plain JS: ${plain.median.toFixed(3)} ms / 1000 steps`);
  const plainDiff = maxRelativeDiff(plainLosses.subarray(0, 10), annealLosses);
  checks.push({
    name: 'W1: plain JS vs anneal, first 10 losses',
    ok: plainDiff <= W1_LOSS_TOLERANCE,
    detail:
      `max relative difference ${plainDiff.toExponential(2)} (required ≤ ${W1_LOSS_TOLERANCE.toExponential()}); ` +
      `anneal's first loss ${annealLosses[0]?.toFixed(7)}, plain JS ${plainLosses[0].toFixed(7)}`,
  });

  // TF.js: runs of `steps` steps (fewer than 1000 in a quick run), reported per 1000 steps.
  const slow = ctx.plans.w1Slow;
  out.push(
    ...(await tfMeasurements(ctx, base, (session, slot, row) => {
      const batch = tfBatch(session, d.x, d.y, 20, 2, 2);
      const losses: number[] = [];
      const stats = timeRounds(
        slow,
        () => new TfMlp(session, [2, 3, 2], init, LR),
        (mlp) => {
          let lr = LR;
          const keep = losses.length === 0;
          for (let i = 1; i <= slow.steps; i++) {
            const loss = mlp.step(batch.xs, batch.oneHot);
            if (keep && i <= 10) losses.push(loss);
            if (i % STEP_SIZE === 0) mlp.lr = lr *= GAMMA; // StepLR(50, 0.99)
          }
        },
        (mlp) => mlp.dispose(),
        slow.steps / STEPS,
      );
      batch.dispose();
      const note = slow.steps === STEPS ? undefined : `timed over runs of ${slow.steps} steps, scaled to 1000`;
      ctx.log(`W1 ${tfLabel(slot)}: ${stats.median.toFixed(2)} ms / 1000 steps`);
      const diff = maxRelativeDiff(losses, annealLosses);
      const shown = diff.toExponential(2);
      checks.push({
        name: `W1: ${tfLabel(slot)} vs anneal, first 10 losses (informational)`,
        ok: diff <= 1e-4,
        detail: `max relative difference ${shown} (same weights, data and Adam eps; f32 kernels differ)`,
      });
      return measured({ ...row, stats, note, perRun: perRun(stats) });
    })),
  );

  // PyTorch eager (child process), single-threaded (a model this small runs on one thread anyway).
  const t = ctx.torch;
  if (t.ok && t.stats('W1')) {
    const stats = t.stats('W1')!;
    const isDefault = t.report.default_threads === 1 ? ', the default' : '';
    const note =
      stats.callsPerRun === 1 ? undefined : `timed over runs of ${stats.callsPerRun * STEPS} steps, scaled to 1000`;
    out.push(
      measured({
        ...base,
        id: 'torch-1',
        impl: `PyTorch ${t.report.torch} eager (1 thread${isDefault})`,
        kind: 'baseline',
        stats,
        note,
        perRun: perRun(stats),
      }),
    );
    const diff = maxRelativeDiff(t.report.w1_losses, annealLosses);
    checks.push({
      name: 'W1: PyTorch vs anneal, first 10 losses (informational)',
      ok: diff <= 1e-5,
      detail: `max relative difference ${diff.toExponential(2)}`,
    });
  } else {
    out.push(
      skippedMeasurement(
        { ...base, id: 'torch-1', impl: 'PyTorch eager', kind: 'baseline' },
        t.ok ? 'no W1 result from the child' : t.reason,
      ),
    );
  }

  return { measurements: out, checks };
}

/**
 * The native C lesson (bench/native/w1_lesson.c) from anneal's data and initial weights: one untimed run whose
 * losses are checked against anneal's (the first 10, and the last after 1000 steps), then, when they agree,
 * the timed runs (each 1000 steps from the initial weights, with StepLR and every loss and lr recorded).
 */
function nativeW1(
  ctx: BenchContext,
  init: readonly PlainLayerInit[],
  annealLosses: readonly number[],
  annealFinal: number,
  checks: Check[],
): Measurement {
  const row = nativeRow({ group: GROUP, unit: UNIT, higherIsBetter: false }, 'native C, AVX2 (batch in lanes)');
  const name = 'W1: native C vs anneal, first 10 losses and the loss after 1000 steps';
  const unavailable = nativeUnavailable(ctx.native, 'w1_lesson');
  if (unavailable !== null) {
    checks.push({ name, ok: null, detail: unavailable });
    return skippedMeasurement(row, unavailable);
  }
  const d = data();
  const f32 = (v: ArrayLike<number>) => Float32Array.from(v);
  const input = writeNativeInput(ctx.native, 'w1.bin', [
    new Float64Array([LR, GAMMA]),
    new Int32Array([STEP_SIZE, d.nSamples, STEPS]),
    f32(d.x),
    Int32Array.from(d.y),
    ...init.flatMap((l) => [f32(l.weight), f32(l.bias)]),
  ]);
  type Out = { losses_head: number[]; final_loss: number };
  const check = runNative<Out>(ctx.native, 'w1_lesson', [input, 0, 0]);
  if (!check.ok) {
    checks.push({ name, ok: false, detail: check.reason });
    return skippedMeasurement(row, check.reason);
  }
  const head = maxRelativeDiff(check.out.losses_head, annealLosses);
  const final = Math.abs(check.out.final_loss - annealFinal) / Math.abs(annealFinal);
  const ok = head <= W1_NATIVE_TOLERANCE && final <= W1_NATIVE_TOLERANCE;
  checks.push({
    name,
    ok,
    detail:
      `max relative difference of the first 10 ${head.toExponential(2)}, after 1000 steps ` +
      `${final.toExponential(2)} (required ≤ ${W1_NATIVE_TOLERANCE.toExponential()}): anneal ` +
      `${annealFinal.toPrecision(8)}, native C ${check.out.final_loss.toPrecision(8)}`,
  });
  if (!ok) return skippedMeasurement(row, "wrong: its losses differ from anneal's (see Checks), not timed");
  const plan = ctx.plans.w1;
  const timed = runNative<Out>(ctx.native, 'w1_lesson', [input, plan.warmup, plan.runs]);
  const stats = timed.ok ? nativeStats(timed.out) : null;
  if (!stats) return skippedMeasurement(row, timed.ok ? 'printed no timing' : timed.reason);
  ctx.log(`W1 native C: ${stats.median.toFixed(3)} ms / 1000 steps`);
  return measured({ ...row, stats, perRun: `${stats.runs} × ${STEPS} steps` });
}
