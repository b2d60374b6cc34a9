// The optimizers the page offers and the hyper-parameters it shows of each. The hyper-parameters themselves —
// kind, PyTorch's keyword, default, allowed range, doc — are the library's declarations (`optimizerParams`,
// i.e. `Adam.params`, `AdamW.params`, `SGD.params`); the page only says which it shows, under which URL key
// and label, and where it starts (the lesson's lr). This module knows nothing of the DOM or of the core.

import { OPTIMIZER_TYPES, optimizerParams, type OptimizerType } from '../../src/config/optimizer_spec.ts';
import { describeRange, type Param } from '../../src/params/declare.ts';
import { ValidationError } from '../../src/params/error.ts';

/** The hyper-parameters the page shows, by the library's camelCase names (also the page state's fields). */
export type OptimizerField = 'betas' | 'eps' | 'weightDecay' | 'amsgrad' | 'momentum' | 'dampening' | 'nesterov';

/** The values of every hyper-parameter the page shows, of whichever optimizer shows it. */
export interface OptimizerValues {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/**
 * Page preferences, not the library's: the lesson's lr (the library's Adam defaults to 1e-3, SGD to none),
 * which hyper-parameters the page shows of each optimizer, in order (`lr` is the schedule's; `maximize` is
 * not shown), the URL keys and labels that are not PyTorch's keyword, and a word beside a control.
 */
export const LESSON_LR = 0.01;
const ADAM_SHOWN: readonly OptimizerField[] = ['betas', 'eps', 'weightDecay', 'amsgrad'];
const SHOWN: Record<OptimizerType, readonly OptimizerField[]> = {
  Adam: ADAM_SHOWN,
  AdamW: ADAM_SHOWN,
  SGD: ['momentum', 'dampening', 'weightDecay', 'nesterov'],
};
const KEYS: Partial<Record<OptimizerField, string>> = { weightDecay: 'wd' };
const LABELS: Partial<Record<OptimizerField, string>> = { weightDecay: 'weight decay' };
const WORDS: Partial<Record<OptimizerType, Partial<Record<OptimizerField, string>>>> = {
  Adam: { weightDecay: 'L2' },
  AdamW: { weightDecay: 'decoupled' },
  SGD: { weightDecay: 'L2' },
};

/** One hyper-parameter as the page shows it: the library's declaration and the page's names for it. */
export interface OptimizerParamDef {
  /** The library's camelCase name, and the page state's field. */
  name: OptimizerField;
  /** PyTorch's keyword, as run configs name it. */
  torch: string;
  /** The URL key. */
  key: string;
  /** The control's label. */
  label: string;
  /** The library's declaration: kind, default, range, doc. */
  param: Param<unknown>;
  /** Shown beside the control: the page's word for it and the declared range of a number (`>= 0`). */
  hint: string;
  /** The control's tooltip: the declaration's doc line and what it allows. */
  title: string;
}

/** The hyper-parameters the page shows of `type`, in order. */
export function optimizerDefs(type: OptimizerType): readonly OptimizerParamDef[] {
  const params = optimizerParams(type);
  return SHOWN[type].map((name) => {
    const param = params.decls[name];
    const torch = params.torchNames[params.names.indexOf(name)];
    const range = param.kind === 'number' && param.range ? describeRange(param.range).trim() : '';
    const hint = [WORDS[type]?.[name], range].filter(Boolean).join(', ');
    const title = `${param.doc} Allowed: ${param.allowed}.`;
    return { name, torch, key: KEYS[name] ?? torch, label: LABELS[name] ?? torch, param, hint, title };
  });
}

/** Every hyper-parameter the page shows of any optimizer, each once, in the order of the optimizers. */
export const OPTIMIZER_FIELDS: readonly OptimizerField[] = [...new Set(OPTIMIZER_TYPES.flatMap((type) => SHOWN[type]))];

/** Does `type` show `name`? */
export function shows(type: OptimizerType, name: OptimizerField): boolean {
  return SHOWN[type].includes(name);
}

/** The declared default of `name` in `type`, as the page holds it (a copy of a list). */
export function optimizerDefault<K extends OptimizerField>(type: OptimizerType, name: K): OptimizerValues[K] {
  const value = optimizerParams(type).decls[name].defaultValue;
  return (Array.isArray(value) ? [...value] : value) as OptimizerValues[K];
}

/** Where the page starts: every hyper-parameter at the declared default of the first optimizer that shows it. */
export function startValues(): OptimizerValues {
  const values: Partial<Record<OptimizerField, unknown>> = {};
  for (const name of OPTIMIZER_FIELDS) {
    const type = OPTIMIZER_TYPES.find((t) => shows(t, name))!;
    values[name] = optimizerDefault(type, name);
  }
  return values as OptimizerValues;
}

/**
 * What picking `type` resets: the hyper-parameters whose declared defaults differ between the optimizers that
 * show them (weight decay: AdamW's 0.01, the others' 0), at `type`'s default; the rest keep their values.
 */
export function switchValues(type: OptimizerType): Partial<OptimizerValues> {
  const out: Partial<Record<OptimizerField, unknown>> = {};
  for (const name of SHOWN[type]) {
    const defaults = OPTIMIZER_TYPES.filter((t) => shows(t, name)).map((t) =>
      JSON.stringify(optimizerDefault(t, name)),
    );
    if (new Set(defaults).size > 1) out[name] = optimizerDefault(type, name);
  }
  return out as Partial<OptimizerValues>;
}

/**
 * Checks a value of `name` for `type` as the library does (`param.check`): null when accepted, else the
 * ValidationError it threw (its `allowed` and the declaration's say what would be accepted).
 */
export function refusal(type: OptimizerType, name: string, value: unknown): ValidationError | null {
  try {
    optimizerParams(type).decls[name].check(type, name, value, 1);
    return null;
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
}

/** PyTorch's keyword arguments of the hyper-parameters the page shows of the state's optimizer. */
export function optimizerKwargs(type: OptimizerType, values: OptimizerValues): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  for (const def of optimizerDefs(type)) {
    const value = values[def.name];
    kwargs[def.torch] = Array.isArray(value) ? [...value] : value;
  }
  return kwargs;
}
