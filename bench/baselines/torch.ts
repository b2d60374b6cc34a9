// Runs the PyTorch baseline (torch_bench.py) in /usr/bin/python3 as a child process and reads its JSON.
// When Python or torch is missing, or the child fails, the outcome says why so the report can skip it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { summarise, type Plan, type Stats } from '../timing.ts';

export const DEFAULT_PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_bench.py', import.meta.url));

export interface TorchConfig {
  plans: {
    w1: Plan;
    w2: Plan & { target_ms: number };
    w3: Plan & { target_ms: number };
    sweep: Plan & { target_ms: number };
  };
  /** Each section is null when its workload is not part of this run. */
  w1: {
    x: number[][];
    y: number[];
    init: { weight: number[][]; bias: number[] }[];
    steps: number;
    lr: number;
    step_size: number;
    gamma: number;
  } | null;
  w2: { sizes: number[]; batch: number; seed: number } | null;
  /** GEMM shapes as [m, k, n]. */
  w3: [number, number, number][] | null;
  sweep: { configs: { key: string; batch: number; width: number }[]; x: number[]; y: number[] } | null;
}

interface RawTiming {
  samples_ms: number[];
  calls_per_run: number;
  warmup: number;
}

export interface TorchReport {
  torch: string;
  python: string;
  default_threads: number;
  results: Record<string, RawTiming>;
  w1_losses: number[];
  w3_max_abs_err: Record<string, number>;
}

export type TorchOutcome =
  | { ok: true; report: TorchReport; stats: (key: string) => Stats | null; seconds: number }
  | { ok: false; reason: string };

export function runTorch(config: TorchConfig, options: { python?: string; timeoutMs: number }): TorchOutcome {
  const python = options.python ?? DEFAULT_PYTHON;
  if (!existsSync(python)) return { ok: false, reason: `${python} does not exist` };
  const t0 = performance.now();
  const child = spawnSync(python, [SCRIPT], {
    input: JSON.stringify(config),
    encoding: 'utf8',
    timeout: options.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (child.error) {
    const timedOut = (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    return {
      ok: false,
      reason: timedOut
        ? `the PyTorch child timed out after ${options.timeoutMs / 1000} s`
        : `cannot run ${python}: ${child.error.message}`,
    };
  }
  let parsed: (TorchReport & { error?: undefined }) | { error: string };
  try {
    parsed = JSON.parse(child.stdout.trim().split('\n').pop() ?? '');
  } catch {
    const tail = (child.stderr || child.stdout).trim().split('\n').slice(-3).join(' | ');
    return {
      ok: false,
      reason: `${python} ${SCRIPT} exited with ${child.status ?? child.signal}: ${tail || 'no output'}`,
    };
  }
  if (parsed.error !== undefined) return { ok: false, reason: `${parsed.error} (in ${python})` };
  const report = parsed as TorchReport;
  const stats = (key: string): Stats | null => {
    const raw = report.results[key];
    return raw ? summarise(raw.samples_ms, raw.warmup, raw.calls_per_run) : null;
  };
  return { ok: true, report, stats, seconds };
}
