import { expect } from 'vitest';
import type { SchedulableOptimizer, SchedulableParamGroup } from '../../src/optim/param_group.ts';
import type { SchedulerSpec } from '../../src/lr_scheduler/index.ts';

/** Plain-object stand-ins for the engine's optimizers. */
export function adam(...lrs: number[]): SchedulableOptimizer {
  return { paramGroups: lrs.map((lr) => ({ lr, betas: [0.9, 0.999] as const })) };
}

export function sgd(momentum: number, ...lrs: number[]): SchedulableOptimizer {
  return { paramGroups: lrs.map((lr) => ({ lr, momentum })) };
}

export function lrsOf(optimizer: SchedulableOptimizer): number[] {
  return optimizer.paramGroups.map((group) => group.lr);
}

/** A deep copy of the groups (what PyTorch's optimizer.state_dict() keeps of them). */
export function snapshotGroups(optimizer: SchedulableOptimizer): SchedulableParamGroup[] {
  return optimizer.paramGroups.map((group) => ({ ...group, betas: group.betas && ([...group.betas] as const) }));
}

/** `|actual - expected| <= rel * |expected|`, or within `abs` (for values that pass through 0). */
export function expectClose(actual: number, expected: number, rel: number, abs = 0, what = ''): void {
  const error = Math.abs(actual - expected);
  if (!(error <= rel * Math.abs(expected) || error <= abs)) {
    expect.fail(`${what}: ${actual} vs expected ${expected} (error ${error}, rel ${error / Math.abs(expected)})`);
  }
}

export function expectAllClose(
  actual: readonly number[],
  expected: readonly number[],
  rel: number,
  abs = 0,
  what = '',
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  actual.forEach((value, i) => expectClose(value, expected[i], rel, abs, `${what} [${i}]`));
}

// ---- the fixture generator's lambdas, described as data, as expression strings -----------------------

export interface FixtureLambda {
  kind: 'pow' | 'warmup' | 'inv_sqrt' | 'const' | 'step_table';
  base?: number;
  warmup?: number;
  value?: number;
  every?: number;
  gamma?: number;
}

export function lambdaExpression(lambda: FixtureLambda): string {
  switch (lambda.kind) {
    case 'pow':
      return `${lambda.base} ** epoch`;
    case 'warmup':
      return `min(1, (epoch + 1) / ${lambda.warmup})`;
    case 'inv_sqrt':
      return `min((epoch + 1) / ${lambda.warmup}, sqrt(${lambda.warmup} / (epoch + 1)))`;
    case 'const':
      return `${lambda.value}`;
    case 'step_table':
      return `${lambda.gamma} ** floor(epoch / ${lambda.every})`;
  }
}

/** The fixture's scheduler spec with its lambda descriptions replaced by expression strings. */
export function toSpec(spec: { type: string; args?: Record<string, unknown> }): SchedulerSpec {
  const args: Record<string, unknown> = { ...spec.args };
  const lrLambda = args.lr_lambda as FixtureLambda | FixtureLambda[] | undefined;
  if (lrLambda !== undefined)
    args.lr_lambda = Array.isArray(lrLambda) ? lrLambda.map(lambdaExpression) : lambdaExpression(lrLambda);
  if (Array.isArray(args.schedulers)) args.schedulers = args.schedulers.map(toSpec);
  return { type: spec.type, args };
}

export interface FixtureOptimizer {
  type: 'Adam' | 'SGD';
  groups: { lr: number }[];
  kwargs?: { momentum?: number };
}

/** The fixture's optimizer as plain groups: Adam's default betas, or SGD's momentum (default 0). */
export function optimizerFor(spec: FixtureOptimizer): SchedulableOptimizer {
  return spec.type === 'Adam'
    ? adam(...spec.groups.map((g) => g.lr))
    : sgd(spec.kwargs?.momentum ?? 0, ...spec.groups.map((g) => g.lr));
}

/** A training.json case as a run config: its LambdaLR lambdas (`{kind, ...}` descriptions) as expressions. */
export function withExpressions<C extends { scheduler: unknown }>(c: C): C {
  const scheduler = c.scheduler as { type: string; args: Record<string, unknown> } | null;
  if (!scheduler || !('lr_lambda' in scheduler.args)) return c;
  const lam = scheduler.args.lr_lambda as FixtureLambda | FixtureLambda[];
  const lrLambda = Array.isArray(lam) ? lam.map(lambdaExpression) : lambdaExpression(lam);
  return { ...c, scheduler: { ...scheduler, args: { ...scheduler.args, lr_lambda: lrLambda } } };
}
