// W2: MLP 784-256(tanh)-10, batch 128 of seeded random data, one Adam step (lr 0.01). Time per step.
import { Adam, DeviceData, MLP, toMatrix } from '../../src/index.ts';
import { PlainAdam, PlainMlp, plainTrainStep } from '../baselines/plain_js.ts';
import { tfBatch, TfMlp } from '../baselines/tfjs.ts';
import type { TorchConfig } from '../baselines/torch.ts';
import {
  nativeReference,
  NATIVE_REFERENCE,
  tfLabel,
  tfMeasurements,
  torchMeasurements,
  type BenchContext,
  type CallPlan,
} from '../context.ts';
import { measured, type Check, type Measurement } from '../report.ts';
import { callsFor, timeCalls, type Stats } from '../timing.ts';
import { randomBatch, weightsOf } from './common.ts';

const SIZES = [784, 256, 10];
const BATCH = 128;
const LR = 0.01;
const SEED = 0;
const GROUP = 'W2';
const UNIT = 'ms / step';

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
  const data = new DeviceData(model.engine, toMatrix(xm, SIZES[0]), y);
  const n = model.loadBatch(data, null);
  let last = 0;
  const staged = timeStep(ctx.plans.w2, () => {
    last = model.trainStepStaged(n, optimizer);
  });
  out.push(
    measured({
      ...base,
      id: 'anneal-staged',
      impl: 'anneal trainStepStaged (batch staged once)',
      kind: 'anneal',
      stats: staged,
    }),
  );
  ctx.log(`W2 anneal staged: ${staged.median.toFixed(3)} ms / step`);

  // The convenience call: validates and copies the batch into linear memory on every call.
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
  data.dispose();
  optimizer.dispose();
  model.dispose();

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
  out.push(nativeReference(GROUP, UNIT, false, NATIVE_REFERENCE.w2MsPerStep));
  return { measurements: out, checks };
}
