import { type Command, InvalidArgumentError, Option } from 'commander';
import { SCHEDULER_TYPES, schedulerSpecArgs, type SchedulerSpec } from '../lr_scheduler/index.ts';
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

const STRING_ARGS = new Set(['mode', 'scale_mode', 'anneal_strategy', 'threshold_mode', 'lr_lambda', 'scale_fn']);
const FLAG_ONLY_IN_CONFIGS = new Set(['last_epoch', 'schedulers']);

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

function parseValue(arg: string, raw: string): unknown {
  if (STRING_ARGS.has(arg)) return raw;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const parts = raw.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((p) => p === '') || numbers.some((n) => !Number.isFinite(n))) {
    throw new UsageError(
      `--${flagName(arg)}: expected a number, a comma-separated list of numbers, true or false, got ${JSON.stringify(raw)}`,
    );
  }
  return parts.length > 1 || arg === 'milestones' ? numbers : numbers[0];
}

/** Adds every scheduler argument flag to a command (values are checked by the scheduler itself). */
export function addSchedulerFlags(command: Command, skip: readonly string[] = []): Command {
  for (const arg of ALL_ARGS) {
    if (skip.includes(arg)) continue;
    const users = SCHEDULER_TYPES.filter((t) => schedulerSpecArgs(t).includes(arg));
    const option = new Option(`--${flagName(arg)} <value>`, `${users.join(', ')}: ${arg}`);
    if (arg === 'lr_lambda') {
      option.description = `${users.join(', ')}: lr_lambda, an expression in epoch such as "0.95 ** epoch" (repeat the flag for one per param group)`;
      option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    }
    command.addOption(option);
  }
  return command;
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
