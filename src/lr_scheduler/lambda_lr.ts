import { compileLambda, lambdaSource } from '../expr/compile.ts';
import { ExprError } from '../expr/errors.ts';
import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { custom, type OptionsOf } from '../params/declare.ts';
import { refuse, ValidationError } from '../params/error.ts';
import { displayName } from '../params/names.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';

/** A function of the epoch: LambdaLR's lr factor, or MultiplicativeLR's factor per step. */
export type LrLambda = (epoch: number) => number;
/** A function of the epoch, or an expression in `epoch` such as "0.95 ** epoch" (see src/expr). */
export type LrLambdaInput = LrLambda | string;

/** What one lambda may be, in words. */
const ONE_LAMBDA = 'a function of the epoch or an expression string';

/** PyTorch's `lr_lambda`: one lambda for every group, or a list with one per group. */
function lrLambdaParam(doc: string) {
  return {
    ...custom(
      {
        doc,
        kind: 'expression',
        allowed: ONE_LAMBDA,
        // A function cannot be saved: the state dict holds `lr_lambdas`, expression texts (the class's stateDict).
        inState: false,
      },
      resolveLambdas,
    ),
    perGroup: true as const,
  };
}

const LAMBDA_LR = new ParamSet('LambdaLR', {
  lrLambda: lrLambdaParam(
    'The lr factor, a function of the epoch or an expression in `epoch`; one for every group or one per group.',
  ),
  lastEpoch: LAST_EPOCH,
});

/** Options of `LambdaLR` (PyTorch's `lr_lambda`, `last_epoch`), as declared in `LambdaLR.params`. */
export type LambdaLROptions = OptionsOf<typeof LAMBDA_LR.decls, LrLambdaInput | readonly LrLambdaInput[]>;

/**
 * Sets the lr to the initial lr times `lrLambda(epoch)` (PyTorch's LambdaLR). As in PyTorch, stateDict()
 * does not serialise functions (their entries in `lr_lambdas` are null and loadStateDict keeps the
 * scheduler's own); a lambda built from an expression string is stored as its source and rebuilt on load.
 */
export class LambdaLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = LAMBDA_LR;
  /** One lambda per param group: `lr = initialLr * lrLambda(epoch)`. */
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: LambdaLROptions) {
    const o = parseSchedulerOptions(LAMBDA_LR, optimizer, options);
    super(LAMBDA_LR, optimizer, o.lastEpoch);
    this.lrLambdas = o.lrLambda;
    this.initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map((baseLr, i) => baseLr * this.lrLambdas[i](this.lastEpoch));
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.baseLrs.map((baseLr, i) => baseLr * this.lrLambdas[i](step));
  }

  /** The base entries, then `lr_lambdas`: each lambda's expression text, null for a function. */
  override stateDict(): StateDict {
    return { ...super.stateDict(), lr_lambdas: lambdaSources(this.lrLambdas) };
  }

  /** Checks and compiles `lr_lambdas`, then loads the rest; a refused state changes nothing. */
  override loadStateDict(state: StateDict): void {
    const lrLambdas = loadLambdas('LambdaLR', state, this.lrLambdas);
    super.loadStateDict(state);
    this.lrLambdas = lrLambdas;
  }
}

const MULTIPLICATIVE_LR = new ParamSet('MultiplicativeLR', {
  lrLambda: lrLambdaParam(
    'The factor applied at each step, a function of the epoch or an expression in `epoch`; ' +
      'one for every group or one per group.',
  ),
  lastEpoch: LAST_EPOCH,
});

/** Options of `MultiplicativeLR` (PyTorch's `lr_lambda`, `last_epoch`), as declared in `MultiplicativeLR.params`. */
export type MultiplicativeLROptions = OptionsOf<
  typeof MULTIPLICATIVE_LR.decls,
  LrLambdaInput | readonly LrLambdaInput[]
>;

/** Multiplies the lr by `lrLambda(epoch)` at every step after the first (PyTorch's MultiplicativeLR). */
export class MultiplicativeLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = MULTIPLICATIVE_LR;
  /** One lambda per param group: `lr = lr * lrLambda(epoch)` at each step after the first. */
  lrLambdas: LrLambda[];

  constructor(optimizer: SchedulableOptimizer, options: MultiplicativeLROptions) {
    const o = parseSchedulerOptions(MULTIPLICATIVE_LR, optimizer, options);
    super(MULTIPLICATIVE_LR, optimizer, o.lastEpoch);
    this.lrLambdas = o.lrLambda;
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

  /** The base entries, then `lr_lambdas`: each lambda's expression text, null for a function. */
  override stateDict(): StateDict {
    return { ...super.stateDict(), lr_lambdas: lambdaSources(this.lrLambdas) };
  }

  /** Checks and compiles `lr_lambdas`, then loads the rest; a refused state changes nothing. */
  override loadStateDict(state: StateDict): void {
    const lrLambdas = loadLambdas('MultiplicativeLR', state, this.lrLambdas);
    super.loadStateDict(state);
    this.lrLambdas = lrLambdas;
  }
}

/** The check of `lrLambda`: one lambda per param group (`groups` of them). */
function resolveLambdas(where: string, name: string, input: unknown, groups: number): LrLambda[] {
  if (!Array.isArray(input)) return new Array<LrLambda>(groups).fill(resolveLambda(where, name, input));
  if (input.length !== groups) {
    throw new ValidationError(
      where,
      name,
      `one lambda per param group (${groups}) or a single one`,
      input,
      `${where}: ${displayName(name)} has ${input.length} lambdas ` +
        `but the optimizer has ${groups} param groups; ` +
        'give one per group or a single one',
    );
  }
  return input.map((item: unknown, i) => resolveLambda(where, `${name}[${i}]`, item));
}

function resolveLambda(where: string, name: string, input: unknown): LrLambda {
  if (typeof input === 'function') return input as LrLambda;
  if (typeof input !== 'string') refuse(where, name, ONE_LAMBDA, input);
  return compile(input, where, name, displayName(name));
}

/**
 * Compiles an expression text, refusing an invalid one with a ValidationError (the ExprError as its cause);
 * `shown` is the parameter as the message names it.
 */
function compile(source: string, where: string, name: string, shown: string): LrLambda {
  try {
    return compileLambda(source);
  } catch (error) {
    if (!(error instanceof ExprError)) throw error;
    const message = `${where}: ${shown} is not a valid expression: ${error.message}`;
    const refusal = new ValidationError(where, name, 'a valid expression', source, message);
    refusal.cause = error;
    throw refusal;
  }
}

function lambdaSources(lambdas: readonly LrLambda[]): (string | null)[] {
  return lambdas.map((fn) => lambdaSource(fn) ?? null);
}

/** Reads `lr_lambdas` without changing anything: a text is compiled, null keeps the scheduler's own function. */
function loadLambdas(scheduler: string, state: StateDict, current: readonly LrLambda[]): LrLambda[] {
  const reader = new StateReader(scheduler, state);
  const where = `${scheduler}.loadStateDict`;
  const saved = reader.list('lr_lambdas', current.length);
  return saved.map((source, i) => {
    const key = `lr_lambdas[${i}]`;
    if (source === null) return current[i];
    if (typeof source !== 'string') return reader.fail(key, 'an expression string or null', source);
    return compile(source, where, key, `'${key}'`);
  });
}
