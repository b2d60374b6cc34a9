// The targets, judged on this run's numbers: reported as pass / falls short with the measured figure,
// never asserted (the core is being sped up concurrently, and machines differ).
import { findRatio, fmt, type Measurement, type Ratio, type TargetResult } from './report.ts';
import { CLI_GROUP, NODE_ID } from './workloads/cli.ts';
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

export function evaluateTargets(ms: readonly Measurement[], ratios: readonly Ratio[]): TargetResult[] {
  const has = (group: string) => ms.some((m) => m.group === group);
  const out: TargetResult[] = [];
  if (has('W1')) {
    out.push(
      speedupTarget(ms, ratios, 'W1 fused ≥ 500× faster than PyTorch eager', 'W1', 'anneal-fused', 'torch', 500),
    );
    out.push(speedupTarget(ms, ratios, 'W1 fused ≥ 5× faster than plain JS', 'W1', 'anneal-fused', 'plain-js', 5));
    const fused = find(ms, 'W1', 'anneal-fused');
    const goal = 0.4;
    out.push(
      fused?.value != null
        ? {
            target: 'W1 fused within 2× of 0.4 ms / 1000 steps',
            measured: `${fmt(fused.value)} ms`,
            verdict: verdict(fused.value <= 2 * goal),
            detail: `${fmt(fused.value / goal)}× the 0.4 ms goal (allowed: 2×)`,
          }
        : {
            target: 'W1 fused within 2× of 0.4 ms / 1000 steps',
            measured: '—',
            verdict: 'not measured',
            detail: 'anneal fused not run',
          },
    );
  }
  if (has('W2')) {
    out.push(speedupTarget(ms, ratios, 'W2 ≥ 8× faster than TF.js wasm', 'W2', 'anneal-staged', 'tfjs-wasm', 8));
    out.push(speedupTarget(ms, ratios, 'W2 ≥ 0.6× PyTorch single-thread speed', 'W2', 'anneal-staged', 'torch-1', 0.6));
  }
  for (const [m, k, n] of W3_SHAPES) {
    const group = `W3 ${m}×${k}×${n}`;
    if (!has(group)) continue;
    const a = find(ms, group, 'anneal-matmul');
    const target = `${group} ≥ 35 GFLOP/s`;
    out.push(
      a?.value != null
        ? {
            target,
            measured: `${fmt(a.value)} GFLOP/s`,
            verdict: verdict(a.value >= 35),
            detail: `${fmt(a.value / 35)}× the target`,
          }
        : { target, measured: '—', verdict: 'not measured', detail: a?.skipped ?? 'not run' },
    );
  }
  if (has(CLI_GROUP)) {
    out.push(startupTarget(ms, 'CLI --version ≤ 3× node -e 0', 'cli-version', 3));
    out.push(startupTarget(ms, 'CLI --help ≤ 3× node -e 0', 'cli-help', 3));
    out.push(startupTarget(ms, 'CLI train (1000 steps) ≤ 5× node -e 0', 'cli-train', 5));
  }
  return out;
}
