// The issues' targets (#4, #15; the CLI's from #9), judged on this run's numbers: every one is a ratio to a
// baseline measured in the same run, reported as pass / falls short with the measured figure, never asserted
// (the core is being sped up concurrently, and machines differ).
import { NATIVE_ID } from './context.ts';
import { findRatio, fmt, relativeSpeed, type Measurement, type Ratio, type TargetResult } from './report.ts';
import { CLI_GROUP, NODE_ID } from './workloads/cli.ts';
import { W1_CLI_ID, W1_TRAINER_ID } from './workloads/w1_cli.ts';
import { W2_THREADS_ID } from './workloads/w2_mlp.ts';
import { W3_SHAPES } from './workloads/w3_gemm.ts';

function verdict(ok: boolean): TargetResult['verdict'] {
  return ok ? 'pass' : 'falls short';
}

function find(ms: readonly Measurement[], group: string, idPrefix: string): Measurement | undefined {
  return ms.find((m) => m.group === group && m.id.startsWith(idPrefix));
}

/** Target: anneal `annealId` at least `min`× as fast as the first baseline whose id starts with `baseline`. */
function speedupTarget(
  ms: readonly Measurement[],
  ratios: readonly Ratio[],
  target: string,
  group: string,
  annealId: string,
  baseline: string,
  min: number,
): TargetResult {
  const a = find(ms, group, annealId);
  const b = find(ms, group, baseline);
  if (!a || a.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: `anneal: ${a?.skipped ?? 'not run'}` };
  if (!b || b.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: `baseline skipped: ${b?.skipped ?? 'not run'}` };
  const r = findRatio(ratios, group, a.id, b.id)!;
  return {
    target,
    measured: `${fmt(r.speedup)}×`,
    verdict: verdict(r.speedup >= min),
    detail: `${a.impl} ${fmt(a.value)} vs ${b.impl} ${fmt(b.value)} ${a.unit}`,
  };
}

/** Target: the CLI row `id` takes at most `max`× the wall time of `node -e 0`. */
function startupTarget(ms: readonly Measurement[], target: string, id: string, max: number): TargetResult {
  const a = find(ms, CLI_GROUP, id);
  const b = find(ms, CLI_GROUP, NODE_ID);
  if (!a || a.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: a?.skipped ?? 'not run' };
  if (!b || b.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: `node -e 0: ${b?.skipped ?? 'not run'}` };
  const times = a.value / b.value;
  return {
    target,
    measured: `${fmt(times)}×`,
    verdict: verdict(times <= max),
    detail: `${a.impl} ${fmt(a.value)} vs ${b.impl} ${fmt(b.value)} ms (median)`,
  };
}

/** Target: the anneal row `id` takes at most `max`× the time of the row `refId` of the same group. */
function timeRatioTarget(
  ms: readonly Measurement[],
  target: string,
  group: string,
  id: string,
  refId: string,
  max: number,
): TargetResult {
  const a = ms.find((m) => m.group === group && m.id === id);
  const b = ms.find((m) => m.group === group && m.id === refId);
  if (!a || a.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: a?.skipped ?? 'not run' };
  if (!b || b.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: `${refId}: ${b?.skipped ?? 'not run'}` };
  const times = a.value / b.value;
  return {
    target,
    measured: `${fmt(times)}× its time`,
    verdict: verdict(times <= max),
    detail: `${a.impl} ${fmt(a.value)} vs ${b.impl} ${fmt(b.value)} ${a.unit}`,
  };
}

/**
 * Target: the anneal row `annealId` measured against the native C row of the same group, as a multiple of
 * native C's speed (below 1: slower), at least `minSpeed`. `asTime` words it as a multiple of native C's time.
 */
function nativeTarget(
  ms: readonly Measurement[],
  target: string,
  group: string,
  annealId: string,
  minSpeed: number,
  asTime: boolean,
): TargetResult {
  const a = find(ms, group, annealId);
  const n = find(ms, group, NATIVE_ID);
  if (!a || a.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: `anneal: ${a?.skipped ?? 'not run'}` };
  if (!n || n.value === null)
    return { target, measured: '—', verdict: 'not measured', detail: `native C: ${n?.skipped ?? 'not run'}` };
  const speed = relativeSpeed(a, n)!;
  return {
    target,
    measured: asTime ? `${fmt(1 / speed)}× its time` : `${fmt(speed)}× its speed`,
    verdict: verdict(speed >= minSpeed * (1 - 1e-12)),
    detail: `${a.impl} ${fmt(a.value)} vs ${n.impl} ${fmt(n.value)} ${a.unit}`,
  };
}

export function evaluateTargets(ms: readonly Measurement[], ratios: readonly Ratio[]): TargetResult[] {
  const has = (group: string) => ms.some((m) => m.group === group);
  const out: TargetResult[] = [];
  if (has('W1')) {
    out.push(nativeTarget(ms, 'W1 through the Trainer within 2× of native C (#15)', 'W1', 'anneal-fused', 1 / 2, true));
    out.push(
      timeRatioTarget(
        ms,
        'W1 through `anneal train` within 1.3× of the Trainer (#15)',
        'W1',
        W1_CLI_ID,
        W1_TRAINER_ID,
        1.3,
      ),
    );
    out.push(
      speedupTarget(ms, ratios, 'W1 fused ≥ 500× faster than PyTorch eager (#4)', 'W1', 'anneal-fused', 'torch', 500),
    );
    out.push(speedupTarget(ms, ratios, 'W1 fused ≥ 5× faster than plain JS (#4)', 'W1', 'anneal-fused', 'plain-js', 5));
  }
  if (has('W2')) {
    out.push(nativeTarget(ms, 'W2 within 1.3× of native C (#15)', 'W2', 'anneal-staged', 1 / 1.3, true));
    out.push(
      nativeTarget(ms, "W2, precision 'fast', within 1.3× of native C (#15)", 'W2', 'anneal-fast', 1 / 1.3, true),
    );
    out.push(
      speedupTarget(ms, ratios, 'W2 ≥ 1.0× PyTorch single-thread speed (#15)', 'W2', 'anneal-staged', 'torch-1', 1),
    );
    out.push(speedupTarget(ms, ratios, 'W2 ≥ 8× faster than TF.js wasm (#4)', 'W2', 'anneal-staged', 'tfjs-wasm', 8));
    const twoThreads = 'W2 with 2 threads ≥ 1.6× its single-thread speed (#15)';
    out.push(timeRatioTarget(ms, twoThreads, 'W2', W2_THREADS_ID, 'anneal-staged', 1 / 1.6));
  }
  for (const [m, k, n] of W3_SHAPES) {
    const group = `W3 ${m}×${k}×${n}`;
    if (!has(group)) continue;
    out.push(nativeTarget(ms, `${group} ≥ 0.5× native C (#15)`, group, 'anneal-matmul', 0.5, false));
    out.push(nativeTarget(ms, `${group}, precision 'fast', ≥ 0.5× native C (#15)`, group, 'anneal-fast', 0.5, false));
  }
  if (has(CLI_GROUP)) {
    out.push(startupTarget(ms, 'CLI --version ≤ 3× node -e 0', 'cli-version', 3));
    out.push(startupTarget(ms, 'CLI --help ≤ 3× node -e 0', 'cli-help', 3));
    out.push(startupTarget(ms, 'CLI train (1000 steps) ≤ 5× node -e 0', 'cli-train', 5));
  }
  return out;
}
