// The losses and the activations' arguments the page offers. What they are — names, kinds, defaults, ranges,
// docs — is the library's declarations (`criterionParams`, i.e. `MSELoss.params`, `HuberLoss.params`, …, and
// `LeakyReLU.params`, `ELU.params`); the page only says which losses fit which data and shows the arguments a
// control can hold (numbers and choices; per-class weight lists are for run configs). No DOM, no core here.

import { CRITERIA, criterionParams, type CriterionType } from '../../src/nn/losses.ts';
import { type ACTIVATIONS, ELU, LeakyReLU, activationArgNames } from '../../src/nn/modules.ts';
import { describeRange, torchName, type Param } from '../../src/params/declare.ts';
import type { ParamSet } from '../../src/params/param_set.ts';
import { errorText } from './error_text.ts';

export type LossType = CriterionType;
export type DeclaredValue = number | string;

/** A loss and its arguments under PyTorch's keywords (only those differing from the declared defaults). */
export interface LossChoice {
  type: LossType;
  args: Record<string, DeclaredValue>;
}

/** One declared argument as the page shows it. */
export interface DeclaredArg {
  /** PyTorch's keyword: the run config's name and the URL's (`l.beta`, `a.negative_slope`). */
  name: string;
  kind: 'number' | 'choice';
  param: Param<unknown>;
  /** Beside the control: the declared range of a number. */
  hint: string;
  /** The control's tooltip: the doc line and what it allows. */
  title: string;
}

function declaredArgs(params: ParamSet<Record<string, Param<unknown>>>): DeclaredArg[] {
  const out: DeclaredArg[] = [];
  for (const name of params.names) {
    const param = params.decls[name];
    if (param.kind !== 'number' && param.kind !== 'choice') continue;
    out.push({
      name: torchName(name, param),
      kind: param.kind,
      param,
      hint: param.range ? describeRange(param.range) : '',
      title: `${param.doc} (${param.allowed})`,
    });
  }
  return out;
}

/** The losses for class labels and for float targets (regression), in the order the page lists them. */
export const LABEL_LOSSES: readonly LossType[] = CRITERIA.filter(
  (c) => c === 'CrossEntropyLoss' || c === 'BCEWithLogitsLoss',
);
export const REGRESSION_LOSSES: readonly LossType[] = CRITERIA.filter((c) => !LABEL_LOSSES.includes(c));

/** The losses that fit the data: class labels, or float targets. */
export function lossesFor(regression: boolean): readonly LossType[] {
  return regression ? REGRESSION_LOSSES : LABEL_LOSSES;
}

/** The loss a dataset starts with: CrossEntropyLoss for labels, MSELoss for float targets. */
export function defaultLoss(regression: boolean): LossChoice {
  return { type: regression ? 'MSELoss' : 'CrossEntropyLoss', args: {} };
}

export function lossArgs(type: LossType): DeclaredArg[] {
  return declaredArgs(criterionParams(type) as ParamSet<Record<string, Param<unknown>>>);
}

const ACTIVATION_PARAMS: Partial<Record<(typeof ACTIVATIONS)[number], ParamSet<Record<string, Param<unknown>>>>> = {
  leaky_relu: LeakyReLU.params as ParamSet<Record<string, Param<unknown>>>,
  elu: ELU.params as ParamSet<Record<string, Param<unknown>>>,
};

/** The arguments of an activation (`negative_slope` of leaky_relu, `alpha` of elu; none of the others). */
export function activationArgs(name: (typeof ACTIVATIONS)[number]): DeclaredArg[] {
  const params = ACTIVATION_PARAMS[name];
  const args = params ? declaredArgs(params) : [];
  // The library's own list of what the activation takes: the page offers those and no others.
  const taken = activationArgNames(name);
  return args.filter((a) => taken.includes(a.name));
}

/** The value an argument left out stands for: its declared default. */
export function declaredDefault(arg: DeclaredArg): DeclaredValue {
  return arg.param.defaultValue as DeclaredValue;
}

/** Why the library refuses `value` for the argument (its message), or null when it takes it. */
export function argRefusal(arg: DeclaredArg, value: unknown): string | null {
  try {
    arg.param.check('page', arg.name, value, 1);
    return null;
  } catch (err) {
    return errorText(err);
  }
}

/** The run config's `args` of a choice: the declared defaults, then the values given. */
export function withDefaults(args: readonly DeclaredArg[], given: Record<string, DeclaredValue>) {
  return Object.fromEntries(args.map((a) => [a.name, given[a.name] ?? declaredDefault(a)]));
}
