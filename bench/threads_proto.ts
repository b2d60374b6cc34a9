// Issue 15 part 4: W2 (MLP 784-256-10, batch 128, Adam) on the ordinary single-thread core vs an engine with
// 2 threads (createEngine({ threads: 2 }): one helper worker_thread on shared memory), in alternating rounds, with
// a bit check of every round's losses and final weights. Under load compare the minimums.
// npx tsx bench/threads_proto.ts [rounds] [steps per round]   (THREADS=3 … to try more)
import { execFileSync } from 'node:child_process';
import { Adam, createEngine, DeviceData, MLP, toMatrix } from '../src/index.ts';
import { randomBatch } from './workloads/common.ts';

const SIZES = [784, 256, 10];
const BATCH = 128;
const rounds = Number(process.argv[2] ?? 8);
const steps = Number(process.argv[3] ?? 100);

const one = await createEngine();
const two = await createEngine({ threads: Number(process.env.THREADS ?? 2) });

const { x, y } = randomBatch(BATCH, SIZES[0], SIZES[2], 0);
const perStep: Record<number, number[]> = { 1: [], 2: [] };
function run(threads: number, n: number): { ms: number; losses: number[]; weights: Float32Array[] } {
  const engine = threads === 1 ? one : two;
  const model = new MLP({ sizes: SIZES, activation: 'tanh', seed: 0, engine });
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const data = new DeviceData(engine, toMatrix({ rows: BATCH, cols: SIZES[0], data: x }, SIZES[0]), y);
  const staged = model.loadBatch(data, null);
  for (let i = 0; i < 5; i++) model.trainStepStaged(staged, opt);
  const losses: number[] = [];
  const t0 = performance.now();
  let prev = t0;
  for (let i = 0; i < n; i++) {
    losses.push(model.trainStepStaged(staged, opt));
    const now = performance.now();
    perStep[threads === 1 ? 1 : 2]?.push(now - prev);
    prev = now;
  }
  const ms = (prev - t0) / n;
  const weights = model.layerWeights().map((l) => Float32Array.from([...l.weight.flat(), ...l.bias]));
  data.dispose();
  opt.dispose();
  model.dispose();
  return { ms, losses, weights };
}

const t1: number[] = [];
const t2: number[] = [];
let identical = true;
const uptime = () => execFileSync('uptime').toString().trim();
console.log(`start: ${uptime()}`);
for (let r = 0; r < rounds; r++) {
  const a = run(1, steps);
  const b = run(2, steps);
  t1.push(a.ms);
  t2.push(b.ms);
  const same =
    a.losses.every((v, i) => Object.is(v, b.losses[i])) &&
    a.weights.every((w, i) => w.every((v, j) => Object.is(v, b.weights[i]?.[j])));
  identical &&= same;
  const bits = same ? 'identical' : 'DIFFER';
  console.log(`round ${r}: 1 thread ${a.ms.toFixed(3)} ms/step, 2 threads ${b.ms.toFixed(3)} ms/step, bits ${bits}`);
}
const pct = (v: number[], q: number) => [...v].sort((p, q2) => p - q2)[Math.floor(q * (v.length - 1))] ?? NaN;
const ms = (v: number) => v.toFixed(3);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
console.log(`rounds, 1 thread: min ${ms(pct(t1, 0))} median ${ms(pct(t1, 0.5))} ms/step`);
console.log(`rounds, 2 threads: min ${ms(pct(t2, 0))} median ${ms(pct(t2, 0.5))} ms/step`);
console.log(`speed-up of rounds: min ${ratio(pct(t1, 0), pct(t2, 0))}, median ${ratio(pct(t1, 0.5), pct(t2, 0.5))}`);
const s1 = perStep[1] ?? [];
const s2 = perStep[2] ?? [];
for (const [label, v] of [
  ['1 thread', s1],
  ['2 threads', s2],
] as const) {
  const p = (q: number) => ms(pct(v, q));
  console.log(`single steps, ${label} (${v.length}): min ${p(0)}, 10th percentile ${p(0.1)}, median ${p(0.5)} ms`);
}
const r = (q: number) => ratio(pct(s1, q), pct(s2, q));
console.log(`speed-up of single steps: min ${r(0)}, 10th percentile ${r(0.1)}, median ${r(0.5)}`);
console.log(`bits ${identical ? 'identical' : 'DIFFER'} in every round`);
console.log(`end: ${uptime()}`);
two.close();
