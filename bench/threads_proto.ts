// Prototype for issue 15 part 4: W2 (MLP 784-256-10, batch 128, Adam) on the threads build of the core with
// 1 thread vs 2 threads (one helper worker_thread on the same shared memory), alternating, plus a bit check.
// npx tsx bench/threads_proto.ts [rounds] [steps per round]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Adam, DeviceData, MLP, toMatrix } from '../src/index.ts';
import { Engine } from '../src/engine/engine.ts';
import { randomBatch } from './workloads/common.ts';

const SIZES = [784, 256, 10];
const BATCH = 128;
const rounds = Number(process.argv[2] ?? 8);
const steps = Number(process.argv[3] ?? 100);

const bytes = readFileSync(new URL('../build/anneal.threads.wasm', import.meta.url));
const module = new WebAssembly.Module(bytes);
const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: true });
const abort = () => {
  throw new Error('abort');
};
const instance = new WebAssembly.Instance(module, { env: { memory, abort } });
const engine = new Engine(instance, 'release');
const core = engine.core as unknown as {
  setPool(c: number, t: number): void;
  poolReady(c: number): number;
  stopPool(c: number): void;
};
const control = engine.alloc(256);

const worker = new Worker(
  `const { workerData } = require('node:worker_threads');
   const { module, memory, control } = workerData;
   const inst = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('abort'); } } });
   const i32 = new Int32Array(memory.buffer, control, 64);
   let seen = Atomics.load(i32, 0);
   Atomics.add(i32, 32, 1);
   try { for (;;) { seen = inst.exports.workerRun(control, 1, seen); if (Atomics.load(i32, 8)) break; Atomics.wait(i32, 0, seen); } } catch (e) { require('node:fs').writeSync(2, 'helper: ' + e.stack + ' ' + Array.from(new Int32Array(memory.buffer, control, 64)).join(',') + String.fromCharCode(10)); }`,
  { eval: true, workerData: { module, memory, control } },
);
worker.unref();
if (process.env.WATCH) {
  const w = new Worker(
    `const { workerData } = require('node:worker_threads');
     const { memory, control } = workerData;
     setInterval(() => require('node:fs').writeSync(2, 'watch ' + Array.from(new Int32Array(memory.buffer, control, 64)).join(',') + String.fromCharCode(10)), 3000);`,
    { eval: true, workerData: { memory, control } },
  );
  w.unref();
}
while (core.poolReady(control) < 1) await new Promise((r) => setTimeout(r, 5));

const { x, y } = randomBatch(BATCH, SIZES[0], SIZES[2], 0);
function run(threads: number, n: number): { ms: number; losses: number[]; weights: Float32Array[] } {
  core.setPool(control, threads);
  const model = new MLP({ sizes: SIZES, activation: 'tanh', seed: 0, engine });
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const data = new DeviceData(engine, toMatrix({ rows: BATCH, cols: SIZES[0], data: x }, SIZES[0]), y);
  const staged = model.loadBatch(data, null);
  for (let i = 0; i < 5; i++) model.trainStepStaged(staged, opt);
  const losses: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) losses.push(model.trainStepStaged(staged, opt));
  const ms = (performance.now() - t0) / n;
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
  console.log(`round ${r}: 1 thread ${a.ms.toFixed(3)} ms/step, 2 threads ${b.ms.toFixed(3)} ms/step, bits ${same ? 'identical' : 'DIFFER'}`);
}
const min = (v: number[]) => Math.min(...v);
const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1] ?? NaN;
console.log(`1 thread: min ${min(t1).toFixed(3)} median ${median(t1).toFixed(3)} ms/step`);
console.log(`2 threads: min ${min(t2).toFixed(3)} median ${median(t2).toFixed(3)} ms/step`);
console.log(`speed-up: min ${(min(t1) / min(t2)).toFixed(2)}×, median ${(median(t1) / median(t2)).toFixed(2)}×; bits ${identical ? 'identical' : 'DIFFER'}`);
console.log(`end: ${uptime()}`);
core.stopPool(control);
