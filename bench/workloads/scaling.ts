// Scaling sweep: MLP 2-W-2 (tanh) on moons-like data, one Adam step (lr 0.01) on a staged batch, across batch
// sizes at hidden width 16 and across hidden widths at batch 128. Time per step and per sample.
import { Adam, DeviceData, makeMoons, MLP } from '../../src/index.ts';
import { PlainAdam, PlainMlp, plainTrainStep } from '../baselines/plain_js.ts';
import { tfBatch, TfMlp } from '../baselines/tfjs.ts';
import type { TorchConfig } from '../baselines/torch.ts';
import { tfId, tfLabel, torchMeasurements, type BenchContext, type Plans } from '../context.ts';
import { measured, skippedMeasurement, type Measurement } from '../report.ts';
import { callsFor, timeCalls } from '../timing.ts';
import { errorMessage, weightsOf } from './common.ts';

const LR = 0.01;
const UNIT = 'ms / step';
const BASE_WIDTH = 16;
const BASE_BATCH = 128;

export interface SweepConfig {
  key: string;
  batch: number;
  width: number;
}

export function sweepConfigs(plans: Plans): SweepConfig[] {
  const configs = [
    ...plans.sweepBatches.map((batch) => ({ batch, width: BASE_WIDTH })),
    ...plans.sweepWidths.map((width) => ({ batch: BASE_BATCH, width })),
  ];
  return configs.map((c) => ({ ...c, key: `sweep b=${c.batch} w=${c.width}` }));
}

function moons(n: number) {
  return makeMoons({ nSamples: Math.max(n, 2), noise: 0.2, seed: 0 });
}

export function sweepTorchConfig(plans: Plans): TorchConfig['sweep'] {
  const configs = sweepConfigs(plans);
  const d = moons(Math.max(...configs.map((c) => c.batch)));
  return { configs, x: Array.from(d.x), y: Array.from(d.y) };
}

export async function runSweep(ctx: BenchContext): Promise<Measurement[]> {
  const out: Measurement[] = [];
  const configs = sweepConfigs(ctx.plans);
  const data = moons(Math.max(...configs.map((c) => c.batch)));
  const wasm = ctx.tf.find((s) => s.backend === 'wasm');
  const plan = ctx.plans.sweep;
  const time = (step: () => void) => timeCalls(plan, callsFor(plan.targetMs, step), step);

  for (const { key, batch, width } of configs) {
    const base = { group: key, unit: UNIT, higherIsBetter: false, sweep: { batch, width } };
    const x = data.x.subarray(0, batch * 2);
    const y = data.y.subarray(0, batch);

    const model = new MLP({ sizes: [2, width, 2], activation: 'tanh', seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: LR });
    const init = weightsOf(model);
    const resident = new DeviceData(model.engine, { rows: batch, cols: 2, data: x }, y);
    const n = model.loadBatch(resident, null);
    const stats = time(() => model.trainStepStaged(n, optimizer));
    resident.dispose();
    optimizer.dispose();
    model.dispose();
    out.push(measured({ ...base, id: 'anneal-staged', impl: 'anneal', kind: 'anneal', stats }));

    const plainModel = new PlainMlp([2, width, 2], batch, init);
    const plainOpt = new PlainAdam(plainModel.parameters(), { lr: LR });
    out.push(
      measured({
        ...base,
        id: 'plain-js',
        impl: 'plain JS',
        kind: 'baseline',
        stats: time(() => plainTrainStep(plainModel, plainOpt, x, y, batch)),
      }),
    );

    if (wasm?.session) {
      try {
        await wasm.session.activate();
        const tb = tfBatch(wasm.session, x, y, batch, 2, 2);
        const mlp = new TfMlp(wasm.session, [2, width, 2], init, LR);
        out.push(
          measured({
            ...base,
            id: tfId('wasm'),
            impl: tfLabel(wasm),
            kind: 'baseline',
            stats: time(() => mlp.step(tb.xs, tb.oneHot)),
          }),
        );
        mlp.dispose();
        tb.dispose();
      } catch (err) {
        out.push(
          skippedMeasurement(
            { ...base, id: tfId('wasm'), impl: tfLabel(wasm), kind: 'baseline' },
            `failed: ${errorMessage(err)}`,
          ),
        );
      }
    } else {
      out.push(
        skippedMeasurement(
          { ...base, id: tfId('wasm'), impl: 'TF.js wasm', kind: 'baseline' },
          wasm?.reason ?? 'not loaded',
        ),
      );
    }

    out.push(...torchMeasurements(ctx, base, () => key, undefined, true));
    const a = out.find((m) => m.group === key && m.kind === 'anneal')!;
    ctx.log(
      `${key}: anneal ${(a.value! * 1000).toFixed(1)} µs / step, ${((a.value! * 1000) / batch).toFixed(3)} µs / sample`,
    );
  }
  return out;
}
