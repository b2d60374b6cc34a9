import { compileLambda, lambdaSource } from '../expr/compile.ts';
import { ExprError } from '../expr/errors.ts';
import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import { displayName } from './names.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** A function of the epoch: LambdaLR's lr factor, or MultiplicativeLR's factor per step. */
export type LrLambda = (epoch: number) => number;
/** A function of the epoch, or an expression in `epoch` such as "0.95 ** epoch" (see src/expr). */
export type LrLambdaInput = LrLambda | string;

/** Options of `LambdaLR` (PyTorch's `lr_lambda`, `last_epoch`). */
export interface LambdaLROptions {
  /** One lambda for every group, or a list with one per group. */
  lrLambda: LrLambdaInput | readonly LrLambdaInput[];
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/**
 * Sets the lr to the initial lr times `lrLambda(epoch)` (PyTorch's LambdaLR). As in PyTorch, stateDict()
 * does not serialise functions (their entries in `lr_lambdas` are null and loadStateDict keeps the
 * scheduler's own); a lambda built from an expression string is stored as its source and rebuilt on load.
 */
export class LambdaLR extends LRScheduler implements ClosedForm {
  /** One lambda per param group: `lr = initialLr * lrLambda(epoch)`. */
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    const check = new ArgChecker('LambdaLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['lrLambda', 'lastEpoch']);
    const lrLambdas = resolveLambdas(check, o.lrLambda, optimizer);
    super('LambdaLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.lrLambdas = lrLambdas;
    this.initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map((baseLr, i) => baseLr * this.lrLambdas[i](this.lastEpoch));
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.baseLrs.map((baseLr, i) => baseLr * this.lrLambdas[i](step));
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), lr_lambdas: lambdaSources(this.lrLambdas) };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.lrLambdas = loadLambdas(reader, this.lrLambdas);
  }
}

/** Options of `MultiplicativeLR` (PyTorch's `lr_lambda`, `last_epoch`). */
export interface MultiplicativeLROptions {
  /** The factor applied at each step, given the epoch; one for every group or one per group. */
  lrLambda: LrLambdaInput | readonly LrLambdaInput[];
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/** Multiplies the lr by `lrLambda(epoch)` at every step after the first (PyTorch's MultiplicativeLR). */
export class MultiplicativeLR extends LRScheduler implements ClosedForm {
  /** One lambda per param group: `lr = lr * lrLambda(epoch)` at each step after the first. */
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: MultiplicativeLROptions) {
    const check = new ArgChecker('MultiplicativeLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['lrLambda', 'lastEpoch']);
    const lrLambdas = resolveLambdas(check, o.lrLambda, optimizer);
    super('MultiplicativeLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.lrLambdas = lrLambdas;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch <= 0 || this.resumingInConstructor) return lrs;
    return lrs.map((lr, i) => lr * this.lrLambdas[i](this.lastEpoch));
  }

  /** The running product of the factors of epochs 1..step, applied to the base lrs. */
  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.baseLrs.map((baseLr, i) => {
      let lr = baseLr;
      for (let epoch = 1; epoch <= step; epoch++) lr = lr * this.lrLambdas[i](epoch);
      return lr;
    });
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), lr_lambdas: lambdaSources(this.lrLambdas) };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.lrLambdas = loadLambdas(reader, this.lrLambdas);
  }
}

function resolveLambdas(check: ArgChecker, input: unknown, optimizer: SchedulableOptimizer): LrLambda[] {
  const groups = optimizer.paramGroups.length;
  if (!Array.isArray(input)) return new Array<LrLambda>(groups).fill(resolveLambda(check, 'lrLambda', input));
  if (input.length !== groups) {
    throw new Error(
      `${check.scheduler}: lrLambda (lr_lambda) has ${input.length} lambdas but the optimizer has ${groups} param groups; ` +
        'give one per group or a single one',
    );
  }
  return input.map((item: unknown, i) => resolveLambda(check, `lrLambda[${i}]`, item));
}

function resolveLambda(check: ArgChecker, param: string, input: unknown): LrLambda {
  if (typeof input === 'function') return input as LrLambda;
  if (typeof input !== 'string') check.fail(param, 'a function of the epoch or an expression string', input);
  try {
    return compileLambda(input);
  } catch (error) {
    if (!(error instanceof ExprError)) throw error;
    throw new Error(`${check.scheduler}: ${displayName(param)} is not a valid expression: ${error.message}`, {
      cause: error,
    });
  }
}

function lambdaSources(lambdas: readonly LrLambda[]): (string | null)[] {
  return lambdas.map((fn) => lambdaSource(fn) ?? null);
}

function loadLambdas(reader: StateReader, current: readonly LrLambda[]): LrLambda[] {
  const saved = reader.list('lr_lambdas', current.length);
  return saved.map((source, i) => {
    if (source === null) return current[i];
    if (typeof source !== 'string') return reader.fail(`lr_lambdas[${i}]`, 'an expression string or null', source);
    return compileLambda(source);
  });
}
