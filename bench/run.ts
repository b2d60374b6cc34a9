// anneal's benchmark suite: `npm run bench` (or `tsx bench/run.ts`), `-- --quick` for a run under a minute.
// Runs W1 (the lesson), W2 (an MNIST-sized MLP step), W3 (GEMM), the scaling sweep and the memory check for
// anneal and, in the same run, the baselines: native C (AVX2, compiled now with the system's `cc`, for W1-W3),
// plain JS, TF.js (cpu and wasm backends) and PyTorch eager in a child process; and the CLI's start-up against
// `node -e 0`; and a sweep's throughput on 1 and 2 worker threads (trials). Writes bench/results/latest.json and
// latest.md and prints the Markdown.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { buildNative, disposeNative, type NativeBuild, type NativeProgram } from './baselines/native.ts';
import { openTf, type TfBackendName } from './baselines/tfjs.ts';
import { DEFAULT_PYTHON, runTorch, type TorchConfig, type TorchOutcome } from './baselines/torch.ts';
import { NATIVE_ID, plansFor, type BenchContext, type CallPlan, type Plans, type TfSlot } from './context.ts';
import { machineInfo } from './machine.ts';
import { profileMarkdown, runProfile } from './profile.ts';
import { computeRatios, toMarkdown, type BenchResult, type Check, type Measurement, type MemoryRow } from './report.ts';
import { evaluateTargets } from './targets.ts';
import { runCli } from './workloads/cli.ts';
import { errorMessage } from './workloads/common.ts';
import { runMemory } from './workloads/memory.ts';
import { runSweep, sweepTorchConfig } from './workloads/scaling.ts';
import { runTrials } from './workloads/trials.ts';
import { runW1, w1TorchConfig } from './workloads/w1_lesson.ts';
import { runW2, w2TorchConfig } from './workloads/w2_mlp.ts';
import { runW3, W3_SHAPES } from './workloads/w3_gemm.ts';

export const WORKLOADS = ['W1', 'W2', 'W3', 'sweep', 'memory', 'cli', 'trials'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];
/** The workloads that have TF.js and PyTorch baselines. */
const TIMED: readonly WorkloadName[] = ['W1', 'W2', 'W3', 'sweep'];
/** The workloads that have a native C baseline, and its program. */
const NATIVE: readonly [WorkloadName, NativeProgram][] = [
  ['W1', 'w1_lesson'],
  ['W2', 'w2_mlp'],
  ['W3', 'w3_gemm'],
];

export interface BenchOptions {
  /** Fewer repetitions and a smaller sweep: under a minute. */
  quick?: boolean;
  /** Run only these workloads (default: all). */
  only?: readonly WorkloadName[];
  /** Run the PyTorch baseline when `python` can import torch (default true). */
  torch?: boolean;
  /** Run the TF.js baselines (default true). */
  tfjs?: boolean;
  /** Compile and run the native C baselines when a C compiler is present (default true). */
  native?: boolean;
  /** Python to run the PyTorch baseline with (default /usr/bin/python3). */
  python?: string;
  /** Where latest.json and latest.md go (default bench/results); null writes nothing. */
  outDir?: string | null;
  /** Print the Markdown report at the end (default true). */
  print?: boolean;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export const DEFAULT_OUT_DIR = fileURLToPath(new URL('./results/', import.meta.url));

async function loadTf(disabled: string | null, log: (line: string) => void): Promise<TfSlot[]> {
  const slots: TfSlot[] = [];
  for (const backend of ['cpu', 'wasm'] as TfBackendName[]) {
    if (disabled) {
      slots.push({ backend, session: null, reason: disabled });
      continue;
    }
    try {
      const session = await openTf(backend);
      slots.push({ backend, session });
      const threads = session.threads !== null ? ` (${session.threads} thread${session.threads === 1 ? '' : 's'})` : '';
      log(`loaded ${session.label}${threads}`);
    } catch (err) {
      const reason = `the ${backend} backend cannot initialise in Node: ${errorMessage(err)}`;
      slots.push({ backend, session: null, reason });
      log(`TF.js ${backend}: skipped, ${reason}`);
    }
  }
  return slots;
}

const pyPlan = (p: CallPlan) => ({ warmup: p.warmup, runs: p.runs, target_ms: p.targetMs });

function torchBaseline(
  options: BenchOptions,
  selected: Set<WorkloadName>,
  p: Plans,
  log: (line: string) => void,
): TorchOutcome {
  if (options.torch === false) return { ok: false, reason: 'PyTorch disabled (--no-torch)' };
  if (!TIMED.some((w) => selected.has(w))) return { ok: false, reason: 'no workload with a PyTorch baseline selected' };
  const config: TorchConfig = {
    plans: {
      w1: { warmup: p.w1Slow.warmup, runs: p.w1Slow.runs },
      w2: pyPlan(p.w2),
      w3: pyPlan(p.w3),
      sweep: pyPlan(p.sweep),
    },
    w1: selected.has('W1') ? w1TorchConfig(p.w1Slow.steps) : null,
    w2: selected.has('W2') ? w2TorchConfig() : null,
    w3: selected.has('W3') ? W3_SHAPES : null,
    sweep: selected.has('sweep') ? sweepTorchConfig(p) : null,
  };
  log(`running the PyTorch baseline in ${options.python ?? DEFAULT_PYTHON} ...`);
  const outcome = runTorch(config, { python: options.python, timeoutMs: options.quick ? 120_000 : 600_000 });
  if (outcome.ok)
    log(
      `PyTorch ${outcome.report.torch} (Python ${outcome.report.python}, ` +
        `default threads ${outcome.report.default_threads}) done in ${outcome.seconds.toFixed(1)} s`,
    );
  else log(`PyTorch: skipped, ${outcome.reason}`);
  return outcome;
}

async function nativeBaseline(
  options: BenchOptions,
  selected: Set<WorkloadName>,
  log: (line: string) => void,
): Promise<NativeBuild> {
  if (options.native === false) return { ok: false, reason: 'native C disabled (--no-native)' };
  const wanted = NATIVE.filter(([w]) => selected.has(w)).map(([, program]) => program);
  if (!wanted.length) return { ok: false, reason: 'no workload with a native C baseline selected' };
  log('compiling the native C baselines ...');
  const build = await buildNative(wanted);
  if (!build.ok) log(`native C: skipped, ${build.reason}`);
  else {
    log(`compiled the native C baselines (${build.compiler}) in ${build.seconds.toFixed(1)} s`);
    for (const program of wanted) {
      const p = build.programs[program];
      if ('error' in p) log(`native C: ${p.error}`);
    }
  }
  return build;
}

/** Runs the suite; returns the results (and writes and prints them unless told not to). */
/**
 * Node 20 runs relaxed SIMD only behind a V8 flag: the benchmark sets it before any core is compiled, so that the
 * `precision: 'fast'` rows run (Node 22 and later have it on; the library itself never sets a flag).
 */
function enableRelaxedSimd(): void {
  if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  enableRelaxedSimd();
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick ?? false;
  const selected = new Set<WorkloadName>(options.only?.length ? options.only : WORKLOADS);
  const plans = plansFor(quick);
  const machine = machineInfo();
  log(
    `anneal bench (${quick ? 'quick' : 'full'}) on ${machine.CPU}, ` +
      `${machine['logical CPUs']} logical CPUs, Node ${machine.Node}`,
  );

  const tfDisabled =
    options.tfjs === false
      ? 'TF.js disabled (--no-tfjs)'
      : TIMED.some((w) => selected.has(w))
        ? null
        : 'no workload with a TF.js baseline selected';
  const tf = await loadTf(tfDisabled, log);
  const torch = torchBaseline(options, selected, plans, log);
  const native = await nativeBaseline(options, selected, log);
  try {
    return await runSuite(options, { quick, plans, tf, torch, native, log }, selected, machine, started);
  } finally {
    disposeNative(native);
  }
}

async function runSuite(
  options: BenchOptions,
  ctx: BenchContext,
  selected: Set<WorkloadName>,
  machine: Record<string, string>,
  started: number,
): Promise<BenchResult> {
  const { quick, tf, torch, native, log } = ctx;

  const measurements: Measurement[] = [];
  const checks: Check[] = [];
  let memory: MemoryRow[] = [];
  for (const [name, run] of [
    ['W1', runW1],
    ['W2', runW2],
    ['W3', runW3],
  ] as const) {
    if (!selected.has(name)) continue;
    const r = await run(ctx);
    measurements.push(...r.measurements);
    checks.push(...r.checks);
  }
  if (selected.has('sweep')) measurements.push(...(await runSweep(ctx)));
  if (selected.has('memory')) {
    memory = runMemory();
    checks.push({
      name: 'memory: memoryBytes vs the layout by hand',
      ok: memory.every((m) => m.agree),
      detail: `${memory.filter((m) => m.agree).length} of ${memory.length} models agree`,
    });
  }
  if (selected.has('cli')) measurements.push(...runCli(ctx));
  if (selected.has('trials')) {
    // Sweep throughput on worker threads (issue 16): trials per second with 1 and 2 workers.
    const r = await runTrials(ctx);
    measurements.push(...r.measurements);
    checks.push(...r.checks);
  }

  if (torch.ok) {
    const { report } = torch;
    machine.PyTorch = `${report.torch} (Python ${report.python}, default threads ${report.default_threads})`;
  } else machine.PyTorch = `not measured: ${torch.reason}`;
  machine['native C'] = native.ok ? native.compiler : `not measured: ${native.reason}`;
  for (const slot of tf)
    if (slot.session?.threads != null) machine['TF.js wasm threads'] = String(slot.session.threads);

  const ratios = computeRatios(measurements);
  const result: BenchResult = {
    schema: 1,
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: (performance.now() - started) / 1000,
    machine,
    measurements,
    ratios,
    memory,
    checks,
    targets: evaluateTargets(measurements, ratios),
    skipped: skippedList(measurements, selected, tf, torch, native),
  };

  const markdown = toMarkdown(result);
  if (options.outDir !== null) {
    const dir = options.outDir ?? DEFAULT_OUT_DIR;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(dir, 'latest.md'), markdown);
    log(`wrote ${join(dir, 'latest.json')} and ${join(dir, 'latest.md')}`);
  }
  if (options.print !== false) console.log(`\n${markdown}`);
  return result;
}

/** Everything that was not run, and why, once each. */
function skippedList(
  ms: readonly Measurement[],
  selected: Set<WorkloadName>,
  tf: readonly TfSlot[],
  torch: TorchOutcome,
  native: NativeBuild,
): string[] {
  const out: string[] = [];
  const notSelected = WORKLOADS.filter((w) => !selected.has(w));
  if (notSelected.length) out.push(`Workloads not selected (--only): ${notSelected.join(', ')}.`);
  if (!torch.ok) out.push(`PyTorch eager: ${torch.reason}. Every PyTorch row is skipped.`);
  if (!native.ok) out.push(`Native C: ${native.reason}. Every native C row is skipped.`);
  for (const slot of tf) if (!slot.session) out.push(`TF.js ${slot.backend}: ${slot.reason}.`);
  const byImpl = new Map<string, Set<string>>();
  for (const m of ms) {
    if (!m.skipped) continue;
    if (m.id.startsWith('torch') && !torch.ok) continue;
    if (m.id === NATIVE_ID && !native.ok) continue;
    if (m.id.startsWith('tfjs') && tf.some((s) => !s.session && m.id === `tfjs-${s.backend}`)) continue;
    const key = `${m.impl}: ${m.skipped}`;
    byImpl.set(key, (byImpl.get(key) ?? new Set()).add(m.group));
  }
  for (const [key, groups] of byImpl) out.push(`${key} (${[...groups].join(', ')}).`);
  if (selected.has('sweep'))
    out.push(
      'TF.js cpu backend: not run in the scaling sweep (its steps are slow; the wasm backend stands for TF.js there).',
    );
  out.push('@tensorflow/tfjs-node: not used (its install downloads a native binary, which fails on this machine).');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Command line:
//   tsx bench/run.ts [--quick] [--only W1,W2,W3,sweep,memory,cli,trials] [--no-torch] [--no-tfjs] [--no-native]
//                    [--python PATH] [--out DIR]
//   tsx bench/run.ts --profile [--quick] [--only W1,W2] [--out DIR]: only the split of a step into its phases
//                    (bench/profile.ts), printed, and with --out written to DIR/profile.json and profile.md

export function parseWorkloads(list: string): WorkloadName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(WORKLOADS as readonly string[]).includes(n))
      throw new RangeError(`unknown workload "${n}"; choose from ${WORKLOADS.join(', ')}`);
  }
  return names as WorkloadName[];
}

const USAGE =
  `usage: npm run bench -- [--quick] [--only ${WORKLOADS.join(',')}] ` +
  '[--no-torch] [--no-tfjs] [--no-native] [--python PATH] [--out DIR]\n' +
  '       npm run bench -- --profile [--quick] [--only W1,W2] [--out DIR]';

/** `--profile`: the phase split of W1 and W2 (those of `only`), printed and, with `outDir`, written there. */
function profileCli(quick: boolean, only: readonly WorkloadName[] | undefined, outDir: string | undefined): number {
  const picked = (only ?? ['W1', 'W2']).filter((w): w is 'W1' | 'W2' => w === 'W1' || w === 'W2');
  if (!picked.length) {
    console.error(`bench: --profile covers W1 and W2\n${USAGE}`);
    return 2;
  }
  const machine = machineInfo();
  console.log(
    `anneal bench --profile on ${machine.CPU}, ${machine['logical CPUs']} logical CPUs, Node ${machine.Node}`,
  );
  const tables = runProfile({ quick, only: picked });
  const markdown = profileMarkdown(tables, machine);
  if (outDir !== undefined) {
    mkdirSync(outDir, { recursive: true });
    const json = { schema: 1, date: new Date().toISOString(), mode: quick ? 'quick' : 'full', machine, tables };
    writeFileSync(join(outDir, 'profile.json'), `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(join(outDir, 'profile.md'), markdown);
    console.log(`wrote ${join(outDir, 'profile.json')} and ${join(outDir, 'profile.md')}`);
  }
  console.log(`\n${markdown}`);
  return 0;
}

async function cli(argv: string[]): Promise<number> {
  let options: BenchOptions;
  let profile = false;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        'no-torch': { type: 'boolean' },
        'no-tfjs': { type: 'boolean' },
        'no-native': { type: 'boolean' },
        python: { type: 'string' },
        out: { type: 'string' },
        profile: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const only = values.only ? parseWorkloads(values.only) : undefined;
    profile = values.profile ?? false;
    options = {
      quick: values.quick,
      only,
      torch: !values['no-torch'],
      tfjs: !values['no-tfjs'],
      native: !values['no-native'],
      python: values.python,
      outDir: values.out,
    };
  } catch (err) {
    console.error(`bench: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  if (profile) return profileCli(options.quick ?? false, options.only, options.outDir ?? undefined);
  await runBench(options);
  return 0;
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}
if (invokedDirectly()) process.exitCode = await cli(process.argv.slice(2));
