// `npm run bench -- --profile`: where a training step's time goes, for W1 (the lesson) and W2 (the MLP).
//
// The core exports `profilePhase(model, opt, n, phase, reps)`: one phase of the fused step (zero grads, forward,
// loss, backward, update) repeated `reps` times inside one call, after the phases before it once, and
// `profileStep(..., 5, reps)`: the whole fused step looped inside the core. Both are built from the internal
// functions `trainStep` calls, so they cost it nothing (the release build's other functions are unchanged). The
// phases are timed alone (the small ones would drown in the noise of a difference of two large timings); the
// rest of the step is the looped step minus its phases, the JavaScript-to-WebAssembly call one `core.trainStep`
// per step from a JS loop minus the looped step, and the JavaScript overhead one step of `Trainer.run` (as a
// user trains) minus that raw call. For W2 the forward pass is also timed over its Linear ops alone (GEMM and
// bias) and its activations alone (`profileForwardOps`).
import { Adam, type AnyOptimizer, LogicNet, MLP, makeMoons, type Sequential, StepLR, Trainer } from '../src/index.ts';
import { seededRandom } from './timing.ts';

export interface PhaseRow {
  phase: string;
  /** Microseconds per step (from the fastest run of each probe; a difference can come out slightly negative). */
  us: number;
  /** Share of the whole step as users make it, in percent; null for a row that breaks another one down. */
  percent: number | null;
}

export interface ProfileTable {
  workload: 'W1' | 'W2';
  description: string;
  /** What the 100 % is: one step as users make it. */
  total: string;
  totalUs: number;
  rows: PhaseRow[];
  /** The loss after the last profiled step (finite, or the phases would have cut short). */
  lastLoss: number;
}

export interface ProfileOptions {
  quick?: boolean;
  /** Which of W1 and W2 to profile (default both). */
  only?: readonly ('W1' | 'W2')[];
  log?: (line: string) => void;
}

const PHASES = ['zero grads', 'forward', 'loss', 'backward', 'optimizer update'] as const;

interface Subject {
  model: Sequential;
  optimizer: AnyOptimizer;
  trainer: Trainer;
  /** Rows in the staged batch. */
  n: number;
  dispose(): void;
}

interface Workload {
  name: 'W1' | 'W2';
  description: string;
  /** A fresh model, optimizer and Trainer at the workload's initial weights, the batch staged. */
  make(): Subject;
  /** Steps per timed call: each call trains a fresh subject this far. */
  steps: number;
  /** Untimed and timed rounds of every probe (full, quick). */
  rounds: { warmup: number; runs: number };
  quickRounds: { warmup: number; runs: number };
}

/** The Trainer's first step stages the batch; every probe after it runs on those same rows. */
function subject(model: Sequential, optimizer: AnyOptimizer, trainer: Trainer): Subject {
  trainer.run(1);
  const n = trainer.lastStep?.batchSize ?? 0;
  const dispose = () => {
    trainer.dispose();
    optimizer.dispose();
    model.dispose();
  };
  return { model, optimizer, trainer, n, dispose };
}

const W1: Workload = {
  name: 'W1',
  description: 'the lesson: LogicNet 2-3-2 tanh, 20 points full batch, Adam, StepLR',
  make() {
    const d = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new StepLR(optimizer, { stepSize: 50, gamma: 0.99 });
    return subject(model, optimizer, new Trainer({ model, optimizer, scheduler, x: d, y: d.y }));
  },
  steps: 1000, // the lesson's run
  rounds: { warmup: 30, runs: 41 }, // V8 settles after some 20 rounds of 1000 steps (bench/context.ts)
  quickRounds: { warmup: 20, runs: 15 },
};

const W2: Workload = {
  name: 'W2',
  description: 'MLP 784-256(tanh)-10, batch 128 of seeded random data, Adam',
  make() {
    const [rows, features, classes] = [128, 784, 10];
    const random = seededRandom(0);
    const x = Float32Array.from({ length: rows * features }, () => random() * 2 - 1);
    const y = Int32Array.from({ length: rows }, () => Math.floor(random() * classes));
    const model = new MLP({ sizes: [features, 256, classes], activation: 'tanh', seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    return subject(model, optimizer, new Trainer({ model, optimizer, x: { rows, cols: features, data: x }, y }));
  },
  steps: 10,
  rounds: { warmup: 2, runs: 21 },
  quickRounds: { warmup: 1, runs: 7 },
};

/** One timed call, `run`: `steps` steps of some kind on a fresh subject, after its untimed `setup`. */
interface Probe {
  setup?: (s: Subject) => void;
  /** Returns the last loss (or 0). */
  run: (s: Subject, steps: number) => number;
}

function probesFor(forwardOps: boolean): Probe[] {
  const core = (s: Subject) => s.model.engine.core;
  // A phase alone, after the phases before it once (untimed) have left what it reads.
  const probes: Probe[] = [1, 2, 3, 4, 5].map((phase) => ({
    setup: (s) => core(s).profileStep(s.model.descriptor, s.optimizer.descriptor, s.n, phase - 1, 1),
    run: (s, steps) => core(s).profilePhase(s.model.descriptor, s.optimizer.descriptor, s.n, phase, steps),
  }));
  probes.push({ run: (s, steps) => core(s).profileStep(s.model.descriptor, s.optimizer.descriptor, s.n, 5, steps) });
  probes.push({
    run: (s, steps) => {
      const c = core(s);
      const [md, od, n] = [s.model.descriptor, s.optimizer.descriptor, s.n];
      let loss = 0;
      for (let i = 0; i < steps; i++) loss = c.trainStep(md, od, n); // as Sequential.trainStepStaged calls it
      return loss;
    },
  });
  probes.push({
    run: (s, steps) => {
      const h = s.trainer.run(steps);
      return h.loss[h.loss.length - 1];
    },
  });
  if (forwardOps) {
    for (const linear of [1, 0]) {
      probes.push({
        run: (s, steps) => {
          core(s).profileForwardOps(s.model.descriptor, s.n, linear, steps);
          return 0;
        },
      });
    }
  }
  return probes;
}

/**
 * Microseconds per step of every probe, `runs` times after `warmup` untimed rounds, the probes interleaved
 * (each round times probe 1, 2, ..., k) so that the machine's drift falls on all alike. Each timed call starts
 * from a fresh subject (not timed), so every probe trains through the same weights.
 */
function timeProbes(w: Workload, probes: readonly Probe[], quick: boolean) {
  const { warmup, runs } = quick ? w.quickRounds : w.rounds;
  const samples: number[][] = [];
  let loss = 0;
  for (let r = 0; r < warmup + runs; r++) {
    const round = probes.map((probe, i) => {
      const s = w.make();
      try {
        probe.setup?.(s);
        const t0 = performance.now();
        const value = probe.run(s, w.steps);
        const us = ((performance.now() - t0) * 1000) / w.steps;
        if (i === 5) loss = value; // the whole fused step, looped in the core
        return us;
      } finally {
        s.dispose();
      }
    });
    if (r >= warmup) samples.push(round);
  }
  return { samples, loss };
}

function profileOne(w: Workload, quick: boolean): ProfileTable {
  const forwardOps = w.name === 'W2';
  const { samples, loss } = timeProbes(w, probesFor(forwardOps), quick);
  // The fastest run of each probe: on a shared machine other work only ever adds time, and the minimum is the
  // steadiest estimate of what a probe costs (the medians of a loaded 2-CPU machine moved by ±30 %).
  const best = samples[0].map((_, i) => Math.min(...samples.map((t) => t[i])));
  const per = (f: (t: number[]) => number) => f(best);
  const user = per((t) => t[7]);
  const rows: PhaseRow[] = [];
  const row = (phase: string, f: (t: number[]) => number) => {
    const us = per(f);
    rows.push({ phase, us, percent: (100 * us) / user });
  };
  PHASES.forEach((phase, i) => {
    row(phase, (t) => t[i]);
    if (phase === 'forward' && forwardOps) {
      rows.push({ phase: '  Linear ops alone (GEMM + bias)', us: per((t) => t[8]), percent: null });
      rows.push({ phase: '  tanh alone', us: per((t) => t[9]), percent: null });
    }
  });
  row('rest of the fused step (the step − its phases)', (t) => t[5] - t[0] - t[1] - t[2] - t[3] - t[4]);
  row('JS → WebAssembly call', (t) => t[6] - t[5]);
  row('JavaScript (Trainer.run around the call)', (t) => t[7] - t[6]);
  return { workload: w.name, description: w.description, total: 'Trainer.run', totalUs: user, rows, lastLoss: loss };
}

/** Profiles W1 and W2 (or those in `only`) and returns the tables. */
export function runProfile(options: ProfileOptions = {}): ProfileTable[] {
  const log = options.log ?? ((line: string) => console.log(line));
  const tables: ProfileTable[] = [];
  for (const w of [W1, W2]) {
    if (options.only && !options.only.includes(w.name)) continue;
    log(`profiling ${w.name} ...`);
    tables.push(profileOne(w, options.quick ?? false));
  }
  return tables;
}

const fmtUs = (us: number) => (Math.abs(us) >= 100 ? us.toFixed(1) : us.toFixed(3));

/** The tables as Markdown. */
export function profileMarkdown(tables: readonly ProfileTable[], machine?: Record<string, string>): string {
  const out: string[] = ['# anneal step profile', ''];
  if (machine) {
    const keys = ['CPU', 'logical CPUs', 'Node', 'load average at start', 'anneal core'];
    out.push(...keys.filter((k) => machine[k]).map((k) => `- ${k}: ${machine[k]}`), '');
  }
  for (const t of tables) {
    out.push(`## ${t.workload}: ${t.description}`, '');
    out.push('| phase | µs / step | % of the step |', '| --- | ---: | ---: |');
    for (const r of t.rows) {
      const phase = r.phase.startsWith('  ') ? `&nbsp;&nbsp;${r.phase.trim()}` : r.phase;
      out.push(`| ${phase} | ${fmtUs(r.us)} | ${r.percent === null ? '' : r.percent.toFixed(1)} |`);
    }
    out.push(`| **whole step (${t.total})** | **${fmtUs(t.totalUs)}** | **100** |`, '');
  }
  out.push(
    'Each phase is timed alone, repeated inside the core (`profilePhase`); the rest is the fused step looped in ' +
      'the core minus the phases; the call is a JS loop of `core.trainStep` minus the looped step; JavaScript is ' +
      '`Trainer.run` minus the raw call. Each probe ' +
      'is its fastest of interleaved runs, each from fresh weights; rows of a few percent are within noise.',
    '',
  );
  return out.join('\n');
}
