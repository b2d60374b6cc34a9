import { type Command, InvalidArgumentError, Option } from 'commander';
import { SCHEDULER_TYPES, schedulerParams, schedulerSpecArgs, type SchedulerSpec } from '../lr_scheduler/index.ts';
import type { Param } from '../params/declare.ts';
import { UsageError } from './files.ts';
import { canonicalName } from '../canonical_name.ts';

// Every scheduler's PyTorch keyword arguments become flags: step_size → --step-size, T_max → --t-max.
// ReduceLROnPlateau's eps is --plateau-eps (--eps is Adam's), and last_epoch is left to run configs.

const ALIASES: Record<string, string> = {
  lambda: 'LambdaLR',
  multiplicative: 'MultiplicativeLR',
  step: 'StepLR',
  multistep: 'MultiStepLR',
  constant: 'ConstantLR',
  linear: 'LinearLR',
  exponential: 'ExponentialLR',
  exp: 'ExponentialLR',
  polynomial: 'PolynomialLR',
  poly: 'PolynomialLR',
  cosine: 'CosineAnnealingLR',
  'cosine-restarts': 'CosineAnnealingWarmRestarts',
  'warm-restarts': 'CosineAnnealingWarmRestarts',
  cyclic: 'CyclicLR',
  onecycle: 'OneCycleLR',
  'one-cycle': 'OneCycleLR',
  plateau: 'ReduceLROnPlateau',
  swa: 'SWALR',
};

const FLAG_ONLY_IN_CONFIGS = new Set(['last_epoch', 'schedulers']);

/** Every declaration of PyTorch's keyword `arg`, with the scheduler that declares it. */
function declarations(arg: string): { type: string; param: Param<unknown> }[] {
  return SCHEDULER_TYPES.flatMap((type) => {
    const params = schedulerParams(type);
    const name = params.nameOf(arg);
    return name === undefined ? [] : [{ type, param: params.decls[name] }];
  });
}

/** The flag of a PyTorch keyword argument. */
export function flagName(arg: string): string {
  if (arg === 'eps') return 'plateau-eps';
  return arg.toLowerCase().replace(/_/g, '-');
}

function optionKey(arg: string): string {
  return flagName(arg).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const ALL_ARGS = [...new Set(SCHEDULER_TYPES.flatMap((t) => schedulerSpecArgs(t)))].filter(
  (a) => !FLAG_ONLY_IN_CONFIGS.has(a),
);

/** Resolves `cosine`, `CosineAnnealingLR` or `cosineannealinglr` to PyTorch's class name. */
export function schedulerType(name: string): string {
  return canonicalName(name, SCHEDULER_TYPES, { what: 'scheduler', aliases: ALIASES, error: InvalidArgumentError });
}

/** A flag's text as its declaration reads it: strings as given, numbers and lists of numbers, true / false. */
function parseValue(arg: string, raw: string): unknown {
  const kinds = new Set(declarations(arg).map((d) => d.param.kind));
  if (kinds.has('choice') || kinds.has('expression')) return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const parts = raw.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) {
    throw new UsageError(
      `--${flagName(arg)}: expected a number, a comma-separated list of numbers, true or false, ` +
        `got ${JSON.stringify(raw)}`,
    );
  }
  return parts.length > 1 || kinds.has('milestones') || kinds.has('numbers') ? numbers : numbers[0];
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}

/** Adds every scheduler argument flag to a command (values are checked by the scheduler itself). */
export function addSchedulerFlags(command: Command, skip: readonly string[] = []): Command {
  for (const arg of ALL_ARGS) {
    if (skip.includes(arg)) continue;
    const declared = declarations(arg);
    const users = declared.map((d) => d.type).join(', ');
    const { param } = declared[0];
    const shown = param.defaultValue === undefined ? '' : ` (default ${String(param.defaultValue)})`;
    const option = new Option(`--${flagName(arg)} <value>`, `${users}: ${arg}, ${lowerFirst(param.doc)}${shown}`);
    if (param.kind === 'expression' && param.perGroup) {
      option.description += ' (repeat the flag for one per param group)';
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    }
    command.addOption(option);
  }
  return command;
}

/** The scheduler argument flags given on the command line (`--t-max`, `--lr-lambda`, ...). */
export function givenSchedulerFlags(
  flags: Record<string, unknown>,
  given: (key: string) => boolean,
  skip: readonly string[] = [],
): string[] {
  return ALL_ARGS.filter(
    (arg) => !skip.includes(arg) && given(optionKey(arg)) && flags[optionKey(arg)] !== undefined,
  ).map((arg) => `--${flagName(arg)}`);
}

/** The scheduler spec the flags describe: only arguments the chosen scheduler takes are allowed. */
export function schedulerSpecFromFlags(
  type: string,
  flags: Record<string, unknown>,
  given: (key: string) => boolean,
): SchedulerSpec {
  if (type === 'SequentialLR' || type === 'ChainedScheduler') {
    throw new UsageError(`${type} combines other schedulers; describe it in a JSON spec and pass --config`);
  }
  const accepted = new Set(schedulerSpecArgs(type));
  const args: Record<string, unknown> = {};
  for (const arg of ALL_ARGS) {
    const key = optionKey(arg);
    if (!given(key) || flags[key] === undefined) continue;
    if (!accepted.has(arg)) {
      throw new UsageError(
        `--${flagName(arg)} does not apply to ${type}; its arguments are ${[...accepted]
          .filter((a) => !FLAG_ONLY_IN_CONFIGS.has(a))
          .map((a) => `--${flagName(a)}`)
          .join(', ')}`,
      );
    }
    const raw = flags[key];
    args[arg] =
      arg === 'lr_lambda'
        ? (raw as string[]).length === 1
          ? (raw as string[])[0]
          : raw
        : parseValue(arg, raw as string);
  }
  return { type, args };
}
