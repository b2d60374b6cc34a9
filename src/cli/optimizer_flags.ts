import { type Command, InvalidArgumentError, Option } from 'commander';
import { OPTIMIZER_TYPES, type OptimizerType, optimizerParams } from '../config/optimizer_spec.ts';
import type { Param } from '../params/declare.ts';
import { listArg, numberArg } from './parse.ts';

// Every optimizer's declared keywords become flags (weight_decay → --weight-decay), checked by their
// declarations' ranges; the chosen optimizer refuses a keyword it does not take. `anneal train`'s lr goes into
// the param groups (one value for every group, or one per group: `--lr 0.001,0.02`), with the lesson's default;
// `schedule` and `compare` read their own --lr. The others become a run config's optimizer kwargs.

/** An optimizer keyword as a flag: PyTorch's name, the option key (camelCase) and the optimizers declaring it. */
interface OptimizerFlag {
  torch: string;
  key: string;
  declared: { type: OptimizerType; param: Param<unknown> }[];
}

/** Each optimizer keyword once, in the order of the declarations (Adam's, then SGD's own). */
const OPTIMIZER_FLAGS: OptimizerFlag[] = (() => {
  const flags = new Map<string, OptimizerFlag>();
  for (const type of OPTIMIZER_TYPES) {
    const params = optimizerParams(type);
    params.names.forEach((key, i) => {
      const torch = params.torchNames[i];
      const flag = flags.get(torch) ?? { torch, key, declared: [] };
      flag.declared.push({ type, param: params.decls[key] });
      flags.set(torch, flag);
    });
  }
  return [...flags.values()];
})();

/** Defaults of the flags that are not the declarations' (the lesson's lr). */
const LESSON_DEFAULTS: Record<string, number> = { lr: 0.01 };

/** A declaration's doc line as part of a flag's help: `Use the maximum …` → `use the maximum …`. */
function sentence(doc: string): string {
  const text = doc.replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

function shownValue(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** ` (default 0; AdamW 0.01)`: the declared defaults, each optimizer's where they differ. */
function shownDefaults(declared: OptimizerFlag['declared']): string {
  const given = declared.filter((d) => !d.param.required);
  if (given.length === 0) return '';
  const first = shownValue(given[0].param.defaultValue);
  const others = given.filter((d) => shownValue(d.param.defaultValue) !== first);
  return ` (default ${first}${others.map((d) => `; ${d.type} ${shownValue(d.param.defaultValue)}`).join('')})`;
}

/** A list flag (`--betas 0.9,0.99`) checked by its declaration: a third value is refused as a run config's is. */
function declaredListArg(torch: string, param: Param<unknown>) {
  return (raw: string): unknown => {
    const parts = raw.split(',').map((s) => s.trim());
    const numbers = parts.map(Number);
    const fail = () => new InvalidArgumentError(`expected ${param.allowed}, got ${JSON.stringify(raw)}`);
    if (parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) throw fail();
    try {
      return param.check(`--${torch}`, torch, numbers, 1);
    } catch {
      throw fail();
    }
  };
}

/** Adds a flag for every optimizer keyword but those in `skip`, parsed and checked as declared. */
export function addOptimizerFlags(command: Command, skip: readonly string[] = []): void {
  for (const { torch, declared } of OPTIMIZER_FLAGS) {
    if (skip.includes(torch)) continue;
    const { param } = declared[0];
    const flag = `--${torch.replace(/_/g, '-')}`;
    const users = declared.length === OPTIMIZER_TYPES.length ? '' : `${declared.map((d) => d.type).join('/')}: `;
    const docs = declared.filter((d, i) => declared.findIndex((e) => e.param.doc === d.param.doc) === i);
    const what = `${users}${docs.map((d, i) => `${i ? `${d.type}: ` : ''}${sentence(d.param.doc)}`).join('; ')}`;
    if (param.kind === 'boolean') {
      command.option(flag, what);
      continue;
    }
    const description = `${what}; ${param.allowed}${torch in LESSON_DEFAULTS ? '' : shownDefaults(declared)}`;
    let option: Option;
    if (param.kind === 'number') {
      const range = param.range ?? {};
      const one = numberArg(range.min ?? -Infinity, range.max ?? Infinity, { minExclusive: range.above ?? false });
      option =
        torch === 'lr'
          ? new Option(
              `${flag} <x>`,
              `${description}: one for every param group, or with --group-by-layer one per Linear layer, ` +
                'comma-separated',
            ).argParser(listArg(one))
          : new Option(`${flag} <x>`, description).argParser(one);
    } else {
      const size = Array.isArray(param.defaultValue) ? param.defaultValue.length : 2;
      const placeholder = Array.from({ length: size }, (_, i) => `${torch.charAt(0)}${i + 1}`).join(',');
      option = new Option(`${flag} <${placeholder}>`, description).argParser(declaredListArg(torch, param));
    }
    if (torch === 'lr') option.default([LESSON_DEFAULTS.lr], String(LESSON_DEFAULTS.lr));
    else if (torch in LESSON_DEFAULTS) option.default(LESSON_DEFAULTS[torch]);
    command.addOption(option);
  }
}

/** The optimizer kwargs the flags give (PyTorch's keywords), lr aside. */
export function optimizerKwargsFromFlags(flags: Record<string, unknown>): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {};
  for (const { torch, key } of OPTIMIZER_FLAGS) {
    if (torch !== 'lr' && flags[key] !== undefined) kwargs[torch] = flags[key];
  }
  return kwargs;
}
