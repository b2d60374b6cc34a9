import { type Command, InvalidArgumentError, Option } from 'commander';
import { activationArgNames, type ActivationName, LeakyReLU, ELU } from '../nn/modules.ts';
import { CRITERIA, CRITERION_ALIASES, criterionParams, criterionType, type CriterionType } from '../nn/losses.ts';
import type { Param } from '../params/declare.ts';
import { UsageError } from './files.ts';

// `--loss NAME` and the criteria's keyword arguments as flags, derived from their declarations (src/nn/losses.ts):
// label_smoothing → --label-smoothing, pos_weight → --pos-weight, beta, delta, reduction; CrossEntropyLoss's
// weight is --class-weight. The activations' arguments likewise: --negative-slope (leaky_relu), --alpha (elu).

const FLAG_NAMES: Record<string, string> = { weight: 'class-weight' };

/** The flag of a criterion's PyTorch keyword. */
function flagName(arg: string): string {
  return FLAG_NAMES[arg] ?? arg.replace(/_/g, '-');
}

/** commander's option key of a flag (`--label-smoothing` → `labelSmoothing`). */
function optionKey(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Every criterion keyword once, with the criteria that declare it. */
const LOSS_ARGS: { arg: string; param: Param<unknown>; users: CriterionType[] }[] = (() => {
  const args = new Map<string, { arg: string; param: Param<unknown>; users: CriterionType[] }>();
  for (const type of CRITERIA) {
    const params = criterionParams(type);
    params.names.forEach((name, i) => {
      const arg = params.torchNames[i];
      const entry = args.get(arg) ?? { arg, param: params.decls[name], users: [] };
      entry.users.push(type);
      args.set(arg, entry);
    });
  }
  return [...args.values()];
})();

/** The activations' keywords: negative_slope (LeakyReLU), alpha (ELU). */
const ACTIVATION_ARGS: { arg: string; param: Param<unknown>; users: ActivationName[] }[] = [
  { arg: 'negative_slope', param: LeakyReLU.params.decls.negativeSlope, users: ['leaky_relu'] },
  { arg: 'alpha', param: ELU.params.decls.alpha, users: ['elu'] },
];

function sentence(doc: string): string {
  const text = doc.replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/** A flag's text as its declaration reads it: a choice as given, else a number or a comma-separated list. */
function flagValue(flag: string, param: Param<unknown>, raw: string): unknown {
  if (param.kind === 'choice') return raw;
  const parts = raw.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) {
    throw new InvalidArgumentError(`--${flag}: expected ${param.allowed}, got ${JSON.stringify(raw)}`);
  }
  return param.kind === 'numbers' ? numbers : numbers[0];
}

/** Adds `--loss` and a flag for every criterion and activation keyword. */
export function addLossFlags(command: Command): Command {
  const short = Object.keys(CRITERION_ALIASES)
    .filter((a) => !a.includes('_'))
    .join(', ');
  command.addOption(
    new Option(
      '--loss <name>',
      `loss function, by PyTorch class name (${CRITERIA.join(', ')}) or short name (${short}); its arguments are ` +
        'the flags below. Regression losses need float targets (a regression dataset); BCEWithLogitsLoss on class ' +
        'labels takes one output for two classes, else one per class. Default: CrossEntropyLoss, or MSELoss on ' +
        'regression data (--dataset diabetes, --data with --task regression)',
    )
      .default('CrossEntropyLoss')
      .argParser((value: string) => criterionType(value, '--loss')),
  );
  for (const { arg, param, users } of LOSS_ARGS) {
    const flag = flagName(arg);
    const shown = param.defaultValue === undefined ? '' : ` (default ${String(param.defaultValue)})`;
    const option = new Option(`--${flag} <value>`, `${users.join(', ')}: ${arg}, ${sentence(param.doc)}${shown}`);
    command.addOption(option.argParser((raw: string) => flagValue(flag, param, raw)));
  }
  for (const { arg, param, users } of ACTIVATION_ARGS) {
    const flag = flagName(arg);
    const shown = ` (default ${String(param.defaultValue)})`;
    const option = new Option(
      `--${flag} <value>`,
      `--activation ${users.join(', ')}: ${arg}, ${sentence(param.doc)}${shown}`,
    );
    command.addOption(option.argParser((raw: string) => flagValue(flag, param, raw)));
  }
  return command;
}

/** The flags `addLossFlags` adds, as commander's option keys (for the flags allowed with --config). */
export const LOSS_FLAG_KEYS = ['loss', ...[...LOSS_ARGS, ...ACTIVATION_ARGS].map((a) => optionKey(flagName(a.arg)))];

/** The run config's `criterion` the flags describe: only keywords the chosen criterion takes are allowed. */
export function criterionSpecFromFlags(
  type: CriterionType,
  flags: Record<string, unknown>,
  given: (key: string) => boolean,
): { type: CriterionType; args: Record<string, unknown> } {
  const accepted = new Set(criterionParams(type).torchNames);
  const args: Record<string, unknown> = {};
  for (const { arg } of LOSS_ARGS) {
    const key = optionKey(flagName(arg));
    if (!given(key)) continue;
    if (!accepted.has(arg)) {
      const own = [...accepted].map((a) => `--${flagName(a)}`).join(', ');
      throw new UsageError(`--${flagName(arg)} does not apply to ${type}; its arguments are ${own}`);
    }
    args[arg] = flags[key];
  }
  return { type, args };
}

/** The run config's `activation_args` the flags describe (null for none); refuses one the activation does not take. */
export function activationArgsFromFlags(
  activation: ActivationName,
  flags: Record<string, unknown>,
  given: (key: string) => boolean,
): Record<string, number> | null {
  const accepted = new Set(activationArgNames(activation));
  const args: Record<string, number> = {};
  for (const { arg } of ACTIVATION_ARGS) {
    const key = optionKey(flagName(arg));
    if (!given(key)) continue;
    if (!accepted.has(arg)) {
      const own = accepted.size ? [...accepted].map((a) => `--${flagName(a)}`).join(', ') : 'none';
      throw new UsageError(`--${flagName(arg)} does not apply to --activation ${activation}; its arguments: ${own}`);
    }
    args[arg] = flags[key] as number;
  }
  return Object.keys(args).length ? args : null;
}
